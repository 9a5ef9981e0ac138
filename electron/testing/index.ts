// `shotgun-events/testing`: test ONE plugin file against an in-process sandbox site.
//
//   import { testPlugin } from 'shotgun-events/testing';
//   const t = await testPlugin({ file: new URL('./myPlugin.ts', import.meta.url), args: { field: 'description' } });
//   try {
//     const shot = await t.sg.findOne('Shot', [], ['id']);
//     await t.sg.update('Shot', shot!.id, { sg_status_list: 'ip' }); // a real write makes the real event
//     await t.settle();                                             // the plugin has handled it
//     expect(t.errors).toEqual([]);
//   } finally {
//     await t.close();
//   }
//
// What it does: starts a sandbox (port 0), loads the plugin in a real worker (PluginHost, as
// the daemon does), and runs its own small dispatcher: it reads `EventLogEntry id > cursor` in
// id order and hands each event to the callbacks whose matchEvents accept it (runBatch), one
// batch at a time. It is deliberately NOT the daemon's runner: no gaps, no retries, no
// state; a failing callback is recorded in `errors` and the next event runs. It never
// imports Electron.
//
// Scripts: the script names a plugin registers are discovered after load; each is added to
// the sandbox and its key is learnt on its first authentication (so the plugin's own key
// constant works unchanged). `generateEvents` sets their generate_event_log_entries switch
// (default false, as on a real site: the plugin's own writes make no events). Pass `scripts`
// to register scripts yourself instead.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Matcher } from '../engine/match.js';
import type { CallbackInfo, CallbackOutcome, PluginLogLine, RunResult } from '../engine/plugin-host.js';
import { createPluginHost, isPythonPlugin } from '../engine/python/host-factory.js';
import { compileCallbackMatch } from '../engine/python/python-match.js';
import { startSandbox, type Sandbox, type SandboxScript } from '../sandbox/index.js';
import { Shotgun } from '../shotgun/client.js';
import { EVENT_FIELDS, type EventLogEntry } from '../shotgun/types.js';

export type { CallbackOutcome, PluginLogLine, RunResult } from '../engine/plugin-host.js';
export type { Sandbox } from '../sandbox/index.js';

export interface TestPluginOptions {
  /** The plugin file (.ts, .js, .mjs): a path or a file: URL (e.g. new URL('./p.ts', import.meta.url)). */
  file: string | URL;
  /**
   * Replaces the `args` every callback registered with (the same object for every call), so a
   * test can try settings without editing the file. Omitted: the plugin's own args.
   */
  args?: unknown;
  /** Sandbox contents: 'minimal' (default, fast) or 'demo'. */
  seed?: 'minimal' | 'demo';
  /** Register these scripts yourself (name, key, generateEvents) instead of discovering them. */
  scripts?: SandboxScript[];
  /** generate_event_log_entries of the discovered scripts. Default false (as on a real site). */
  generateEvents?: boolean;
  /** Per-callback time limit. Default 30 s. */
  callbackTimeoutMs?: number;
  /** The plugin loggers' level (Python numbers or names). Default 'debug': every line is kept. */
  logLevel?: number | string;
  /** How long settle() waits by default. Default 15 s. */
  settleTimeoutMs?: number;
  /** Sessions: callbacks' sg act in the event's session_uuid. Default false. */
  useSessionUuid?: boolean;
  /** A .py plugin: the interpreter (default python3) and extra environment (e.g. PYTHONPATH, SGDAEMON_*). */
  python?: string;
  env?: NodeJS.ProcessEnv;
  /** A .py plugin: false gives it the stand-in sg even where shotgun_api3 imports. */
  useApi3?: boolean;
}

/** One callback run: the event, the callback and how it went. */
export interface TestOutcome extends CallbackOutcome {
  eventId: number;
  event: EventLogEntry;
}

export interface PluginTest {
  /** A Shotgun client logged in as a person (admin): its writes always make events. */
  readonly sg: Shotgun;
  readonly sandbox: Sandbox;
  /** The plugin's callbacks as loaded. */
  readonly callbacks: CallbackInfo[];
  /** Every log line of the plugin so far (its loggers, console output, host warnings). */
  readonly logs: PluginLogLine[];
  /** Every callback run so far, in order. */
  readonly outcomes: TestOutcome[];
  /** The failed ones (also a worker crash, as an outcome with ok false). */
  readonly errors: TestOutcome[];
  /** Every event handed to the plugin so far (matching at least one callback). */
  readonly events: EventLogEntry[];
  /** The messages of the log lines, for quick assertions. */
  messages(): string[];
  /**
   * Waits until every event committed so far (and every event the plugin's callbacks make
   * meanwhile, when its scripts generate events) has been dispatched. Throws on timeout.
   */
  settle(timeoutMs?: number): Promise<void>;
  /**
   * Creates a custom EventLogEntry (as a script would: event_type required; entity, meta,
   * attribute_name, project... optional), waits for the plugin to handle it, and returns it.
   */
  inject(event: Partial<EventLogEntry> & { event_type: string }): Promise<EventLogEntry>;
  /** Stops the worker, the poller and the sandbox. */
  close(): Promise<void>;
}

