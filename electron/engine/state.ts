// The persistent per-plugin state (cursor store): each plugin's last processed
// event id, its open gaps, enabled/paused flags and failed events, in one JSON
// file written atomically and in batches.
//
// Departures from the original daemon (docs/engine.md, "State"):
// - JSON validated with zod, not a pickle. The original's pickle is NOT read;
//   pointing us at one is a clear error (see describeForeign).
// - An empty or corrupt file is an error that says how to fix it, never a
//   silent reset: a reset would skip (or replay) everything since.
// - Written through writeFileAtomic (never a torn file) at most once per
//   flushIntervalMs, not rewritten in place after every event.
// - Read once at open. The running store is the truth and is never rolled
//   back from disk (the original re-read its pickle every loop).
// - A pid lock file `<state>.lock` keeps a second daemon (or the offline
//   `cursor` command) out.

import { backoffDelay } from '../retry.js';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { removeTempFiles, writeFileAtomic } from './atomic-file.js';
import type { FailedEvent } from '../contract.js';
import type { Gap } from './gaps.js';
import { acquireLock, LockHeldError, type LockHandle } from './lockfile.js';

export const STATE_VERSION = 1;

const eventId = z.number().int().nonnegative();
const epochMs = z.number().finite();

const GapSchema = z.object({
  id: eventId,
  /** When the poller noticed the id missing (epoch ms). */
  discoveredAt: epochMs,
  /** When it stops being waited for (epoch ms). */
  expiresAt: epochMs,
}) satisfies z.ZodType<Gap, unknown>; // Gap is named once, in gaps.ts

const FailedEventSchema = z.object({
  eventId,
  /** The callback that failed ('' in files written before callbacks were recorded). */
  callback: z.string().default(''),
  error: z.string(),
  /** Last failure (epoch ms). */
  at: epochMs,
  attempts: z.number().int().nonnegative(),
}) satisfies z.ZodType<FailedEvent, unknown>; // named once, in contract.ts

// Flags and lists default so a hand-repaired file needs only lastId.
const PluginStateSchema = z.object({
  lastId: eventId,
  gaps: z.array(GapSchema).default([]),
  enabled: z.boolean().default(true),
  paused: z.boolean().default(false),
  failed: z.array(FailedEventSchema).default([]),
});

const StateFileSchema = z.object({
  version: z.literal(STATE_VERSION),
  plugins: z.record(z.string(), PluginStateSchema),
  /** Newest event id the poller has seen; where a new plugin starts. */
  headId: eventId.optional(),
  savedAt: epochMs.default(0),
});

/** One plugin's saved cursor (not the contract's PluginState, which names its status). */
export type SavedPluginState = z.infer<typeof PluginStateSchema>;
export type StateData = z.infer<typeof StateFileSchema>;

/** The state file cannot be used as it is; the message says why and what to do. */
export class StateFileError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'StateFileError';
  }
}

/** Another live process holds the state. */
export class StateLockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
    readonly host: string | null,
  ) {
    super(
      host
        ? `state ${path} is in use by a daemon on host ${host} (pid ${pid}); stop it there first, ` + `or delete ${path}.lock if it is not running`
        : `state ${path} is in use by a running daemon (pid ${pid}); stop it first`,
    );
    this.name = 'StateLockedError';
  }
}

export interface StateStoreOptions {
  /** Coalescing delay between markDirty() and the write. Default 250 ms. */
  flushIntervalMs?: number;
  /** Stale lock taken over, leftover temp files removed... */
  onWarning?: (message: string) => void;
  /** A timer-driven write failed (it is retried with backoff). */
  onWriteError?: (error: Error) => void;
  /** Each completed write, for metrics. */
  onWrite?: (info: { bytes: number; durationMs: number }) => void;
}

/** A fresh plugin entry starting after `lastId`. */
export function newPluginState(lastId: number): SavedPluginState {
  return { lastId, gaps: [], enabled: true, paused: false, failed: [] };
}

export class StateStore {
  /**
   * Live state: mutate it, then call markDirty(). `plugins` has a null
   * prototype, so any plugin name is a safe key.
   */
  readonly data: StateData;
  /** Warnings gathered while opening (also sent to onWarning). */
  readonly warnings: string[] = [];

