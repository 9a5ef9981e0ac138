// What every plugin host shares: its options and their checks, the accessors the engine reads,
// the queue that runs one call at a time, the plugin's log sink, and the checks before a run
// (docs/architecture.md, "One event, from poll to callback to UI", step 4). PluginHost (a
// worker thread, plugin-host.ts) and PythonHost (a Python process, python/python-host.ts)
// extend it and say only how they start, run and stop their plugin.

import type { EventLogEntry } from '../shotgun/types.js';
import { toLogLevel, type LogLevelInput } from './plugin-api.js';
import type { CallbackInfo, LoadResult, PluginConnectionEvent, PluginLogLine, RunResult, ShotgunConnectionSettings } from './plugin-protocol.js';
import { planRun, type RunPlan } from './plugin-run-results.js';

export interface PluginHostOptions {
  /** Absolute path of the plugin file (.js, .mjs, .cjs, .ts, .mts, .cts, .py). */
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
   * terminated (see plugin-memory.ts). 0 = no limit. Default 512.
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

type Loaded = Extract<LoadResult, { ok: true }>;

/** How a host names itself in its errors and log lines. */
export interface HostKind {
  /** The class, e.g. "PluginHost". */
  kind: string;
  /** What runs the plugin, e.g. "plugin worker". */
  noun: string;
  /** The same, short: "worker". */
  short: string;
}

export const DEFAULT_LOAD_TIMEOUT_MS = 30_000;
export const DEFAULT_ABORT_GRACE_MS = 1_000;
/** The longest delay setTimeout honours. */
export const MAX_TIMER_MS = 2_147_483_647;

export abstract class PluginHostBase<O extends PluginHostOptions = PluginHostOptions> {
  protected readonly opts: O;
  protected logLevel: number;
  protected _loaded: LoadResult | null = null;
  protected _emails: string[] | boolean | null = null;
  protected closed = false;
  /** Why the worker or process last stopped, for the restart's log line. */
  protected lastCrash: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    opts: O,
    private readonly what: HostKind,
  ) {
    const { kind } = what;
    if (!opts || typeof opts.file !== 'string' || opts.file === '') throw new TypeError(`${kind} needs opts.file`);
    if (typeof opts.name !== 'string' || opts.name === '') throw new TypeError(`${kind} needs opts.name`);
    if (!(opts.callbackTimeoutMs > 0) || opts.callbackTimeoutMs > MAX_TIMER_MS) {
      throw new RangeError(`callbackTimeoutMs must be a positive number of milliseconds, got ${opts.callbackTimeoutMs}`);
    }
    if (typeof opts.onLog !== 'function') throw new TypeError(`${kind} needs opts.onLog`);
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

  /**
   * (Re)start the plugin: a fresh import of the file and registerCallbacks. A reload ends the
   * old worker or process first (after the run in progress, if any: calls are serialized).
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
    return this.enqueue(() => this.runChecked(items, opts.attempt ?? 1));
  }

  /** Change the plugin loggers' base level (what `[daemon] logging` sets). */
  setLogLevel(level: LogLevelInput): void {
    this.logLevel = toLogLevel(level);
    this.sendLogLevel(this.logLevel);
  }

  abstract close(): Promise<void>;

  /** Start the worker or process and load the plugin in it; records _loaded and _emails. */
  protected abstract start(): Promise<LoadResult>;
  /** Run a checked plan of at least one callback call; the worker or process is running. */
  protected abstract doRun(plan: RunPlan, attempt: number): Promise<RunResult[]>;
  protected abstract sendLogLevel(level: number): void;
  /** A worker or process is up (false before load and after a crash). */
  protected abstract get running(): boolean;

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  protected get graceMs(): number {
    return this.opts.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS;
  }

  protected get loadTimeoutMs(): number {
    return this.opts.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  }

  protected emitLog(line: PluginLogLine): void {
    try {
      this.opts.onLog(line);
    } catch {
      // a failing log sink must not break the host
    }
  }

  protected hostLog(level: PluginLogLine['level'], message: string, logger = `plugin.${this.opts.name}`): void {
    this.emitLog({ time: Date.now(), level, logger, message, plugin: this.opts.name });
  }

  /** What every run does first: the checks, the restart after a crash, and the plan. */
  private async runChecked(items: RunItem[], attempt: number): Promise<RunResult[]> {
    const before = this.checkRun(items, attempt);
    if (items.length === 0) return [];
    if (!this.running) {
      const ended = await this.restart(items, before);
      if (ended) return ended;
    }
    const loaded = this._loaded;
    if (!this.running || !loaded?.ok) throw new Error(`Plugin ${this.opts.name} has no running ${this.what.noun}`);
    const plan = planRun(items, loaded.callbacks);
    if (plan.infos.length === 0) return items.map((it) => ({ eventId: it.event.id, outcomes: [] }));
    return this.doRun(plan, attempt);
  }

  /** Misuse of a run throws here, before anything is sent: closed, not loaded, bad items. */
  private checkRun(items: RunItem[], attempt: number): Loaded {
    if (this.closed) throw new Error(`The plugin host of ${this.opts.name} is closed`);
    const before = this._loaded;
    if (!before) throw new Error(`Plugin ${this.opts.name}: call load() before run()`);
    if (!before.ok) throw new Error(`Plugin ${this.opts.name} is not loaded: ${before.error}`);
    if (!Array.isArray(items)) throw new TypeError('runBatch needs an array of items');
    if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer ≥ 1, got ${attempt}`);
    for (const item of items) checkIndexes(item, before.callbacks.length, this.opts.name);
    return before;
  }

  /**
   * After a crash, start again before the next run. null: it is back with the same callbacks;
   * else the one result that ends this run.
   */
  private async restart(items: RunItem[], before: Loaded): Promise<RunResult[] | null> {
    const what = this.what;
    this.hostLog('warning', `Restarting the ${what.noun} (${this.lastCrash ?? 'it had stopped'}); module state starts afresh`);
    const res = await this.start();
    const eventId = items[0]!.event.id;
    if (!res.ok) return [{ eventId, outcomes: [], crashed: `The ${what.noun} could not be restarted: ${res.error}` }];
    if (!sameCallbacks(before.callbacks, res.callbacks)) {
      const crashed = `The plugin registered different callbacks when its ${what.short} restarted (was the file changed?); reload it`;
      return [{ eventId, outcomes: [], crashed }];
    }
    return null;
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
