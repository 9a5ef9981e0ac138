// The plugin host: runs ONE plugin file in its own worker thread (plugin-worker.ts) and gives
// the engine a small promise API (load, run, close). Isolation (docs/engine.md):
// - a callback that throws      → its outcome has the error (message, stack); the worker lives on.
// - a callback past its timeout → its ctx.signal is aborted; if it settles within the grace
//   (abortGraceMs, default 1 s) the worker lives on, otherwise the worker is terminated. The
//   outcome is { timedOut: true } either way. A terminated worker is restarted (the file is
//   imported again and registerCallbacks re-run) before the next run: MODULE STATE IS LOST then.
// - process.exit(), out of memory (resourceLimits), a crash of the worker → the running
//   callback's outcome is an error ("plugin worker exited with code N"...), RunResult.crashed
//   says why, and the worker is restarted before the next run.
// - stray async errors in plugin code (unhandled rejections, throws in timers) are logged as
//   error lines of the plugin; they do not end the worker.
// - stray plugin code that blocks the worker's thread between callbacks (a spinning timer):
//   when the next callback has not started within the shortest callback timeout, the worker
//   is terminated and the run ends with `crashed`.
// - off-heap memory (Buffers) over offHeapLimitMb → the worker is terminated, as a crash whose
//   message names the plugin and the limit (plugin-memory.ts).
// - process.kill(process.pid), process.abort(), signal handlers, native addons → throw an error
//   naming the plugin (plugin-process-guard.ts), so they fail the event, not the daemon.
// Threads isolate failures, not hostile code: a plugin that runs `kill` through child_process
// still reaches the whole daemon.
//
// Progress crosses the thread boundary through a SharedArrayBuffer (see plugin-protocol.ts):
// a run of many events costs two messages, not one per callback, and the host still knows
// which callbacks completed when a worker dies mid-run.

import { homedir } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { delay } from '../retry.js';
import type { EventLogEntry } from '../shotgun/types.js';
import { encodePage } from './page-codec.js';
import { toLogLevel, type LogLevelInput } from './plugin-api.js';
import { spawnWorker } from './plugin-worker-entry.js';
import { defaultTranspileCacheDir } from './plugin-transpile-cache.js';
import {
  nowMs,
  SAB_COMPLETED,
  SAB_HEADER_BYTES,
  SAB_STARTED,
  type CallbackInfo,
  type CallbackOutcome,
  type HostMessage,
  type LoadResult,
  type PluginConnectionEvent,
  type PluginLogLine,
  type RunResult,
  type SerializedError,
  type WorkerInit,
  type WorkerMessage,
} from './plugin-protocol.js';

export type {
  CallbackInfo,
  CallbackOutcome,
  LoadResult,
  PluginConnectionEvent,
  PluginLogLine,
  RunResult,
  SerializedError,
  ShotgunConnectionSettings,
} from './plugin-protocol.js';

import type { ShotgunConnectionSettings } from './plugin-protocol.js';

export interface PluginHostOptions {
  /** Absolute path of the plugin file (.js, .mjs, .cjs, .ts, .mts, .cts). */
  file: string;
  /** The plugin's name (file name without extension): loggers are `plugin.<name>`. */
  name: string;
  shotgun: ShotgunConnectionSettings;
  /** Default time limit of each callback call (a callback's options.timeoutMs overrides it). */
  callbackTimeoutMs: number;
  /** The worker's old-generation heap limit. Default 512. */
  memoryLimitMb?: number;
  /**
   * Off-heap memory (Buffers, ArrayBuffers) the plugin may hold, in MB; over it the worker is
   * terminated (see plugin-memory.ts). 0 = no limit. Default 1024.
   */
  offHeapLimitMb?: number;
  /** `[shotgun] use_session_uuid`: callbacks' sg act in the event's session_uuid. */
  useSessionUuid?: boolean;
  onLog: (line: PluginLogLine) => void;
  /** Python logging level of the plugin's loggers (they can lower/raise it). Default 20. */
  logLevel?: number;
  /** State changes of the plugin's ShotGrid connections. */
  onConnection?: (event: PluginConnectionEvent) => void;
  /** How long importing the file plus registerCallbacks may take, for this plugin alone. Default 30 s. */
  loadTimeoutMs?: number;
  /** How long a timed-out (or shutting-down) callback gets after its abort. Default 1 s. */
  abortGraceMs?: number;
  /**
   * Where transpiled TypeScript plugins are cached across starts (docs/engine.md, "The transpile
   * cache"); null turns the cache off. Default: defaultTranspileCacheDir().
   */
  transpileCacheDir?: string | null;
}

