// The worker thread that hosts ONE plugin file (started by plugin-host.ts). It imports the
// plugin, runs its registerCallbacks(reg), reports the callbacks, then runs callbacks for
// the events the host sends, in order, one run at a time. Module state lives as long as
// this worker: it survives between events and is lost when the host restarts the worker
// (after a timeout that the callback did not honour, process.exit, out of memory, reload).
//
// Loading: .js/.mjs with import(), .cjs with require, .ts/.cts/.mts through tsx (Node 20
// cannot strip types itself; see plugin-worker-import.ts). Every failure becomes a load error message
// naming the file and the cause; nothing here throws at the host.

import { formatWithOptions } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { decodePage, type DecodedRun } from './page-codec.js';
import { logLevelName, toLogLevel, type CallbackContext, type LogLevelInput, type PluginLogger, type Registrar } from './plugin-api.js';
import {
  nowMs,
  SAB_COMPLETED,
  SAB_HEADER_BYTES,
  SAB_RUN,
  SAB_STARTED,
  type HostMessage,
  type LoadResult,
  type PluginConnectionEvent,
  type PluginLogLine,
  type SerializedError,
  type WorkerInit,
  type WorkerMessage,
} from './plugin-protocol.js';
import { guardAllocations, watchOffHeap } from './plugin-memory.js';
import { guardProcess } from './plugin-process-guard.js';
import { createClientPool, type ClientHolder } from './plugin-worker-clients.js';
import { makeRegistrar as makeRegistrarFor, type Registered } from './plugin-worker-registrar.js';
import { describeThrown, FORMAT, loadError, serializeError, trimStack } from './plugin-worker-errors.js';
import { exportNames, findRegister, importPlugin } from './plugin-worker-import.js';
import type { TranspileCacheStats } from './plugin-transpile-cache.js';

if (!parentPort) throw new Error('plugin-worker runs only as a worker thread started by PluginHost');
const port = parentPort;
const init = workerData as WorkerInit;
const PLUGIN = init.name;
const FILE = init.file;

function post(msg: WorkerMessage): void {
  port.postMessage(msg);
}

// ------------------------------------------------------------------ output (logs, connection events)
// Batched: one message per event-loop turn (or per 100 lines), flushed before any result and
// before each callback starts, so a callback's lines reach the host before its outcome and
// survive a later callback that blocks the thread. Lines logged by a callback that then
// blocks the thread forever itself are lost with the worker (unless 100 were queued).

let outLogs: PluginLogLine[] = [];
let outConns: PluginConnectionEvent[] = [];
let flushQueued = false;
const FLUSH_LINES = 100;

function flush(): void {
  flushQueued = false;
  if (outLogs.length === 0 && outConns.length === 0) return;
  post({ t: 'out', logs: outLogs, conns: outConns });
  outLogs = [];
  outConns = [];
}

function queueFlush(): void {
  if (outLogs.length >= FLUSH_LINES) flush();
  else if (!flushQueued) {
    flushQueued = true;
    setImmediate(flush);
  }
}

// ------------------------------------------------------------------ loggers (Python logging semantics, minimal)

let rootLevel = init.logLevel;

class LoggerNode {
  level = 0;
  private readonly children = new Map<string, LoggerNode>();
  constructor(
    readonly name: string,
    readonly parent: LoggerNode | null,
    /** Set on a callback's logger (and its children): lines are tagged with it. */
    readonly callback: string | undefined,
  ) {}

  effective(): number {
    for (let n: LoggerNode | null = this; n; n = n.parent) if (n.level > 0) return n.level;
    return rootLevel;
  }

  child(suffix: string, callback = this.callback): LoggerNode {
    let c = this.children.get(suffix);
    if (!c) {
      c = new LoggerNode(`${this.name}.${suffix}`, this, callback);
      this.children.set(suffix, c);
    }
    return c;
  }
}

