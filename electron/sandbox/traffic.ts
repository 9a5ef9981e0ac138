// Live studio activity for the sandbox, so a poller has a realistic event stream to
// chew on: task status changes, new Versions and their reviews, Notes, assignee changes,
// cut changes, occasional retire/revive and new Shots. Writes go through the store as
// HumanUsers (whose writes always make events). The rate is in EVENTS per second: one
// create makes many event rows, so each action is charged what the store actually wrote.

import { prng } from './seed.js';
import type { Actor, SandboxStore } from './store.js';
import { StudioActions } from './traffic-actions.js';
import { readSite, type Cache } from './traffic-site.js';

export type TrafficAction =
  'task_status' | 'new_version' | 'version_status' | 'note' | 'note_status' | 'assignees' | 'shot_cut' | 'retire' | 'revive' | 'new_shot';

export interface TrafficOptions {
  store: SandboxStore;
  /** Events per second (fractional is fine); 0 = idle. */
  rate: number;
  /** HumanUsers to write as. Default: every active HumanUser in the store (admin only if alone). */
  actors?: Actor[];
  /** PRNG seed, for a repeatable sequence of actions. */
  seed?: number;
  /** Scheduler tick, ms (default 50). */
  tickMs?: number;
  /** Clock for budgeting (default Date.now, which vitest's fake timers control). */
  now?: () => number;
  /** Where failed writes are reported; they are always counted in stats. */
  log?: (message: string) => void;
}

export interface TrafficStats {
  running: boolean;
  rate: number;
  /** Store writes that succeeded (create/update/retire/revive calls). */
  writes: number;
  /** EventLogEntry rows those writes produced. */
  events: number;
  /** Writes the store rejected (validation errors, races with other clients). */
  errors: number;
  actions: Record<TrafficAction, number>;
  lastError: string | null;
}

const WEIGHTS: Array<[TrafficAction, number]> = [
  ['task_status', 28],
  ['new_version', 16],
  ['version_status', 12],
  ['note', 10],
  ['note_status', 4],
  ['assignees', 10],
  ['shot_cut', 6],
  ['retire', 3],
  ['revive', 3],
  ['new_shot', 2],
];
const WEIGHT_TOTAL = WEIGHTS.reduce((a, [, w]) => a + w, 0);

/** Catch up at most this much time's worth of budget after a stall (no bursts). */
const MAX_CATCH_UP_S = 0.5;
/** Re-read the store's rows this often, to see other clients' creates and retirements. */
const REFRESH_MS = 5000;

export class TrafficGenerator {
  private store: SandboxStore;
  private _rate: number;
  private actorsOpt: Actor[] | undefined;
  private rand: () => number;
  private tickMs: number;
  private now: () => number;
  private log: ((m: string) => void) | undefined;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private budget = 0;
  private last = 0;
  private cache: Cache | null = null;
  private s: TrafficStats;
  private readonly actions: StudioActions;

  constructor(opts: TrafficOptions) {
    this.store = opts.store;
    this._rate = Math.max(0, opts.rate);
    this.actorsOpt = opts.actors;
    this.rand = prng(opts.seed ?? 0x7aff1c);
    this.tickMs = opts.tickMs ?? 50;
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
    this.s = {
      running: false,
      rate: this._rate,
      writes: 0,
      events: 0,
      errors: 0,
      actions: Object.fromEntries(WEIGHTS.map(([a]) => [a, 0])) as Record<TrafficAction, number>,
      lastError: null,
    };
    this.actions = new StudioActions(this.store, this.rand, this.now, this.s);
  }

  get rate(): number {
    return this._rate;
  }

  /** A snapshot (safe to JSON-serialise and to keep). */
  get stats(): TrafficStats {
    return { ...this.s, running: this.running, rate: this._rate, actions: { ...this.s.actions } };
  }

  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.disarm();
  }

  setRate(rate: number): void {
    this._rate = Number.isFinite(rate) ? Math.max(0, rate) : 0;
    // No timer while idle; a running generator picks the new rate up on its next tick.
    if (this._rate === 0) this.disarm();
    else if (this.running) this.arm();
  }

  private arm(): void {
    if (this.timer || this._rate === 0 || !this.running) return;
    this.last = this.now();
    this.budget = 0;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    // Never keep the process (a test run, the CLI on Ctrl-C) alive just for traffic.
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    try {
      const now = this.now();
      const elapsed = Math.max(0, now - this.last);
      this.last = now;
      // Budget accrues at `rate`; a positive balance is capped so a stalled event loop
      // does not come back with a burst. A write that overshoots leaves a debt that the
      // next ticks pay off, which keeps the long-run rate right at fractional rates too.
      this.budget = Math.min(this.budget + (this._rate * elapsed) / 1000, Math.max(1, this._rate * MAX_CATCH_UP_S));
      if (this.budget > 0) this.budget -= this.spend(this.budget, this.tickMs * 0.8);
    } catch (e) {
      // Never throw out of the timer: the sandbox must outlive a generator bug.
      this.fail(e);
    }
  }

  /**
   * Writes about `events` events right now (tests, benchmarks, the CLI's `--burst`).
   * Returns the number written (≥ `events` unless nothing could be written).
   */
  burst(events: number): number {
    return this.spend(events, Infinity);
  }

  /** Runs actions until `budget` events are written or `maxMs` of wall time passes. */
  private spend(budget: number, maxMs: number): number {
    const deadline = performance.now() + maxMs;
    let written = 0;
    let idle = 0;
    let n = 0;
    while (written < budget && idle < 25) {
      const got = this.step();
      written += got;
      idle = got === 0 ? idle + 1 : 0;
      // Check the clock every few actions only: performance.now() is not free.
      if (++n % 8 === 0 && performance.now() > deadline) break;
    }
    return written;
  }

  /** One action; returns the events it made. */
  private step(): number {
    const c = this.refresh();
    if (c.users.length === 0) return 0;
    let r = this.rand() * WEIGHT_TOTAL;
    let action: TrafficAction = 'task_status';
    for (const [a, w] of WEIGHTS) {
      if ((r -= w) < 0) {
        action = a;
        break;
      }
    }
    const before = this.store.eventCount;
    try {
      this.actions.run(action, c);
    } catch (e) {
      this.fail(e);
    }
    const made = this.store.eventCount - before;
    if (made > 0) {
      this.s.events += made;
      this.s.actions[action]++;
    }
    return made;
  }

  private fail(e: unknown): void {
    this.s.errors++;
    this.s.lastError = e instanceof Error ? e.message : String(e);
    this.log?.(`traffic: ${this.s.lastError}`);
  }

  // ---------------------------------------------------------------- the site as seen

  private refresh(): Cache {
    const now = this.now();
    if (this.cache && now - this.cache.at < REFRESH_MS) return this.cache;
    this.cache = readSite(this.store, this.actorsOpt, now);
    return this.cache;
  }
}