/** One event of a batch (runBatch). */
export interface RunItem {
  event: EventLogEntry;
  /** Indexes into loaded.callbacks, run in this order. */
  callbackIndexes: number[];
  /** A gap-filler delivered after later events. */
  late?: boolean;
}

export const DEFAULT_MEMORY_LIMIT_MB = 512;
export const DEFAULT_OFF_HEAP_LIMIT_MB = 512;
export const DEFAULT_LOAD_TIMEOUT_MS = 30_000;
export const DEFAULT_ABORT_GRACE_MS = 1_000;

// ------------------------------------------------------------------ the host

interface WorkerCtl {
  worker: Worker;
  /** Set when we terminate it on purpose: the reason, and the position that timed out. */
  kill: { message: string; timedOutPos?: number } | undefined;
  error: (Error & { code?: string }) | undefined;
  /** The SharedArrayBuffer this worker has. */
  sab: SharedArrayBuffer | undefined;
  onLoaded: ((m: Extract<WorkerMessage, { t: 'loaded' }>) => void) | undefined;
  onGone: ((why: string) => void) | undefined;
  stdio: { stdout: string; stderr: string };
}

interface ActiveRun {
  id: number;
  items: RunItem[];
  /** Positions [start, end) of each item. */
  plan: Array<{ start: number; end: number }>;
  /** The callback at each position. */
  infos: CallbackInfo[];
  fails: Map<number, SerializedError>;
  minTimeoutMs: number;
  /** Progress last seen by the watchdog between callbacks, and when (host clock). */
  seenStarted: number;
  seenCompleted: number;
  seenAt: number;
  timer: NodeJS.Timeout | undefined;
  grace: NodeJS.Timeout | undefined;
  resolve: (r: RunResult[]) => void;
  done: Promise<RunResult[]>;
}

interface Crash {
  message: string;
  timedOutPos?: number | undefined;
}

const MAX_TIMER_MS = 2_147_483_647;

export class PluginHost {
  private readonly opts: PluginHostOptions;
  private logLevel: number;
  private ctl: WorkerCtl | null = null;
  private _loaded: LoadResult | null = null;
  private _emails: string[] | boolean | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private active: ActiveRun | null = null;
  private runSeq = 0;
  private sab: SharedArrayBuffer | undefined;
  private hdr: Int32Array<ArrayBufferLike> = new Int32Array(SAB_HEADER_BYTES / 4);
  private times: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private lastCrash: string | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(opts: PluginHostOptions) {
    if (!opts || typeof opts.file !== 'string' || opts.file === '') throw new TypeError('PluginHost needs opts.file');
    if (typeof opts.name !== 'string' || opts.name === '') throw new TypeError('PluginHost needs opts.name');
    if (!(opts.callbackTimeoutMs > 0) || opts.callbackTimeoutMs > MAX_TIMER_MS) {
      throw new RangeError(`callbackTimeoutMs must be a positive number of milliseconds, got ${opts.callbackTimeoutMs}`);
    }
    if (typeof opts.onLog !== 'function') throw new TypeError('PluginHost needs opts.onLog');
    if (opts.memoryLimitMb !== undefined && !(opts.memoryLimitMb >= 8)) {
      throw new RangeError(`memoryLimitMb must be at least 8, got ${opts.memoryLimitMb}`);
    }
    if (opts.offHeapLimitMb !== undefined && !(opts.offHeapLimitMb === 0 || opts.offHeapLimitMb >= 8)) {
      throw new RangeError(`offHeapLimitMb must be 0 (no limit) or at least 8, got ${opts.offHeapLimitMb}`);
    }
    if (opts.loadTimeoutMs !== undefined && !(opts.loadTimeoutMs > 0 && opts.loadTimeoutMs <= MAX_TIMER_MS)) {
      throw new RangeError(`loadTimeoutMs must be a positive number of milliseconds, got ${opts.loadTimeoutMs}`);
    }
    this.opts = opts;
    this.logLevel = opts.logLevel === undefined ? 20 : toLogLevel(opts.logLevel);
  }

