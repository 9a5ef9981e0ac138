// The plugin host for an original-style `.py` plugin: the same promise API as PluginHost (both
// extend plugin-host-base.ts: load, run, runBatch, setLogLevel, close), backed by one
// long-lived Python process running bridge.py beside this file. They speak newline-delimited
// JSON over stdio (see bridge.py).
// Isolation is a process boundary, so it is stronger than the worker threads':
// - a callback that raises (SystemExit too) → its outcome has the error; the process lives on.
// - a callback past its timeout → SIGINT (bridge.py turns it into an exception in the
//   callback); if it has not ended within the grace, SIGKILL. Outcome { timedOut } either way.
// - os._exit, a segfault, an OOM kill → the run ends `crashed`, and the process is started
//   again (module imported afresh, registerCallbacks re-run) before the next run.
// The stand-in `sg` (when shotgun_api3 does not import) sends its calls back over the pipe;
// api-proxy.ts runs them on the engine's own client. See docs/plugins.md, "Python plugins".

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { delay } from '../../retry.js';
import { MAX_TIMER_MS, PluginHostBase, type PluginHostOptions } from '../plugin-host-base.js';
import type { LoadResult, PluginLogLine, RunResult, SerializedError } from '../plugin-protocol.js';
import { collectResults, type PositionRecord, type RunPlan } from '../plugin-run-results.js';
import { ApiProxy, type ApiCall } from './api-proxy.js';
import { bridgePath } from './bridge-path.js';

export interface PythonHostOptions extends PluginHostOptions {
  /** `[plugins] python`: the interpreter to start. Default `python3`. */
  python?: string;
  /** Extra environment for the interpreter (tests set PYTHONPATH). */
  env?: NodeJS.ProcessEnv;
  /** false: never import shotgun_api3 (always the stand-in). Default true. */
  useApi3?: boolean;
}

export const DEFAULT_PYTHON = 'python3';

type BridgeMessage =
  | { t: 'loaded'; result: LoadResult; emails: string[] | boolean | null; sg: string }
  | { t: 'log'; time: number; level: PluginLogLine['level']; logger: string; message: string; callback?: string; eventId?: number }
  | { t: 'start'; run: number; pos: number; at: number }
  | { t: 'end'; run: number; pos: number; dur: number; error?: SerializedError }
  | { t: 'done'; run: number }
  | ({ t: 'call' } & ApiCall);

interface Proc {
  child: ChildProcessWithoutNullStreams;
  onMessage: ((m: BridgeMessage) => void) | null;
  onGone: ((why: string) => void) | null;
  gone: string | null;
  /** Set when we end it on purpose. */
  kill: { message: string; timedOutPos?: number } | null;
  stderrTail: string[];
}

export class PythonHost extends PluginHostBase<PythonHostOptions> {
  private proc: Proc | null = null;
  private _sgKind: string | null = null;
  private runSeq = 0;
  private readonly api: ApiProxy;

  constructor(opts: PythonHostOptions) {
    super(opts, { kind: 'PythonHost', noun: 'Python process', short: 'process' });
    this.api = new ApiProxy(opts.shotgun);
  }

  /** Which `sg` the plugin got (a real shotgun_api3.Shotgun or the stand-in), after load. */
  get sgKind(): string | null {
    return this._sgKind;
  }
  get python(): string {
    return this.opts.python || DEFAULT_PYTHON;
  }
  /** The interpreter's process id, or null when none runs. */
  get pid(): number | null {
    return this.proc?.child.pid ?? null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const p = this.proc;
    if (p && !p.gone) {
      p.kill = { message: 'The plugin host was closed' };
      p.child.stdin.end();
      // A callback still running gets SIGINT and the grace, as a timeout would.
      p.child.kill('SIGINT');
      await Promise.race([goneOf(p), delay(this.graceMs, { unref: true })]);
      if (!p.gone) {
        p.child.kill('SIGKILL');
        await goneOf(p);
      }
    }
    await this.api.close();
  }