/** What runs right now (for tagging lines from reg.logger and console.*, and for aborts). */
interface CurrentCall {
  run: number;
  pos: number;
  eventId: number;
  callback: string;
  timeoutMs: number;
  ctl: AbortController | undefined;
  abortedBy: 'timeout' | 'shutdown' | undefined;
}
let current: CurrentCall | null = null;
/** The host is closing: finish the callback in progress, start no other. */
let shuttingDown = false;

class Logger implements PluginLogger {
  constructor(
    private readonly node: LoggerNode,
    /** Set on ctx.logger: the event it was made for. */
    private readonly eventId?: number,
  ) {}

  get name(): string {
    return this.node.name;
  }
  get level(): number {
    return this.node.level;
  }
  debug(message: unknown, ...args: unknown[]): void {
    this.emit(10, message, args);
  }
  info(message: unknown, ...args: unknown[]): void {
    this.emit(20, message, args);
  }
  warning(message: unknown, ...args: unknown[]): void {
    this.emit(30, message, args);
  }
  warn(message: unknown, ...args: unknown[]): void {
    this.emit(30, message, args);
  }
  error(message: unknown, ...args: unknown[]): void {
    this.emit(40, message, args);
  }
  critical(message: unknown, ...args: unknown[]): void {
    this.emit(50, message, args);
  }
  setLevel(level: LogLevelInput): void {
    this.node.level = toLogLevel(level);
  }
  getEffectiveLevel(): number {
    return this.node.effective();
  }
  isEnabledFor(level: LogLevelInput): boolean {
    return toLogLevel(level) >= this.node.effective();
  }
  getChild(suffix: string): PluginLogger {
    if (typeof suffix !== 'string' || suffix === '') throw new TypeError('getChild needs a non-empty name');
    return new Logger(this.node.child(suffix), this.eventId);
  }

  emit(level: number, message: unknown, args: unknown[]): void {
    if (level < this.node.effective()) return;
    const text = typeof message === 'string' && args.length === 0 ? message : formatWithOptions(FORMAT, message, ...args);
    const line: PluginLogLine = { time: Date.now(), level: logLevelName(level), logger: this.node.name, message: text, plugin: PLUGIN };
    const cur = current;
    const callback = this.node.callback ?? cur?.callback;
    if (callback !== undefined) line.callback = callback;
    const eventId = this.eventId ?? (cur && (this.node.callback === undefined || this.node.callback === cur.callback) ? cur.eventId : undefined);
    if (eventId !== undefined) line.eventId = eventId;
    outLogs.push(line);
    queueFlush();
  }
}

const pluginNode = new LoggerNode(`plugin.${PLUGIN}`, null, undefined);
const pluginLogger = new Logger(pluginNode);

// console.* in plugin code goes to the plugin's logger (tagged with the running callback).
// Anything written to process.stdout/stderr directly is forwarded by the host as well.
{
  const to =
    (level: number) =>
    (...args: unknown[]) => {
      if (args.length === 0) pluginLogger.emit(level, '', []);
      else pluginLogger.emit(level, args[0], args.slice(1));
    };
  console.log = to(20);
  console.info = to(20);
  console.debug = to(10);
  console.trace = (...args: unknown[]) => {
    const err = { name: 'Trace', message: formatWithOptions(FORMAT, ...args) } as Error;
    Error.captureStackTrace(err, console.trace);
    pluginLogger.emit(10, err.stack ?? err.message, []);
  };
  console.warn = to(30);
  console.error = to(40);
}

// process.exit() in plugin code ends this worker (only): send what was logged until then.
process.on('exit', () => flush());

// Stray async plugin code (a timer that throws, a promise nobody awaits) must not end the
// worker silently: log it as an error of the plugin and keep going.
process.on('uncaughtException', (err) => {
  pluginLogger.emit(40, 'Uncaught exception in plugin code (outside any awaited callback work): %s', [describeThrown(err)]);
});
process.on('unhandledRejection', (reason) => {
  pluginLogger.emit(40, 'Unhandled promise rejection in plugin code: %s', [describeThrown(reason)]);
});

