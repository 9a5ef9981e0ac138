// The worker thread that hosts ONE plugin file (started by plugin-host.ts). It imports the
// plugin, runs its registerCallbacks(reg), reports the callbacks, then runs callbacks for
// the events the host sends, in order, one run at a time. Module state lives as long as
// this worker: it survives between events and is lost when the host restarts the worker
// (after a timeout that the callback did not honour, process.exit, out of memory, reload).
//
// Loading: .js/.mjs with import(), .cjs with require, .ts/.cts/.mts through tsx (Node 20
// cannot strip types itself; see importPlugin). Every failure becomes a load error message
// naming the file and the cause; nothing here throws at the host.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatWithOptions, inspect } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { Shotgun } from '../shotgun/client.js';
import type { ConnectionEvent } from '../shotgun/transport.js';
import type { EventLogEntry } from '../shotgun/types.js';
import { compileMatch } from './match.js';
import { decodePage } from './page-codec.js';
import {
  logLevelName,
  toLogLevel,
  type CallbackContext,
  type LogLevelInput,
  type MatchEvents,
  type PluginLogger,
  type Registrar,
} from './plugin-api.js';
import {
  nowMs,
  SAB_COMPLETED,
  SAB_HEADER_BYTES,
  SAB_RUN,
  SAB_STARTED,
  type CallbackInfo,
  type HostMessage,
  type LoadResult,
  type PluginConnectionEvent,
  type PluginLogLine,
  type SerializedError,
  type WireItem,
  type WorkerInit,
  type WorkerMessage,
} from './plugin-protocol.js';
import { watchOffHeap } from './plugin-memory.js';
import { guardProcess } from './plugin-process-guard.js';
import { installTranspileCache, type TranspileCacheStats } from './plugin-transpile-cache.js';

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

const FORMAT = { colors: false, depth: 6, breakLength: 120 } as const;

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
    const eventId =
      this.eventId ?? (cur && (this.node.callback === undefined || this.node.callback === cur.callback) ? cur.eventId : undefined);
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
  const to = (level: number) => (...args: unknown[]) => {
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
const offHeap = watchOffHeap(init.offHeapLimitMb * 1024 * 1024, (bytes) => {
  flush();
  post({ t: 'offheap', bytes });
});

function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return inspect(e, FORMAT);
}

// ------------------------------------------------------------------ ShotGrid connections (lazy, pooled)

const SESSION_CLIENTS = 16;
const EVICTED_CLOSE_DELAY_MS = 30_000;

class ClientHolder {
  private client: Shotgun | undefined;
  private readonly methods = new Map<PropertyKey, unknown>();
  private lastKind: string | undefined;
  readonly proxy: Shotgun;

  constructor(
    private readonly scriptName: string,
    private readonly scriptKey: string,
    private readonly sessionUuid: string | undefined,
  ) {
    this.proxy = lazyShotgun(this);
  }

  get created(): boolean {
    return this.client !== undefined;
  }

  /** The real client, built on first use (no network until its first call). */
  get(): Shotgun {
    if (!this.client) {
      const s = init.shotgun;
      this.client = new Shotgun({
        server: s.server,
        apiVersion: s.apiVersion,
        proxy: s.proxy,
        timeoutMs: s.timeoutMs,
        userAgent: `shotgun-events plugin ${PLUGIN} (node ${process.version})`,
        credentials: {
          scriptName: this.scriptName,
          scriptKey: this.scriptKey,
          ...(this.sessionUuid ? { sessionUuid: this.sessionUuid } : {}),
        },
        onConnectionEvent: (e) => this.observe(e),
      });
    }
    return this.client;
  }

  /** A method bound to the real client, cached so sg.find === sg.find. */
  method(prop: PropertyKey, fn: (...a: unknown[]) => unknown): unknown {
    let bound = this.methods.get(prop);
    if (!bound) {
      bound = fn.bind(this.client);
      this.methods.set(prop, bound);
    }
    return bound;
  }

  close(): void {
    const c = this.client;
    if (c) setTimeout(() => void c.close().catch(() => undefined), EVICTED_CLOSE_DELAY_MS).unref();
  }