  get name(): string {
    return this.opts.name;
  }

  get file(): string {
    return this.opts.file;
  }

  /** The last load's result (a restart after a crash replaces it); null before load(). */
  get loaded(): LoadResult | null {
    return this._loaded;
  }

  /** What reg.setEmails set: true = default recipients, false = none, addresses; null = not called. */
  get emails(): string[] | boolean | null {
    return this._emails;
  }

  /** The worker's thread id, or null when no worker runs (before load, after a crash). */
  get threadId(): number | null {
    return this.ctl ? this.ctl.worker.threadId : null;
  }

  /**
   * (Re)start the worker: a fresh import of the file and registerCallbacks. A reload ends the
   * old worker first (after the run in progress, if any: calls are serialized).
   */
  load(): Promise<LoadResult> {
    return this.enqueue(() => this.start());
  }

  /**
   * Run the given callbacks for one event, in order. Stops after the first failing callback
   * whose stopOnError is true; a failing stopOnError=false callback is recorded and the next
   * one runs. Throws only for misuse (not loaded, bad indexes, closed).
   */
  async run(event: EventLogEntry, callbackIndexes: number[], ctx: { late: boolean; attempt: number }): Promise<RunResult> {
    const [r] = await this.runBatch([{ event, callbackIndexes, late: ctx.late }], { attempt: ctx.attempt });
    return r ?? { eventId: event.id, outcomes: [] };
  }

  /**
   * Run several events in one round trip (what catch-up wants: two messages per batch, not
   * two per event). Results come in order, one per event run; it stops after the first event
   * that stopped on a stopOnError failure or crashed (that event's result is the last).
   */
  runBatch(items: RunItem[], opts: { attempt?: number } = {}): Promise<RunResult[]> {
    return this.enqueue(() => this.doRun(items, opts.attempt ?? 1));
  }

  /** Shutdown: the worker starts no further callback; the one running finishes (its run resolves with what ran). */
  drain(): void {
    this.post({ t: 'drain' });
  }

  /** Change the plugin loggers' base level (what `[daemon] logging` sets). */
  setLogLevel(level: LogLevelInput): void {
    this.logLevel = toLogLevel(level);
    this.post({ t: 'level', level: this.logLevel });
  }