const ADMIN = { login: 'admin', password: 'sandbox' };

export async function testPlugin(opts: TestPluginOptions): Promise<PluginTest> {
  if (!opts || (typeof opts.file !== 'string' && !(opts.file instanceof URL))) {
    throw new TypeError('testPlugin needs { file }: the plugin file path or URL');
  }
  const file = path.resolve(opts.file instanceof URL ? fileURLToPath(opts.file) : opts.file);
  const name = path.basename(file).replace(/\.((c|m)?(t|j)s|py)$/, '');
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1', seed: opts.seed ?? 'minimal', scripts: opts.scripts ?? [], rate: 0 });
  const logs: PluginLogLine[] = [];
  const outcomes: TestOutcome[] = [];
  const events: EventLogEntry[] = [];

  // Learn a discovered script's key on its first authentication.
  const pending = new Set<string>();
  if (!opts.scripts) {
    const auth = sandbox.auth;
    const check = auth.script.bind(auth);
    auth.script = (scriptName: unknown, key: unknown) => {
      if (typeof scriptName === 'string' && pending.has(scriptName) && typeof key === 'string' && key !== '') {
        pending.delete(scriptName);
        auth.addScript(scriptName, key, { generateEvents: opts.generateEvents ?? false });
      }
      return check(scriptName, key);
    };
  }

  if (opts.args !== undefined && isPythonPlugin(file)) {
    await sandbox.close();
    throw new TypeError('testPlugin: args overrides work for TypeScript/JavaScript plugins only; a .py plugin reads its settings itself');
  }
  const wrapper = opts.args !== undefined ? argsWrapper(file, name, opts.args) : null;
  const host = createPluginHost({
    ...(opts.python ? { python: opts.python } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.useApi3 !== undefined ? { useApi3: opts.useApi3 } : {}),
    file: wrapper?.file ?? file,
    name,
    shotgun: { server: sandbox.url },
    callbackTimeoutMs: opts.callbackTimeoutMs ?? 30_000,
    logLevel: opts.logLevel === undefined ? 10 : (opts.logLevel as number),
    useSessionUuid: opts.useSessionUuid ?? false,
    onLog: (line) => logs.push(line),
  });
  const sg = new Shotgun({ server: sandbox.url, credentials: ADMIN });
  const cleanup = async () => {
    await host.close().catch(() => undefined);
    await sg.close().catch(() => undefined);
    await sandbox.close();
    if (wrapper) rmSync(wrapper.dir, { recursive: true, force: true });
  };

  let callbacks: CallbackInfo[];
  let matchers: Matcher[];
  try {
    const loaded = await host.load();
    if (!loaded.ok) throw new Error(`testPlugin: ${loaded.error}${loaded.detail ? `\n${loaded.detail}` : ''}`);
    callbacks = loaded.callbacks;
    matchers = callbacks.map((c) => compileCallbackMatch(c));
    if (!opts.scripts) {
      for (const c of callbacks) if (!sandbox.auth.scripts().some((s) => s.name === c.scriptName)) pending.add(c.scriptName);
    }
  } catch (e) {
    await cleanup();
    throw e;
  }

  // The dispatcher: one loop, events in id order, one batch at a time.
  let cursor = sandbox.store.lastEventId;
  let closed = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const waiters: Array<{ id: number; resolve: () => void; reject: (e: Error) => void }> = [];
  const notify = () => {
    for (const w of waiters.slice()) {
      if (failure) w.reject(failure);
      else if (cursor >= w.id) w.resolve();
      else continue;
      waiters.splice(waiters.indexOf(w), 1);
    }
  };

  const loop = (async () => {
    while (!closed) {
      try {
        const page = await sg.find<EventLogEntry>(
          'EventLogEntry',
          [['id', 'greater_than', cursor]],
          [...EVENT_FIELDS],
          [{ field_name: 'id', direction: 'asc' }],
          200,
        );
        if (closed) break;
        if (page.length === 0) {
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 25);
          });
          wake = null;
          continue;
        }
        for (const event of page) {
          if (closed) break;
          const indexes = callbacks.map((_, i) => i).filter((i) => matchers[i]!.matches(event));
          if (indexes.length > 0) {
            events.push(event);
            const results: RunResult[] = await host.runBatch([{ event, callbackIndexes: indexes }]);
            record(event, indexes, results[0]);
          }
          cursor = event.id;
          notify();
        }
      } catch (e) {
        if (closed) break;
        failure = new Error(`testPlugin: the dispatcher stopped: ${(e as Error).message}`);
        notify();
        break;
      }
    }
  })();

  function record(event: EventLogEntry, indexes: number[], r: RunResult | undefined): void {
    const seen = new Set<number>();
    for (const o of r?.outcomes ?? []) {
      seen.add(o.index);
      outcomes.push({ ...o, eventId: event.id, event });
    }
    if (r?.crashed) {
      const next = indexes.find((i) => !seen.has(i));
      if (next !== undefined && !r.outcomes.some((o) => !o.ok)) {
        outcomes.push({
          index: next,
          name: callbacks[next]!.name,
          ok: false,
          error: { name: 'PluginWorkerError', message: r.crashed },
          startedAt: Date.now(),
          durationMs: 0,
          eventId: event.id,
          event,
        });
      }
    }
  }

  const settleTimeout = opts.settleTimeoutMs ?? 15_000;
  const t: PluginTest = {
    sg,
    sandbox,
    callbacks,
    logs,
    outcomes,
    get errors() {
      return outcomes.filter((o) => !o.ok);
    },
    events,
    messages: () => logs.map((l) => l.message),
    async settle(timeoutMs = settleTimeout) {
      // Loop until quiet: events the plugin's writes make (generateEvents) are settled too.
      const end = Date.now() + timeoutMs;
      for (;;) {
        const target = sandbox.store.lastEventId;
        if (cursor < target) {
          await waitFor(target, Math.max(1, end - Date.now()));
          continue;
        }
        if (failure) throw failure;
        return;
      }
    },
    async inject(partial) {
      const created = await sg.create<EventLogEntry>('EventLogEntry', { ...partial }, [...EVENT_FIELDS]);
      await t.settle();
      return events.find((e) => e.id === created.id) ?? created;
    },
    async close() {
      if (closed) return;
      closed = true;
      wake?.();
      await host.close().catch(() => undefined);
      await loop.catch(() => undefined);
      for (const w of waiters.splice(0)) w.reject(new Error('testPlugin: closed'));
      await sg.close().catch(() => undefined);
      await sandbox.close();
      if (wrapper) rmSync(wrapper.dir, { recursive: true, force: true });
    },
  };

  function waitFor(id: number, timeoutMs: number): Promise<void> {
    if (failure) return Promise.reject(failure);
    if (cursor >= id) return Promise.resolve();
    wake?.();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = waiters.indexOf(w);
        if (i >= 0) waiters.splice(i, 1);
        reject(new Error(`testPlugin: event ${id} was not handled within ${timeoutMs} ms (handled up to ${cursor})`));
      }, timeoutMs);
      const w = {
        id,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      waiters.push(w);
    });
  }

  return t;
}