  private readonly flushIntervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  /** Bumped by markDirty(); savedGen is the generation last on disk. */
  private dirtyGen = 0;
  private savedGen = 0;
  /** Writes run one after another on this chain. */
  private chain: Promise<void> = Promise.resolve();
  private waiters: Array<{ gen: number; resolve: () => void; reject: (e: Error) => void }> = [];
  private failures = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    /** True when no state file existed: first start. */
    readonly isNew: boolean,
    data: StateData,
    private readonly lock: LockHandle,
    private readonly opts: StateStoreOptions,
  ) {
    this.data = { ...data, plugins: Object.assign(Object.create(null) as StateData['plugins'], data.plugins) };
    this.flushIntervalMs = opts.flushIntervalMs ?? 250;
  }

  /**
   * Lock and read the state at `file`. A missing file is a first start
   * (isNew); an empty or corrupt one throws StateFileError; a live holder
   * throws StateLockedError.
   */
  static async open(file: string, opts: StateStoreOptions = {}): Promise<StateStore> {
    const abs = path.resolve(file);
    const warnings: string[] = [];
    const warn = (m: string) => {
      warnings.push(m);
      opts.onWarning?.(m);
    };
    let lock: LockHandle;
    try {
      await mkdir(path.dirname(abs), { recursive: true });
      lock = await acquireLock(`${abs}.lock`, { onWarning: warn });
    } catch (err) {
      if (err instanceof LockHeldError) {
        if (err.self) throw new StateFileError(`state ${abs} is already open in this process`, abs);
        throw new StateLockedError(abs, err.pid, err.host);
      }
      // e.g. EACCES on a folder the daemon's user cannot write
      throw new StateFileError(`cannot lock state ${abs}: ${(err as Error).message}`, abs);
    }
    try {
      // Only now, holding the lock, is nobody else writing: safe to clean up.
      for (const name of await removeTempFiles(abs)) {
        warn(`removed ${name}, left by an interrupted state write (the state file itself is intact)`);
      }
      const data = await readStateFile(abs);
      const store = new StateStore(abs, data === null, data ?? emptyState(), lock, opts);
      store.warnings.push(...warnings);
      return store;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  get dirty(): boolean {
    return this.dirtyGen !== this.savedGen;
  }

  plugin(name: string): SavedPluginState | undefined {
    return this.data.plugins[name];
  }

  /** The plugin's state, created by `init` (and marked dirty) when absent. */
  ensurePlugin(name: string, init: () => SavedPluginState): SavedPluginState {
    let state = this.data.plugins[name];
    if (!state) {
      state = init();
      this.data.plugins[name] = state;
      this.markDirty();
    }
    return state;
  }

  removePlugin(name: string): boolean {
    if (!(name in this.data.plugins)) return false;
    delete this.data.plugins[name];
    this.markDirty();
    return true;
  }

  /** Note a change; it reaches disk within flushIntervalMs. Cheap: call it per event. */
  markDirty(): void {
    if (this.closed) throw new Error(`state store ${this.path} is closed`);
    this.dirtyGen++;
    this.schedule(this.flushIntervalMs);
  }

  /**
   * Resolve once every change marked so far is on disk, without forcing an
   * early write (the coalescing timer still decides when). Rejects if that
   * write fails.
   */
  flush(): Promise<void> {
    if (!this.dirty) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ gen: this.dirtyGen, resolve, reject });
      this.schedule(this.flushIntervalMs);
    });
  }

  /** Write now (if anything changed) and resolve when it is on disk: shutdown, user actions. */
  flushNow(): Promise<void> {
    this.cancelTimer();
    return this.write();
  }

  /** Write what is pending, release the lock. The store is unusable afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flushNow();
    } finally {
      this.closed = true;
      this.cancelTimer();
      await this.lock.release();
    }
  }

  // The timer is not unref()'d: a process with unsaved state stays up the
  // few ms needed to write it.
  private schedule(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.write().then(
        () => {
          this.failures = 0;
        },
        (err: Error) => {
          // Keep the data dirty and retry, backing off so a full disk does
          // not mean four error reports a second.
          this.failures++;
          this.opts.onWriteError?.(err);
          if (this.dirty) this.schedule(backoffDelay(this.failures + 1, { baseMs: this.flushIntervalMs, maxMs: 30_000, jitter: 'narrow' }));
        },
      );
    }, delayMs);
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Queue one write of the current state behind any in-flight one. */
  private write(): Promise<void> {
    const run = async (): Promise<void> => {
      if (!this.dirty) return;
      const gen = this.dirtyGen;
      this.data.savedAt = Date.now();
      // Serialized synchronously, so the snapshot is consistent even while
      // the engine keeps mutating during the await below.
      const text = `${JSON.stringify(this.data, null, 2)}\n`;
      const started = performance.now();
      try {
        await writeFileAtomic(this.path, text);
      } catch (err) {
        const e = new StateFileError(`cannot write state ${this.path}: ${(err as Error).message}`, this.path);
        this.settle(gen, e);
        throw e;
      }
      this.savedGen = Math.max(this.savedGen, gen);
      this.settle(gen, null);
      this.opts.onWrite?.({ bytes: Buffer.byteLength(text), durationMs: performance.now() - started });
    };
    const next = this.chain.catch(() => {}).then(run);
    this.chain = next;
    return next;
  }

  private settle(gen: number, error: Error | null): void {
    const remaining: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.gen > gen) remaining.push(w);
      else if (error) w.reject(error);
      else w.resolve();
    }
    this.waiters = remaining;
  }
}