  /**
   * Stop the worker. A callback in progress gets its ctx.signal aborted (shutdown) and up to
   * abortGraceMs to finish; its run then resolves (crashed when it had to be terminated).
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = (async () => {
      const a = this.active;
      if (a && this.ctl) {
        this.post({ t: 'abort', run: a.id, pos: -1, reason: 'shutdown' });
        await Promise.race([a.done, delay(this.graceMs, { unref: true })]);
      }
      const c = this.ctl;
      if (c) {
        c.kill = { message: 'The plugin host was closed' };
        await c.worker.terminate();
        if (this.ctl === c) this.onExit(c, 1);
      }
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------- internals: lifecycle

  private get graceMs(): number {
    return this.opts.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS;
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async start(): Promise<LoadResult> {
    if (this.closed) throw new Error(`The plugin host of ${this.opts.name} is closed`);
    await this.stopWorker('The plugin was reloaded');
    const init: WorkerInit = {
      file: this.opts.file,
      name: this.opts.name,
      shotgun: { ...this.opts.shotgun },
      useSessionUuid: this.opts.useSessionUuid ?? false,
      logLevel: this.logLevel,
      callbackTimeoutMs: Math.ceil(this.opts.callbackTimeoutMs),
      offHeapLimitMb: this.opts.offHeapLimitMb ?? DEFAULT_OFF_HEAP_LIMIT_MB,
      transpileCacheDir:
        this.opts.transpileCacheDir === undefined ? defaultTranspileCacheDir(process.env, process.platform, homedir()) : this.opts.transpileCacheDir,
    };
    const memoryLimitMb = this.opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
    let worker: Worker;
    try {
      worker = spawnWorker(init, memoryLimitMb);
    } catch (e) {
      const result: LoadResult = { ok: false, error: `Could not start a worker for the plugin at ${this.opts.file}: ${(e as Error).message}` };
      this._loaded = result;
      this._emails = null;
      return result;
    }
    const ctl: WorkerCtl = {
      worker,
      kill: undefined,
      error: undefined,
      sab: undefined,
      onLoaded: undefined,
      onGone: undefined,
      stdio: { stdout: '', stderr: '' },
    };
    this.ctl = ctl;
    worker.on('message', (m: WorkerMessage) => this.onMessage(ctl, m));
    worker.on('error', (e: Error) => {
      ctl.error = e;
    });
    worker.on('exit', (code: number) => this.onExit(ctl, code));
    worker.stdout.setEncoding('utf8').on('data', (chunk: string) => this.onStdio(ctl, 'stdout', chunk));
    worker.stderr.setEncoding('utf8').on('data', (chunk: string) => this.onStdio(ctl, 'stderr', chunk));

    // This plugin's own clock: a load that hangs fails alone and delays no other plugin.
    const loadTimeoutMs = this.opts.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
    const { result, emails } = await new Promise<{ result: LoadResult; emails: string[] | boolean | null }>((resolve) => {
      const timer = setTimeout(() => {
        resolve({
          result: {
            ok: false,
            error:
              `Plugin ${this.opts.name} did not finish loading within ${loadTimeoutMs / 1000} s, its load timeout ` +
              `(does importing ${this.opts.file} or its registerCallbacks hang?); its worker was terminated`,
          },
          emails: null,
        });
      }, loadTimeoutMs);
      ctl.onLoaded = (m) => {
        clearTimeout(timer);
        resolve({ result: m.result, emails: m.emails });
      };
      ctl.onGone = (why) => {
        clearTimeout(timer);
        resolve({ result: { ok: false, error: `Could not load the plugin at ${this.opts.file}: ${why}` }, emails: null });
      };
    });
    ctl.onLoaded = undefined;
    ctl.onGone = undefined;
    this._loaded = result;
    this._emails = result.ok ? emails : null;
    if (!result.ok) await this.stopWorker('The plugin failed to load');
    else this.lastCrash = undefined;
    return result;
  }

  /** Detach and terminate the current worker (its exit is then not a crash). */
  private async stopWorker(reason: string): Promise<void> {
    const c = this.ctl;
    if (!c) return;
    this.ctl = null;
    c.kill = { message: reason };
    await c.worker.terminate();
  }

  private onMessage(ctl: WorkerCtl, m: WorkerMessage): void {
    switch (m.t) {
      case 'out':
        for (const line of m.logs) this.emitLog(line);
        if (this.opts.onConnection) {
          for (const c of m.conns) {
            try {
              this.opts.onConnection(c);
            } catch {
              // an observer's failure is not the plugin's
            }
          }
        }
        break;
      case 'loaded':
        ctl.onLoaded?.(m);
        break;
      case 'fail':
        if (ctl === this.ctl && this.active?.id === m.run) this.active.fails.set(m.pos, m.error);
        break;
      case 'done':
        if (ctl === this.ctl && this.active?.id === m.run) this.finishRun(this.active);
        break;
      case 'offheap':
        this.onOffHeap(ctl, m.bytes);
        break;
    }
  }