  private observe(e: ConnectionEvent): void {
    // Every successful request would be a message: report 'ok' only when the state changes.
    if (e.kind === 'ok' && this.lastKind === 'ok') return;
    this.lastKind = e.kind;
    const c: PluginConnectionEvent = { time: Date.now(), plugin: PLUGIN, scriptName: this.scriptName, kind: e.kind };
    if (e.kind === 'ok' || e.kind === 'retry') {
      if (e.status !== undefined) c.status = e.status;
      if (e.kind === 'retry') c.message = e.reason;
    } else if (e.kind === 'error') {
      if (e.error.status !== undefined) c.status = e.error.status;
      c.message = e.error.message;
    }
    outConns.push(c);
    queueFlush();
  }
}

/** An object that behaves as a Shotgun instance and builds the real one on first access. */
function lazyShotgun(holder: ClientHolder): Shotgun {
  const target = Object.create(Shotgun.prototype) as object;
  return new Proxy(target, {
    get(_t, prop) {
      const c = holder.get();
      const v: unknown = Reflect.get(c, prop, c);
      return typeof v === 'function' ? holder.method(prop, v as (...a: unknown[]) => unknown) : v;
    },
    has(_t, prop) {
      return Reflect.has(holder.get(), prop);
    },
    set(_t, prop, value) {
      return Reflect.set(holder.get(), prop, value);
    },
    getPrototypeOf() {
      return Shotgun.prototype;
    },
  }) as Shotgun;
}

const scriptClients = new Map<string, ClientHolder>();
const sessionClients = new Map<string, ClientHolder>(); // insertion order = LRU order

function scriptClient(name: string, key: string): ClientHolder {
  const k = `${name}\0${key}`;
  let h = scriptClients.get(k);
  if (!h) {
    h = new ClientHolder(name, key, undefined);
    scriptClients.set(k, h);
  }
  return h;
}

function sessionClient(name: string, key: string, session: string): ClientHolder {
  const k = `${name}\0${key}\0${session}`;
  let h = sessionClients.get(k);
  if (h) {
    sessionClients.delete(k);
    sessionClients.set(k, h);
    return h;
  }
  h = new ClientHolder(name, key, session);
  sessionClients.set(k, h);
  if (sessionClients.size > SESSION_CLIENTS) {
    const oldest = sessionClients.keys().next().value as string;
    sessionClients.get(oldest)?.close();
    sessionClients.delete(oldest);
  }
  return h;
}

// ------------------------------------------------------------------ registration

type Invoke = (sg: Shotgun, event: EventLogEntry, args: unknown, ctx: CallbackContext) => unknown;

interface Registered {
  info: CallbackInfo;
  invoke: Invoke;
  args: unknown;
  scriptName: string;
  scriptKey: string;
  client: ClientHolder;
  logNode: LoggerNode;
}

const callbacks: Registered[] = [];
let emails: string[] | boolean | null = null;

const OPTION_KEYS = new Set(['matchEvents', 'stopOnError', 'timeoutMs', 'name']);
const MAX_TIMEOUT_MS = 2_147_483_647; // setTimeout's limit (~24.8 days)

function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return `a function`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object (${(Object.getPrototypeOf(v) as object | null)?.constructor?.name ?? 'null prototype'})`;
  return `${typeof v} ${String(v)}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** `{ 'Shotgun_Task_Change': ['sg_status_list'], '*': null }`: event-type keys, field-list/null/'*' values. */
function looksLikeMatchEvents(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const entries = Object.entries(v);
  return (
    entries.length > 0 &&
    entries.every(
      ([k, val]) =>
        (k === '*' || /^Shotgun_\w+_\w+$/.test(k)) &&
        (val === null || val === '*' || (Array.isArray(val) && val.every((f) => typeof f === 'string'))),
    )
  );
}

function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