// Before any plugin code runs: no signalling or aborting the daemon's process from here.
guardProcess(PLUGIN);

// Off-heap memory over the limit: the host terminates this worker (plugin-memory.ts).
const reportOffHeap = (bytes: number) => {
  flush();
  post({ t: 'offheap', bytes });
};
const offHeap = watchOffHeap(init.offHeapLimitMb * 1024 * 1024, reportOffHeap);
guardAllocations(init.offHeapLimitMb * 1024 * 1024, PLUGIN, reportOffHeap);

// ------------------------------------------------------------------ ShotGrid connections

const { scriptClient, sessionClient } = createClientPool(init.shotgun, PLUGIN, (c) => {
  outConns.push(c);
  queueFlush();
});

// ------------------------------------------------------------------ registration

const callbacks: Registered<LoggerNode, ClientHolder>[] = [];
let emails: string[] | boolean | null = null;

function makeRegistrar(): { reg: Registrar; close(): void } {
  return makeRegistrarFor({
    callbacks,
    defaultTimeoutMs: init.callbackTimeoutMs,
    logger: pluginLogger,
    logNode: (name) => pluginNode.child(name, name),
    client: (scriptName, scriptKey) => scriptClient(scriptName, scriptKey),
    setEmails: (v) => (emails = v),
  });
}

// ------------------------------------------------------------------ loading

let transpile: TranspileCacheStats | undefined;

