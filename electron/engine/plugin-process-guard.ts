// Process-level APIs a plugin must not reach. A plugin worker is a thread of the daemon's
// process: process.kill(process.pid), process.abort(), a signal handler or a native addon
// would act on the whole daemon and every other plugin, not on this plugin. The worker
// replaces them before the plugin's module loads; each throws an error naming the plugin
// and the way out (docs/engine.md, "Plugin isolation limits"). process.exit() stays: in a worker
// it ends this plugin's worker only, which the host restarts.
// This closes the accidents a ported script makes; it is not a sandbox against hostile
// code (child_process can still run `kill`).

import { constants } from 'node:os';

const SIGNALS = new Set(Object.keys(constants.signals));

export function guardProcess(plugin: string): void {
  const refuse = (what: string, why: string) =>
    new Error(
      `Plugin ${plugin} may not call ${what}: plugins run as threads of the event daemon's process, so ${why}. ` +
        'Throw an error to fail the event, or call process.exit() to restart only this plugin.',
    );
  const define = (key: string, value: unknown) =>
    Object.defineProperty(process, key, { value, writable: false, configurable: false, enumerable: false });

  const kill = process.kill.bind(process);
  // A pid of 0 or below names a process group (or every process): the daemon is in it.
  const daemonPid = (pid: number) => pid <= 0 || pid === process.pid || pid === process.ppid;
  define('kill', (pid: number, signal?: string | number) => {
    const n = Number(pid);
    if (daemonPid(n)) {
      throw refuse(
        `process.kill(${String(pid)}${signal === undefined ? '' : `, ${JSON.stringify(signal)}`})`,
        'it would signal the daemon (or its parent or process group)',
      );
    }
    return kill(pid, signal);
  });
  // process.kill calls process._kill (the raw binding): guarded the same way.
  const rawKill = (process as unknown as { _kill: (pid: number, sig: number) => number })._kill.bind(process);
  define('_kill', (pid: number, sig: number) => {
    if (daemonPid(Number(pid)))
      throw refuse(`process._kill(${String(pid)}, ${String(sig)})`, 'it would signal the daemon (or its parent or process group)');
    return rawKill(pid, sig);
  });
  // (process.reallyExit stays: in a worker it is what process.exit calls, and ends the worker only.)
  define('abort', () => {
    throw refuse('process.abort()', 'it would end the whole daemon at once');
  });
  for (const name of ['dlopen', '_linkedBinding']) {
    define(name, () => {
      throw refuse(`process.${name}()`, 'native code loaded there could crash or end the whole daemon');
    });
  }
  // Signals belong to the daemon (it stops cleanly on SIGTERM); a worker never receives them.
  for (const name of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const) {
    const original = process[name] as (this: NodeJS.Process, event: string | symbol, fn: (...a: unknown[]) => void) => NodeJS.Process;
    define(name, function (this: NodeJS.Process, event: string | symbol, fn: (...a: unknown[]) => void) {
      if (typeof event === 'string' && SIGNALS.has(event)) {
        throw refuse(
          `process.${name}(${JSON.stringify(event)})`,
          'signals go to the daemon, which stops cleanly on SIGTERM (the ctx.signal of a running callback is aborted then)',
        );
      }
      return original.call(this, event, fn);
    });
  }
}