function makeRegistrar(): { reg: Registrar; close(): void } {
  let open = true;
  const closedError = (what: string) =>
    new Error(
      `reg.${what} was called after registerCallbacks returned; call it while registerCallbacks runs ` +
        `(an async registerCallbacks is awaited)`,
    );

  const registerCallback = (...a: unknown[]): void => {
    if (!open) throw closedError('registerCallback');
    const n = callbacks.length + 1;
    const where = `registerCallback #${n}`;
    const [scriptName, scriptKey, callback, args, options] = a;
    if (typeof scriptName !== 'string' || scriptName.trim() === '') {
      throw new TypeError(`${where}: scriptName must be a non-empty string (the ShotGrid script's name), got ${show(scriptName)}`);
    }
    if (typeof scriptKey !== 'string' || scriptKey.trim() === '') {
      // The value is not shown: it may be a key in the wrong type.
      const got = typeof scriptKey === 'string' ? 'an empty string' : scriptKey === null ? 'null' : typeof scriptKey;
      throw new TypeError(`${where}: scriptKey must be a non-empty string (the script's application key), got ${got}`);
    }
    let invoke: Invoke;
    let baseName: string;
    if (typeof callback === 'function') {
      if (isClass(callback)) {
        throw new TypeError(
          `${where}: callback is the class ${callback.name || '(anonymous)'}; pass an instance (new ${callback.name || 'X'}(...)) whose handle(sg, event, args, ctx) method is called`,
        );
      }
      const fn = callback as Invoke;
      invoke = (sg, ev, ar, ctx) => fn(sg, ev, ar, ctx);
      baseName = fn.name.replace(/^bound /, '');
    } else if (callback !== null && typeof callback === 'object' && typeof (callback as { handle?: unknown }).handle === 'function') {
      const obj = callback as { handle: Invoke };
      invoke = (sg, ev, ar, ctx) => obj.handle(sg, ev, ar, ctx);
      const ctor = (Object.getPrototypeOf(obj) as { constructor?: { name?: string } } | null)?.constructor?.name;
      baseName = ctor && ctor !== 'Object' ? ctor : '';
    } else {
      throw new TypeError(
        `${where}: callback must be a function (sg, event, args, ctx) or an object with a handle(sg, event, args, ctx) method, got ${show(callback)}`,
      );
    }

    if (options !== undefined && options !== null && !isPlainObject(options)) {
      throw new TypeError(`${where}: options must be an object like { matchEvents, stopOnError, timeoutMs, name }, got ${show(options)}`);
    }
    const opts = options ?? {};
    for (const key of Object.keys(opts)) {
      if (!OPTION_KEYS.has(key)) {
        throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}; the options are matchEvents, stopOnError, timeoutMs and name`);
      }
    }
    if (opts.name !== undefined && (typeof opts.name !== 'string' || opts.name.trim() === '')) {
      throw new TypeError(`${where}: options.name must be a non-empty string, got ${show(opts.name)}`);
    }
    const name = uniqueName(opts.name?.trim() || baseName || `callback${n}`);
    if (opts.stopOnError !== undefined && typeof opts.stopOnError !== 'boolean') {
      throw new TypeError(`${where} (${name}): options.stopOnError must be true or false, got ${show(opts.stopOnError)}`);
    }
    let timeoutMs = init.callbackTimeoutMs;
    if (opts.timeoutMs !== undefined) {
      const t = opts.timeoutMs;
      if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > MAX_TIMEOUT_MS) {
        throw new TypeError(`${where} (${name}): options.timeoutMs must be a positive number of milliseconds (at most ${MAX_TIMEOUT_MS}), got ${show(t)}`);
      }
      timeoutMs = Math.ceil(t);
    }
    let matchEvents: MatchEvents | null = null;
    try {
      compileMatch(opts.matchEvents);
    } catch (e) {
      throw new TypeError(`Invalid matchEvents for callback ${name} (${where}): ${(e as Error).message}`, { cause: e });
    }
    if (opts.matchEvents !== undefined && opts.matchEvents !== null) {
      // Validated: only strings, string lists and nulls. A plain copy crosses to the host.
      matchEvents = JSON.parse(JSON.stringify(opts.matchEvents, (_k, v: unknown) => (v === undefined ? null : v))) as MatchEvents;
    }
    if (opts.matchEvents === undefined && looksLikeMatchEvents(args)) {
      // The original's order is (name, key, callback, matchEvents, args): a line-by-line port
      // passes its filter as args, and the callback would get every event (docs/plugins.md).
      throw new TypeError(
        `${where} (${name}): the 4th argument looks like a matchEvents map (${JSON.stringify(args).slice(0, 120)}) but it is args, ` +
          'and no options.matchEvents is given, so the callback would receive every event. The order here is ' +
          'registerCallback(scriptName, scriptKey, callback, args, { matchEvents }) (the Python original had matchEvents 4th): ' +
          `write registerCallback(..., callback, null, { matchEvents: ${JSON.stringify(args).slice(0, 120)} })`,
      );
    }
    if (options === undefined && isPlainObject(args) && ('matchEvents' in args || 'stopOnError' in args)) {
      pluginLogger.warning(
        `${where} (${name}): args has a ${'matchEvents' in args ? 'matchEvents' : 'stopOnError'} key but there are no options; ` +
          `options are the 5th argument: registerCallback(name, key, callback, args, { matchEvents })`,
      );
    }

    const stopOnError = opts.stopOnError === undefined ? true : opts.stopOnError;
    callbacks.push({
      info: { index: callbacks.length, name, scriptName, scriptKey, matchEvents, stopOnError, timeoutMs },
      invoke,
      args,
      scriptName,
      scriptKey,
      client: scriptClient(scriptName, scriptKey),
      logNode: pluginNode.child(name, name),
    });
  };

  const setEmails = (...a: unknown[]): void => {
    if (!open) throw closedError('setEmails');
    const list = a.length === 1 && Array.isArray(a[0]) ? (a[0] as unknown[]) : a;
    if (list.length === 0) {
      emails = false;
      return;
    }
    if (list.length === 1 && typeof list[0] === 'boolean') {
      emails = list[0];
      return;
    }
    const out: string[] = [];
    for (const [i, v] of list.entries()) {
      if (typeof v === 'boolean') {
        throw new TypeError(`setEmails: true or false must be the only argument (true = the default recipients, false = none); got ${show(v)} at position ${i + 1} among addresses`);
      }
      if (typeof v !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(v.trim())) {
        throw new TypeError(`setEmails: ${show(v)} is not an e-mail address (position ${i + 1})`);
      }
      out.push(v.trim());
    }
    emails = out;
  };

  const reg: Registrar = Object.freeze({
    logger: pluginLogger,
    getLogger: () => pluginLogger,
    setEmails,
    registerCallback,
  });
  return {
    reg,
    close: () => {
      open = false;
    },
  };
}

const usedNames = new Set<string>();
function uniqueName(base: string): string {
  let name = base;
  for (let k = 2; usedNames.has(name); k++) name = `${base}#${k}`;
  usedNames.add(name);
  return name;
}

// ------------------------------------------------------------------ loading

function nearestTsconfig(file: string): string | undefined {
  for (let dir = path.dirname(file); ; ) {
    const candidate = path.join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

// TypeScript goes through tsx, two ways:
// - .ts/.cts: tsx's in-thread require hook (ESM syntax is compiled to CommonJS). The host
//   sets ESBUILD_WORKER_THREADS=0 on the worker, so esbuild runs as one short-lived process
//   per file not yet in tsx's cache, waited for synchronously: no process outlives the load.
// - .mts, and a .ts that uses top-level await (the require path refuses it before running
//   anything; such a .ts must be in a "type": "module" package): tsx's ESM loader (tsImport). That keeps an esbuild service process for the
//   worker's lifetime which Node 20 cannot reap when the worker ends (a zombie per load).
// A tsconfig.json next to (or above) the plugin applies (paths, jsx...); imports of the
// package's types (`import type ... from 'shotgun-events'`) are erased.
async function importPlugin(file: string): Promise<unknown> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.cjs') return createRequire(file)(file);
  if (ext !== '.ts' && ext !== '.mts' && ext !== '.cts') return plainImport(pathToFileURL(file).href);
  const tsconfig = nearestTsconfig(file);
  // (Without one, tsx looks in the working directory, as it does on the command line.)
  if (tsconfig) process.env.TSX_TSCONFIG_PATH = tsconfig;
  if (ext !== '.mts') {
    let cjs: typeof import('tsx/cjs/api');
    try {
      cjs = createRequire(import.meta.url)('tsx/cjs/api') as typeof import('tsx/cjs/api');
    } catch (e) {
      throw new Error(`TypeScript plugins need the "tsx" package, which could not be loaded: ${(e as Error).message}`, { cause: e });
    }
    const namespace = `shotgun-events-${Date.now()}`;
    const scoped = cjs.register({ namespace });
    if (init.transpileCacheDir) {
      const nodeModule = createRequire(import.meta.url)('node:module') as unknown as CjsLoader;
      transpile = installTranspileCache(nodeModule._extensions, nodeModule._cache, { dir: init.transpileCacheDir, namespace, tsconfig });
    }
    try {
      return scoped.require(file, import.meta.url);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'ERR_REQUIRE_ASYNC_MODULE') throw e;
    }
  }
  let esm: typeof import('tsx/esm/api');
  try {
    esm = await import('tsx/esm/api');
  } catch (e) {
    throw new Error(`TypeScript plugins need the "tsx" package, which could not be loaded: ${(e as Error).message}`, { cause: e });
  }
  try {
    return await esm.tsImport(pathToFileURL(file).href, tsconfig ? { parentURL: import.meta.url, tsconfig } : import.meta.url);
  } catch (e) {
    if (e instanceof Error && e.message.includes('Top-level await is currently not supported with the "cjs" output format')) {
      e.message +=
        '\n(a .ts file outside a package.json "type": "module" package is CommonJS, where top-level await cannot be: rename it to .mts)';
    }
    throw e;
  }
}

/** Node's CommonJS loader internals the transpile cache hooks into. */
interface CjsLoader {
  _extensions: Parameters<typeof installTranspileCache>[0];
  _cache: Parameters<typeof installTranspileCache>[1];
}
let transpile: TranspileCacheStats | undefined;

function plainImport(url: string): Promise<unknown> {
  return import(url);
}

function findRegister(mod: unknown): { fn: (reg: Registrar) => unknown; self: unknown } | undefined {
  const m = mod as { registerCallbacks?: unknown; default?: { registerCallbacks?: unknown } } | null | undefined;
  if (m && typeof m.registerCallbacks === 'function') return { fn: m.registerCallbacks as (reg: Registrar) => unknown, self: m };
  const d = m?.default;
  if (d && (typeof d === 'object' || typeof d === 'function') && typeof d.registerCallbacks === 'function') {
    return { fn: d.registerCallbacks as (reg: Registrar) => unknown, self: d };
  }
  return undefined;
}

function exportNames(mod: unknown): string {
  if (!mod || (typeof mod !== 'object' && typeof mod !== 'function')) return 'none';
  const names = Object.keys(mod).filter((k) => k !== '__esModule');
  const d = (mod as { default?: unknown }).default;
  if (d && typeof d === 'object') names.push(...Object.keys(d).map((k) => `default.${k}`));
  return names.length > 0 ? names.join(', ') : 'none';
}

/** "message (at file:line)" for errors whose location is only in the stack (syntax errors). */
function errorSummary(e: unknown): { text: string; stack?: string } {
  if (!(e instanceof Error)) return { text: `non-Error thrown: ${inspect(e, FORMAT)}` };
  let text = `${e.name}: ${e.message}`;
  const first = e.stack?.split('\n', 1)[0] ?? '';
  const loc = /^((?:file:\/\/)?\/[^\s]*?|[A-Za-z]:\\[^\s]*?):(\d+)$/.exec(first.trim());
  if (e instanceof SyntaxError && loc && !text.includes(loc[1]!)) text += ` (at ${loc[1]}:${loc[2]})`;
  return e.stack ? { text, stack: trimStack(e.stack) } : { text };
}

function loadError(headline: string, e: unknown): LoadResult {
  const { text, stack } = errorSummary(e);
  return stack ? { ok: false, error: `${headline}: ${text}`, detail: stack } : { ok: false, error: `${headline}: ${text}` };
}

async function load(): Promise<LoadResult> {
  let mod: unknown;
  try {
    mod = await importPlugin(FILE);
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
  return transpile ? { ok: true, callbacks: info, transpile: { cached: transpile.hits, transpiled: transpile.misses } } : { ok: true, callbacks: info };
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

const SELF_PATH = fileURLToPath(import.meta.url.split('?')[0]!);

/** The stack without this worker's own frames (the plugin's frames are what matter). */
function trimStack(stack: string): string {
  const lines = stack.split('\n');
  const i = lines.findIndex((l) => l.includes(SELF_PATH));
  return i > 0 ? lines.slice(0, i).join('\n') : stack;
}

function serializeError(e: unknown): SerializedError {
  if (e instanceof Error || (e !== null && typeof e === 'object' && typeof (e as Error).message === 'string')) {
    const err = e as Error;
    const out: SerializedError = { name: String(err.name ?? 'Error'), message: err.message || String(err.name ?? 'Error') };
    if (typeof err.stack === 'string') out.stack = trimStack(err.stack);
    return out;
  }
  return { message: `non-Error thrown: ${inspect(e, FORMAT)}` };
}

async function runBatch(run: number, items: WireItem[], attempt: number): Promise<void> {
  Atomics.store(hdr, SAB_RUN, run);
  let pos = 0;
  items: for (const item of items) {
    const event = item.event;
    for (const index of item.callbacks) {
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
      const ctx = new Ctx(call, cb.logNode, item.late, attempt, cb.info.name);
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