function emptyState(): StateData {
  return { version: STATE_VERSION, plugins: {}, savedAt: 0 };
}

/**
 * Read and validate a state file without locking (for status displays while
 * a daemon runs). null when the file does not exist.
 */
export async function readStateFile(file: string): Promise<StateData | null> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new StateFileError(`cannot read state ${file}: ${(err as Error).message}`, file);
  }
  return parseState(file, buf);
}

const HOW_TO_FIX =
  'Nothing was reset. Fix the file, restore it from a backup, or delete it to start again at the newest ' +
  'event (every plugin then skips the events since its last run).';

function parseState(file: string, buf: Buffer): StateData {
  const bad = (what: string) => new StateFileError(`state file ${file} ${what}. ${HOW_TO_FIX}`, file);
  if (buf.length === 0 || buf.toString('utf8').trim() === '') {
    throw bad('is empty (a write cut short by a crash or a full disk?)');
  }
  const foreign = describeForeign(buf);
  if (foreign) {
    throw new StateFileError(
      `state file ${file} looks like ${foreign}. shotgun-events keeps its own JSON state and does not read ` +
        `it. Point [daemon] eventIdFile at a new file, or move this one away; to start from a given ` +
        `event id, use the cursor command.`,
      file,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw bad(`is not valid JSON (${(err as Error).message})`);
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > STATE_VERSION) {
    throw new StateFileError(
      `state file ${file} has version ${version}, written by a newer shotgun-events (this one reads ` +
        `version ${STATE_VERSION}); upgrade, or move the file away to start again.`,
      file,
    );
  }
  const parsed = StateFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => {
        const message = i.message.replace(/^Invalid input: expected (\w+), received undefined$/, 'missing (expected $1)');
        return `${i.path.length ? i.path.join('.') : '(top level)'}: ${message}`;
      })
      .join('; ');
    const more = parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : '';
    throw bad(`has the wrong shape: ${issues}${more}`);
  }
  return parsed.data;
}

/** The original daemon's id file: a pickle, or (legacy) a bare event id. */
function describeForeign(buf: Buffer): string | null {
  // Pickle protocol 2+ starts with the PROTO opcode 0x80; protocol 0 with "(dp".
  if (buf[0] === 0x80 || buf.subarray(0, 3).toString('latin1') === '(dp') {
    return "the original shotgunEventDaemon's pickled state";
  }
  if (/^\s*\d+\s*$/.test(buf.toString('latin1'))) return "the original shotgunEventDaemon's legacy event id file";
  return null;
}