  // ---------------------------------------------------------------- internals

  protected sendLogLevel(level: number): void {
    this.post({ t: 'level', level });
  }

  private post(msg: unknown): void {
    const p = this.proc;
    if (!p || p.gone) return;
    try {
      p.child.stdin.write(`${JSON.stringify(msg)}\n`);
    } catch {
      // gone; its exit handler reports it
    }
  }

  private async stopProc(why: string): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.gone) return;
    p.kill = { message: why };
    p.child.kill('SIGKILL');
    await goneOf(p);
  }

  protected async start(): Promise<LoadResult> {
    if (this.closed) throw new Error(`The plugin host of ${this.opts.name} is closed`);
    await this.stopProc('The plugin was reloaded');
    const python = this.python;
    const fail = (error: string, detail?: string): LoadResult => {
      const r: LoadResult = detail ? { ok: false, error, detail } : { ok: false, error };
      this._loaded = r;
      this._emails = null;
      return r;
    };
    let bridge: string;
    try {
      bridge = bridgePath();
    } catch (e) {
      return fail((e as Error).message);
    }
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(python, ['-u', bridge], {
        env: { ...process.env, ...this.opts.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      return fail(
        `Could not start the Python interpreter '${python}' ([plugins] python) for the plugin at ${this.opts.file}: ${(e as Error).message}`,
      );
    }
    const p: Proc = { child, onMessage: null, onGone: null, gone: null, kill: null, stderrTail: [] };
    this.proc = p;
    let spawnError: Error | null = null;
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('close', (code, signal) => {
      const why = p.kill?.message ?? `the Python process exited with ${signal ? `signal ${signal}` : `code ${code}`}`;
      p.gone = spawnError ? spawnError.message : why;
      if (this.proc === p) {
        this.proc = null;
        this.lastCrash = p.gone;
      }
      p.onGone?.(p.gone);
    });
    child.stdin.on('error', () => undefined); // EPIPE after a crash: the close handler reports it
    createInterface({ input: child.stdout }).on('line', (line) => {
      let m: BridgeMessage;
      try {
        m = JSON.parse(line) as BridgeMessage;
      } catch {
        this.hostLog('warning', line, `plugin.${this.opts.name}.stdout`);
        return;
      }
      if (m.t === 'log') {
        const l: PluginLogLine = { time: m.time, level: m.level, logger: m.logger, message: m.message, plugin: this.opts.name };
        if (m.callback) l.callback = m.callback;
        if (m.eventId !== undefined && m.eventId !== null) l.eventId = m.eventId;
        this.emitLog(l);
      } else if (m.t === 'call') {
        void this.api.handle(m).then((reply) => this.post(reply));
      } else {
        p.onMessage?.(m);
      }
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line.trim() === '') return;
      p.stderrTail.push(line);
      if (p.stderrTail.length > 20) p.stderrTail.shift();
      this.hostLog('warning', line, `plugin.${this.opts.name}.stderr`);
    });

    this.post({
      t: 'init',
      file: this.opts.file,
      name: this.opts.name,
      server: this.opts.shotgun.server,
      proxy: this.opts.shotgun.proxy ?? null,
      useSessionUuid: this.opts.useSessionUuid ?? false,
      logLevel: this.logLevel,
      callbackTimeoutMs: Math.ceil(this.opts.callbackTimeoutMs),
      api3: this.opts.useApi3 ?? true,
    });
    const loadTimeoutMs = this.loadTimeoutMs;
    const msg = await new Promise<Extract<BridgeMessage, { t: 'loaded' }> | string>((resolve) => {
      const timer = setTimeout(
        () => resolve(`did not finish loading within ${loadTimeoutMs / 1000} s (does registerCallbacks hang?)`),
        loadTimeoutMs,
      );
      p.onMessage = (m) => {
        if (m.t === 'loaded') {
          clearTimeout(timer);
          resolve(m);
        }
      };
      p.onGone = (why) => {
        clearTimeout(timer);
        resolve(why);
      };
    });
    p.onMessage = null;
    p.onGone = null;
    if (typeof msg === 'string') {
      await this.stopProc('load failed');
      const err = spawnError as (Error & { code?: string }) | null;
      const tail = p.stderrTail.join('\n');
      if (err?.code === 'ENOENT') {
        return fail(`The Python interpreter '${python}' ([plugins] python) was not found, so the plugin at ${this.opts.file} cannot load`);
      }
      if (err)
        return fail(`Could not start the Python interpreter '${python}' ([plugins] python) for the plugin at ${this.opts.file}: ${err.message}`);
      return fail(
        `The Python interpreter '${python}' ([plugins] python) could not load the plugin at ${this.opts.file}: ${msg}` +
          (tail ? `; it said: ${p.stderrTail.slice(-3).join(' | ')}` : ''),
        tail || undefined,
      );
    }
    this._loaded = msg.result;
    this._emails = msg.emails;
    this._sgKind = msg.sg;
    if (msg.result.ok) this.hostLog('info', `Loaded in ${python} (pid ${child.pid}); sg is ${msg.sg}`);
    else await this.stopProc('load failed');
    return msg.result;
  }

  protected get running(): boolean {
    return this.proc !== null;
  }

  protected async doRun(plan: RunPlan, attempt: number): Promise<RunResult[]> {
    const p = this.proc!;
    const positions: PositionRecord[] = plan.infos.map(() => ({}));

    const id = ++this.runSeq;
    let timer: NodeJS.Timeout | undefined;
    let timedOutPos: number | undefined;
    const crash = await new Promise<string | null>((resolve) => {
      const arm = (pos: number) => {
        if (timer) clearTimeout(timer);
        const info = plan.infos[pos]!;
        timer = setTimeout(
          () => {
            timedOutPos = pos;
            p.child.kill('SIGINT');
            timer = setTimeout(() => {
              p.kill = {
                message: `Callback ${info.name} timed out after ${info.timeoutMs} ms and did not stop within ${this.graceMs} ms of SIGINT: the Python process was killed (module state is lost; it restarts before the next event)`,
                timedOutPos: pos,
              };
              p.child.kill('SIGKILL');
            }, this.graceMs);
          },
          Math.min(info.timeoutMs, MAX_TIMER_MS),
        );
      };
      p.onMessage = (m) => {
        if (m.t === 'start' && m.run === id) {
          positions[m.pos]!.startedAt = m.at;
          arm(m.pos);
        } else if (m.t === 'end' && m.run === id) {
          if (timer) clearTimeout(timer);
          timer = undefined;
          const ps = positions[m.pos]!;
          ps.durationMs = m.dur;
          if (m.error) ps.error = m.error;
        } else if (m.t === 'done' && m.run === id) {
          resolve(null);
        }
      };
      p.onGone = (why) => resolve(why);
      this.post({
        t: 'run',
        run: id,
        attempt,
        items: plan.items.map((it) => ({ event: it.event, callbacks: it.callbackIndexes, late: it.late === true })),
      });
    });
    if (timer) clearTimeout(timer);
    p.onMessage = null;
    p.onGone = null;
    return collectResults(plan, (pos) => positions[pos]!, {
      crash,
      timedOutPos: p.kill?.timedOutPos ?? timedOutPos,
      crashErrorName: 'PythonProcessError',
      earlyEnd: 'The Python process ended the run early (see the plugin log)',
    });
  }
}

function goneOf(p: Proc): Promise<void> {
  if (p.gone) return Promise.resolve();
  return new Promise((resolve) => {
    const prev = p.onGone;
    p.onGone = (why) => {
      prev?.(why);
      resolve();
    };
  });
}
