// What the engine adds to its plugin views for the UI, and the UI's live feeds that run on
// a clock rather than on events (docs/engine.md, "The UI's trends"):
//   - lag for every state: head minus cursor (events) and the age of the oldest event the
//     plugin has not processed (seconds), so a paused plugin's lag keeps growing. That
//     event is read from the window when it is still there; a plugin that is not consuming
//     falls behind the window at once (it is evicted past it), so its next event's
//     created_at is then asked of the site, once per cursor position;
//   - a disabled plugin shows no hold (its retries are off until it is enabled again);
//   - a plugin with no callback is "inert", with the reason `check` gives;
//   - the trend series: one sample every TREND_STEP_MS for the last hour, in the snapshot
//     and as `trend` updates;
//   - a refresh, every second, of the views of plugins that are not consuming (paused,
//     disabled, holding): nothing else re-sends them while the head moves on.

import { TREND_KEEP, TREND_STEP_MS, type PluginView, type TrendPoint, type Update } from '../contract.js';
import type { EventLogEntry } from '../shotgun/types.js';
import { inertReason } from './inert-reason.js';

/** What the feed needs from a plugin runner (runner.ts). */
export interface RunnerLike {
  readonly name: string;
  readonly cursor: number;
  readonly active: boolean;
  /** created_at (ms) of the last event it processed. */
  readonly lastCreatedAt: number;
  view(head: number, headCreatedAt: number): PluginView;
}

/** What the feed needs from the shared event window (window.ts). */
export interface WindowLike {
  readonly head: number;
  covers(after: number): boolean;
  read(after: number, limit: number): { events: EventLogEntry[] };
}

export interface UiFeedOptions {
  runners: () => Iterable<RunnerLike>;
  window: WindowLike;
  eventsPerSecond: () => number;
  emit: (u: Update) => void;
  stepMs?: number;
  keep?: number;
  refreshMs?: number;
  now?: () => number;
  /** created_at (ms) of the first event on the site with id > after, or null if none. */
  createdAfter?: (after: number) => Promise<number | null>;
  /** What a plugin last warned about while loading (the reason it is inert), or null. */
  loadWarning?: (name: string) => string | null;
}

/** What the site said about the event after a stalled plugin's cursor. */
interface Lookup {
  after: number;
  createdAt: number | null;
  pending: boolean;
  /** After a failed lookup, not asked again before this time (ms). */
  retryAt: number;
}

/** How long a failed lookup waits before the next (the connection's own errors are reported by the engine). */
const LOOKUP_RETRY_MS = 30_000;

/** `check`'s words for a plugin that loads but registers nothing. */

export class UiFeed {
  private points: TrendPoint[] = [];
  private timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;
  private readonly lookups = new Map<string, Lookup>();

  constructor(private o: UiFeedOptions) {
    this.now = o.now ?? Date.now;
  }

  start(): void {
    if (this.timers.length) return;
    this.sample();
    const step = setInterval(() => this.sample(), this.o.stepMs ?? TREND_STEP_MS);
    const refresh = setInterval(() => this.refreshIdle(), this.o.refreshMs ?? 1000);
    step.unref();
    refresh.unref();
    this.timers.push(step, refresh);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** The trend series, oldest first. */
  series(): TrendPoint[] {
    return this.points.slice();
  }

  /** A runner's view with the UI's additions (see the top of this file). */
  view(r: RunnerLike): PluginView {
    const head = this.o.window.head;
    const v = r.view(head, 0);
    v.lagEvents = Math.max(0, head - r.cursor);
    v.lagSeconds = v.lagEvents > 0 ? this.oldestUnprocessedAge(r) : 0;
    if (!v.enabled) v.held = null;
    const loaded = v.state !== 'load_error' && v.state !== 'loading' && v.state !== 'unloaded';
    v.inert = loaded && v.callbacks.length === 0 ? inertReason(this.o.loadWarning?.(r.name) ?? null) : null;
    return v;
  }

  /** Seconds since the oldest event past the cursor was created. */
  private oldestUnprocessedAge(r: RunnerLike): number {
    const w = this.o.window;
    let created = 0;
    if (w.covers(r.cursor)) {
      const next = w.read(r.cursor, 1).events[0];
      if (next) created = Date.parse(next.created_at);
    }
    if (!created && !r.active) created = this.lookedUp(r) ?? 0;
    // Behind the window (or nothing read yet): the next event is newer than the last one
    // processed, so this bounds its age from above.
    if (!created) created = r.lastCreatedAt;
    if (!created) return 0;
    return Math.max(0, Math.round((this.now() - created) / 100) / 10);
  }

  /**
   * created_at of the event after a stalled runner's cursor, from the site; null until
   * known. A consuming runner is not looked up: its cursor moves with every event, and the
   * event it last processed bounds the age closely.
   */
  private lookedUp(r: RunnerLike): number | null {
    const ask = this.o.createdAfter;
    if (!ask) return null;
    const known = this.lookups.get(r.name);
    if (known?.after === r.cursor && (known.pending || known.createdAt !== null || this.now() < known.retryAt)) return known.createdAt;
    const entry: Lookup = { after: r.cursor, createdAt: null, pending: true, retryAt: 0 };
    this.lookups.set(r.name, entry);
    ask(r.cursor).then(
      (createdAt) => {
        entry.pending = false;
        entry.createdAt = createdAt;
        entry.retryAt = this.now() + LOOKUP_RETRY_MS;
        // Not for a plugin removed meanwhile: its view would come back in the UI.
        const current = this.lookups.get(r.name) === entry && [...this.o.runners()].includes(r);
        if (current && createdAt !== null) this.o.emit({ kind: 'plugin', plugin: this.view(r) });
      },
      () => {
        entry.pending = false;
        entry.retryAt = this.now() + LOOKUP_RETRY_MS;
      },
    );
    return null;
  }

  private sample(): void {
    const plugins: TrendPoint['plugins'] = {};
    let maxLag = 0;
    for (const r of this.o.runners()) {
      const v = this.view(r);
      if (v.state === 'load_error' || v.state === 'unloaded' || v.state === 'disabled') continue;
      plugins[v.name] = { lag: v.lagEvents, p95: v.p95Ms };
      maxLag = Math.max(maxLag, v.lagEvents);
    }
    const point: TrendPoint = { t: this.now(), eventsPerSecond: this.o.eventsPerSecond(), maxLag, plugins };
    this.points.push(point);
    const keep = this.o.keep ?? TREND_KEEP;
    if (this.points.length > keep) this.points.splice(0, this.points.length - keep);
    this.o.emit({ kind: 'trend', point });
  }

  private refreshIdle(): void {
    for (const r of this.o.runners()) if (!r.active) this.o.emit({ kind: 'plugin', plugin: this.view(r) });
  }
}