  private onExit(ctl: WorkerCtl, code: number): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (ctl.stdio[stream]) this.onStdio(ctl, stream, '\n');
    }
    const why = this.describeExit(ctl, code);
    if (ctl.onGone) {
      const gone = ctl.onGone;
      ctl.onGone = undefined;
      gone(why);
    }
    if (ctl !== this.ctl) return; // replaced or stopped on purpose
    this.ctl = null;
    this.lastCrash = why;
    const a = this.active;
    if (a) {
      this.finishRun(a, { message: why, timedOutPos: ctl.kill?.timedOutPos });
    } else if (!ctl.kill) {
      this.hostLog('error', `The plugin worker stopped between events (${why}); it restarts before the next event`);
    }
  }

  /** The worker holds more off-heap memory than allowed: end it, as an error of this plugin. */
  private onOffHeap(ctl: WorkerCtl, bytes: number): void {
    if (ctl.kill) return;
    const limit = this.opts.offHeapLimitMb ?? DEFAULT_OFF_HEAP_LIMIT_MB;
    const message =
      `Plugin ${this.opts.name} held ${Math.round(bytes / 1048576)} MB of off-heap memory (Buffers, ArrayBuffers), over its limit of ` +
      `${limit} MB ([daemon] plugin_buffer_limit): its worker was terminated (module state is lost; it restarts before the next event)`;
    ctl.kill = { message };
    // During a run the run's outcome carries the message; otherwise nothing else would say it.
    if (ctl === this.ctl && !this.active && !ctl.onGone) this.hostLog('error', message);
    void ctl.worker.terminate();
  }

  private describeExit(ctl: WorkerCtl, code: number): string {
    if (ctl.kill) return ctl.kill.message;
    const e = ctl.error;
    if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return `plugin worker ran out of memory (limit ${this.opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB} MB): ${e.message}`;
    }
    if (e) return `plugin worker crashed: ${e.stack ?? e.message}`;
    return `plugin worker exited with code ${code}`;
  }

  private onStdio(ctl: WorkerCtl, stream: 'stdout' | 'stderr', chunk: string): void {
    const text = ctl.stdio[stream] + chunk;
    const lines = text.split('\n');
    ctl.stdio[stream] = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '') continue;
      this.emitLog({
        time: Date.now(),
        level: stream === 'stdout' ? 'info' : 'warning',
        logger: `plugin.${this.opts.name}.${stream}`,
        message: line,
        plugin: this.opts.name,
      });
    }
  }

  private emitLog(line: PluginLogLine): void {
    try {
      this.opts.onLog(line);
    } catch {
      // a failing log sink must not break the host
    }
  }

  private hostLog(level: PluginLogLine['level'], message: string): void {
    this.emitLog({ time: Date.now(), level, logger: `plugin.${this.opts.name}`, message, plugin: this.opts.name });
  }

  private post(msg: HostMessage): void {
    try {
      this.ctl?.worker.postMessage(msg);
    } catch {
      // the worker is gone; its exit handler reports it
    }
  }

  // ---------------------------------------------------------------- internals: runs

  private async doRun(items: RunItem[], attempt: number): Promise<RunResult[]> {
    if (this.closed) throw new Error(`The plugin host of ${this.opts.name} is closed`);
    const before = this._loaded;
    if (!before) throw new Error(`Plugin ${this.opts.name}: call load() before run()`);
    if (!before.ok) throw new Error(`Plugin ${this.opts.name} is not loaded: ${before.error}`);
    if (!Array.isArray(items)) throw new TypeError('runBatch needs an array of items');
    if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer ≥ 1, got ${attempt}`);
    for (const item of items) checkIndexes(item, before.callbacks.length, this.opts.name);
    if (items.length === 0) return [];

    if (!this.ctl) {
      this.hostLog('warning', `Restarting the plugin worker (${this.lastCrash ?? 'it had stopped'}); module state starts afresh`);
      const res = await this.start();
      const first = items[0]!.event.id;
      if (!res.ok) return [{ eventId: first, outcomes: [], crashed: `The plugin worker could not be restarted: ${res.error}` }];
      if (!sameCallbacks(before.callbacks, res.callbacks)) {
        return [
          {
            eventId: first,
            outcomes: [],
            crashed: 'The plugin registered different callbacks when its worker restarted (was the file changed?); reload it',
          },
        ];
      }
    }
    const ctl = this.ctl;
    const loaded = this._loaded;
    if (!ctl || !loaded?.ok) throw new Error(`Plugin ${this.opts.name} has no running worker`);

    const plan: ActiveRun['plan'] = [];
    const infos: CallbackInfo[] = [];
    let minTimeoutMs = Infinity;
    for (const item of items) {
      const start = infos.length;
      for (const i of item.callbackIndexes) {
        const info = loaded.callbacks[i]!;
        infos.push(info);
        if (info.timeoutMs < minTimeoutMs) minTimeoutMs = info.timeoutMs;
      }
      plan.push({ start, end: infos.length });
    }
    if (infos.length === 0) return items.map((it) => ({ eventId: it.event.id, outcomes: [] }));

    this.ensureCapacity(infos.length);
    Atomics.store(this.hdr, SAB_STARTED, 0);
    Atomics.store(this.hdr, SAB_COMPLETED, 0);
    const id = ++this.runSeq;
    let resolve!: (r: RunResult[]) => void;
    const done = new Promise<RunResult[]>((r) => (resolve = r));
    const a: ActiveRun = {
      id,
      items,
      plan,
      infos,
      fails: new Map(),
      minTimeoutMs,
      seenStarted: 0,
      seenCompleted: 0,
      seenAt: nowMs(),
      timer: undefined,
      grace: undefined,
      resolve,
      done,
    };
    this.active = a;
    const msg: HostMessage = {
      t: 'run',
      run: id,
      attempt,
      page: encodePage(items),
    };
    if (ctl.sab !== this.sab) {
      msg.sab = this.sab;
      ctl.sab = this.sab;
    }
    try {
      ctl.worker.postMessage(msg);
    } catch (e) {
      // An event that cannot be cloned (a function, a symbol...): the engine's bug, said clearly.
      this.active = null;
      throw new TypeError(`Cannot send the event to plugin ${this.opts.name}: ${(e as Error).message}`, { cause: e });
    }
    this.watch(a);
    return done;
  }

  private ensureCapacity(positions: number): void {
    const have = this.times.length / 2;
    if (this.sab && have >= positions) return;
    const cap = Math.max(64, 2 ** Math.ceil(Math.log2(positions)));
    this.sab = new SharedArrayBuffer(SAB_HEADER_BYTES + cap * 16);
    this.hdr = new Int32Array(this.sab, 0, SAB_HEADER_BYTES / 4);
    this.times = new Float64Array(this.sab, SAB_HEADER_BYTES, cap * 2);
  }

  /** Timeout watchdog: one timer, re-armed for the callback running now. */
  private watch(a: ActiveRun): void {
    if (this.active !== a || a.grace) return;
    const started = Atomics.load(this.hdr, SAB_STARTED);
    const completed = Atomics.load(this.hdr, SAB_COMPLETED);
    let wait: number;
    if (started > completed) {
      const pos = started - 1;
      const due = this.times[2 * pos]! + a.infos[pos]!.timeoutMs;
      const now = nowMs();
      if (now >= due) {
        this.onTimeout(a, pos);
        return;
      }
      wait = due - now + 1;
    } else {
      // Between callbacks (or not started yet). Normally brief; if nothing moves for the
      // shortest timeout, the worker's thread is blocked outside any callback (stray plugin
      // code in a timer, say) and this run would never end.
      const now = nowMs();
      if (started !== a.seenStarted || completed !== a.seenCompleted) {
        a.seenStarted = started;
        a.seenCompleted = completed;
        a.seenAt = now;
      } else if (now - a.seenAt >= a.minTimeoutMs) {
        const c = this.ctl;
        if (c) {
          c.kill = {
            message:
              `The plugin worker did not start its next callback within ${a.minTimeoutMs} ms (its thread is blocked outside any callback, ` +
              'e.g. by stray plugin code in a timer): the worker was terminated (module state is lost; it restarts before the next event)',
          };
          void c.worker.terminate();
        }
        return;
      }
      wait = a.seenAt + a.minTimeoutMs - now;
    }
    a.timer = setTimeout(() => this.watch(a), Math.min(Math.max(1, Math.ceil(wait)), MAX_TIMER_MS));
    a.timer.unref();
  }

  private onTimeout(a: ActiveRun, pos: number): void {
    this.post({ t: 'abort', run: a.id, pos, reason: 'timeout' });
    a.grace = setTimeout(() => {
      a.grace = undefined;
      if (this.active !== a) return;
      if (Atomics.load(this.hdr, SAB_COMPLETED) > pos) {
        this.watch(a); // it stopped in time (its outcome says timedOut); watch the next one
        return;
      }
      const c = this.ctl;
      if (!c) return;
      const info = a.infos[pos]!;
      c.kill = {
        message:
          `Callback ${info.name} timed out after ${info.timeoutMs} ms and did not stop within ${this.graceMs} ms of its abort signal: ` +
          'the plugin worker was terminated (module state is lost; it restarts before the next event)',
        timedOutPos: pos,
      };
      void c.worker.terminate();
    }, this.graceMs);
  }

  private finishRun(a: ActiveRun, crash?: Crash): void {
    if (this.active !== a) return;
    this.active = null;
    if (a.timer) clearTimeout(a.timer);
    if (a.grace) clearTimeout(a.grace);
    const completed = Atomics.load(this.hdr, SAB_COMPLETED);
    const started = Atomics.load(this.hdr, SAB_STARTED);
    const results: RunResult[] = [];
    for (let i = 0; i < a.items.length; i++) {
      const { start, end } = a.plan[i]!;
      const outcomes: CallbackOutcome[] = [];
      let stop = false;
      let crashed: string | undefined;
      for (let p = start; p < end; p++) {
        const info = a.infos[p]!;
        if (p < completed) {
          const error = a.fails.get(p);
          const o: CallbackOutcome = {
            index: info.index,
            name: info.name,
            ok: error === undefined,
            startedAt: this.times[2 * p]!,
            durationMs: this.times[2 * p + 1]!,
          };
          if (error) o.error = error;
          outcomes.push(o);
          if (error && info.stopOnError) {
            stop = true;
            break;
          }
          continue;
        }
        if (crash) {
          if (p < started) {
            const startedAt = this.times[2 * p]!;
            const error: SerializedError =
              crash.timedOutPos === p
                ? { name: 'TimeoutError', message: `Callback ${info.name} timed out after ${info.timeoutMs} ms`, timedOut: true }
                : { name: 'PluginWorkerError', message: crash.message };
            outcomes.push({ index: info.index, name: info.name, ok: false, error, startedAt, durationMs: nowMs() - startedAt });
          }
          crashed = crash.message;
        } else {
          crashed = this.closed
            ? 'The plugin host was closed before this event ran'
            : 'The plugin worker ended the run early (see the plugin log)';
        }
        stop = true;
        break;
      }
      const r: RunResult = { eventId: a.items[i]!.event.id, outcomes };
      if (crashed !== undefined) r.crashed = crashed;
      results.push(r);
      if (stop) break;
    }
    a.resolve(results);
  }
}

function checkIndexes(item: RunItem, count: number, plugin: string): void {
  if (!item || typeof item !== 'object' || !item.event || typeof item.event.id !== 'number') {
    throw new TypeError(`Plugin ${plugin}: each run item needs an event with a numeric id`);
  }
  if (!Array.isArray(item.callbackIndexes)) throw new TypeError(`Plugin ${plugin}: callbackIndexes must be an array`);
  for (const i of item.callbackIndexes) {
    if (!Number.isInteger(i) || i < 0 || i >= count) {
      throw new RangeError(`Plugin ${plugin} has ${count} callback(s); there is no callback index ${String(i)}`);
    }
  }
}

function sameCallbacks(a: CallbackInfo[], b: CallbackInfo[]): boolean {
  return a.length === b.length && a.every((x, i) => x.name === b[i]!.name && x.scriptName === b[i]!.scriptName);
}