/**
 * A tiny wrapper module around the plugin that hands `args` (as JSON) to every
 * registerCallback instead of the plugin's own; the worker loads the wrapper.
 */
function argsWrapper(file: string, name: string, args: unknown): { file: string; dir: string } {
  let json: string;
  try {
    json = JSON.stringify(args);
  } catch (e) {
    throw new TypeError(`testPlugin: args must be JSON data: ${(e as Error).message}`, { cause: e });
  }
  if (json === undefined) throw new TypeError('testPlugin: args must be JSON data');
  const dir = mkdtempSync(path.join(tmpdir(), 'sge-testing-'));
  const ts = /\.(c|m)?ts$/.test(file);
  const wrapper = path.join(dir, `${name}${ts ? '.ts' : '.mjs'}`);
  const target = ts ? file : pathToFileURL(file).href;
  writeFileSync(
    wrapper,
    `// generated by shotgun-events/testing: ${name} with the test's args
import * as mod from ${JSON.stringify(target)};
const ARGS = JSON.parse(${JSON.stringify(json)});
const m: any = mod;
export async function registerCallbacks(reg: any) {
  const plugin = typeof m.registerCallbacks === 'function' ? m : m.default && typeof m.default.registerCallbacks === 'function' ? m.default : null;
  if (!plugin) throw new Error(${JSON.stringify(`${file} exports no registerCallbacks(reg)`)});
  const proxy = {
    get logger() { return reg.logger; },
    getLogger: () => reg.getLogger(),
    setEmails: (...e: any[]) => reg.setEmails(...e),
    registerCallback: (n: any, k: any, cb: any, _args: any, o: any) => reg.registerCallback(n, k, cb, ARGS, o),
  };
  return plugin.registerCallbacks(proxy);
}
`.replace(/: any\[\]|: any/g, ts ? '$&' : ''),
  );
  return { file: wrapper, dir };
}