async function load(): Promise<LoadResult> {
  let mod: unknown;
  try {
    mod = await importPlugin(FILE, init.transpileCacheDir, (stats) => (transpile = stats));
  } catch (e) {
    return loadError(`Could not load the plugin at ${FILE}`, e);
  }
  const found = findRegister(mod);
  if (!found) {
    return {
      ok: false,
      error: `Did not find a registerCallbacks function in plugin at ${FILE} (its exports: ${exportNames(mod)}). Export registerCallbacks(reg), or a default export object that has it.`,
    };
  }
  const { reg, close } = makeRegistrar();
  try {
    const r = found.fn.call(found.self, reg);
    if (isThenable(r)) await r;
  } catch (e) {
    callbacks.length = 0;
    return loadError(`Error running registerCallbacks from plugin at ${FILE}`, e);
  } finally {
    close();
  }
  for (const err of transpile?.writeErrors ?? []) pluginLogger.warning(`Could not store transpiled TypeScript in the cache: ${err}`);
  const info = callbacks.map((c) => c.info);
  return transpile
    ? { ok: true, callbacks: info, transpile: { cached: transpile.hits, transpiled: transpile.misses, tsx: transpile.tsx } }
    : { ok: true, callbacks: info };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

// ------------------------------------------------------------------ running

let hdr: Int32Array<ArrayBufferLike> = new Int32Array(new SharedArrayBuffer(SAB_HEADER_BYTES));
let times: Float64Array<ArrayBufferLike> = new Float64Array(0);

class Ctx implements CallbackContext {
  private log: Logger | undefined;
  constructor(
    private readonly call: CurrentCall,
    private readonly node: LoggerNode,
    readonly late: boolean,
    readonly attempt: number,
    readonly callback: string,
  ) {}
  get plugin(): string {
    return PLUGIN;
  }
  get logger(): PluginLogger {
    return (this.log ??= new Logger(this.node, this.call.eventId));
  }
  get signal(): AbortSignal {
    return (this.call.ctl ??= new AbortController()).signal;
  }
}

async function runBatch(run: number, items: DecodedRun, attempt: number): Promise<void> {
  Atomics.store(hdr, SAB_RUN, run);
  let pos = 0;
  items: for (let i = 0; i < items.size; i++) {
    if (shuttingDown) break;
    // Parsed only now, from this event's own bytes (page-codec.ts): a run cut short parses no more.
    const event = items.event(i);
    const late = items.isLate(i);
    for (const index of items.callbacks(i)) {
      if (shuttingDown) break items;
      const cb = callbacks[index];
      if (!cb) {
        post({ t: 'fail', run, pos, error: { name: 'RangeError', message: `No callback #${index} in plugin ${PLUGIN}` } });
        Atomics.store(hdr, SAB_COMPLETED, pos + 1);
        break items;
      }
      const call: CurrentCall = {
        run,
        pos,
        eventId: event.id,
        callback: cb.info.name,
        timeoutMs: cb.info.timeoutMs,
        ctl: undefined,
        abortedBy: undefined,
      };
      const sg =
        init.useSessionUuid && typeof event.session_uuid === 'string' && event.session_uuid !== ''
          ? sessionClient(cb.scriptName, cb.scriptKey, event.session_uuid).proxy
          : cb.client.proxy;
      const ctx = new Ctx(call, cb.logNode, late, attempt, cb.info.name);
      // Lines of the previous callback go out before this one starts: if it then blocks the
      // thread for good, they are not lost with the worker.
      if (outLogs.length > 0) flush();
      const startedAt = nowMs();
      times[2 * pos] = startedAt;
      Atomics.store(hdr, SAB_STARTED, pos + 1);
      current = call;
      let threw = false;
      let error: unknown;
      try {
        const r = cb.invoke(sg, event, cb.args, ctx);
        if (isThenable(r)) await r;
      } catch (e) {
        threw = true;
        error = e;
      }
      current = null;
      times[2 * pos + 1] = nowMs() - startedAt;
      let failed = threw;
      if (call.abortedBy === 'timeout') {
        failed = true;
        const out: SerializedError = {
          name: 'TimeoutError',
          message: `Callback ${cb.info.name} timed out after ${cb.info.timeoutMs} ms (it stopped after its abort signal)`,
          timedOut: true,
        };
        if (threw && error instanceof Error && error.stack) out.stack = trimStack(error.stack);
        flush();
        post({ t: 'fail', run, pos, error: out });
      } else if (threw) {
        flush();
        post({ t: 'fail', run, pos, error: serializeError(error) });
      }
      Atomics.store(hdr, SAB_COMPLETED, pos + 1);
      offHeap.check(startedAt + times[2 * pos + 1]!);
      pos++;
      if (failed && cb.info.stopOnError) break items;
    }
  }
  flush();
  post({ t: 'done', run });
}

function abort(msg: Extract<HostMessage, { t: 'abort' }>): void {
  if (msg.reason === 'shutdown') shuttingDown = true;
  const call = current;
  if (!call || call.run !== msg.run || (msg.pos >= 0 && call.pos !== msg.pos)) return;
  call.abortedBy = msg.reason;
  const reason =
    msg.reason === 'timeout'
      ? new DOMException(`Callback ${call.callback} timed out after ${call.timeoutMs} ms`, 'TimeoutError')
      : new DOMException('The event daemon is shutting down', 'AbortError');
  (call.ctl ??= new AbortController()).abort(reason);
}

port.on('message', (msg: HostMessage) => {
  switch (msg.t) {
    case 'run':
      if (msg.sab) {
        hdr = new Int32Array(msg.sab, 0, SAB_HEADER_BYTES / 4);
        times = new Float64Array(msg.sab, SAB_HEADER_BYTES);
      }
      runBatch(msg.run, decodePage(msg.page), msg.attempt).catch((e: unknown) => {
        // A bug of ours, not the plugin's: report it and end the run (the host marks the rest).
        current = null;
        pluginLogger.emit(50, 'Plugin worker failed while running callbacks: %s', [describeThrown(e)]);
        flush();
        post({ t: 'done', run: msg.run });
      });
      break;
    case 'abort':
      abort(msg);
      break;
    case 'level':
      rootLevel = msg.level;
      break;
    case 'drain':
      shuttingDown = true;
      break;
  }
});

void load().then((result) => {
  flush();
  post({ t: 'loaded', result, emails });
});
