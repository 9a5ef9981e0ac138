// One plugin's consumer: its cursor, its walk through the event stream in id order, its
// hold-and-retry on failure, its failed-events list, and the late events it still owes.
// The cursor only moves past an event once every matching callback finished with it (or
// the user skipped it), so nothing is lost; it is saved in batches by the state store.

import type { EventLogEntry } from '../shotgun/types.js';
import type { CallbackView, Outcome, PluginState, PluginView } from '../contract.js';
import type { GapRegistry } from './gaps.js';
import { compileCallbackMatch } from './python/python-match.js';
import type { RunItem } from './plugin-host.js';
import type { CallbackOutcome, RunResult } from './plugin-protocol.js';
import { PluginCursor } from './plugin-cursor.js';
import type { SavedPluginState } from './state.js';
import { registerPage } from './page-codec.js';
import { RunnerStats } from './runner-stats.js';
import { callbackViews, pluginView, type CompiledCallback } from './runner-view.js';
import { systemClock, type EventSource, type HostLike, type RunnerClock, type RunnerHooks, type RunnerOptions } from './runner-types.js';

export type { EventSource, HostLike, RunnerHooks } from './runner-types.js';

interface Hold {
  event: EventLogEntry;
  late: boolean;
  /** Callbacks still to run for this event (the failed one onward). */
  remaining: number[];
  attempt: number;
  error: string;
  callback: string;
  nextRetryAt: number | null;
  /** Cancels the retry timer. */
  cancel: (() => void) | null;
}

const PAGE = 500;

export class PluginRunner {
  private callbacks: CompiledCallback[] = [];
  private loadError: string | null = null;
  /** The cursor is past the site's newest event (engine.checkAhead): nothing runs until it is moved. */
  private aheadError: string | null = null;
  private loading = false;
  private hold: Hold | null = null;
  private lateQueue: Array<{ event: EventLogEntry }> = [];
  private priority: Array<() => Promise<void>> = [];
  private wakeUp: (() => void) | null = null;
  private wakePending = false;
  private stopped = false;
  /** Closed past the engine's grace period: unfinished events are not recorded (they run again next start). */
  private abandoned = false;
  private loop: Promise<void> | null = null;
  private lastError: string | null = null;
  private readonly stats = new RunnerStats();
  /** The one writer of this plugin's saved state (plugin-cursor.ts). */
  private readonly position: PluginCursor;
  private readonly clock: RunnerClock;
  unloaded = false;

  constructor(
    readonly name: string,
    readonly file: string,
    readonly hostRef: HostLike,
    saved: SavedPluginState,
    private source: EventSource,
    gaps: GapRegistry,
    private retryBackoffMs: number[],
    private hooks: RunnerHooks,
    opts: RunnerOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.position = new PluginCursor(saved, gaps, {
      dirty: () => hooks.dirty(),
      recentLate: (from, to) => hooks.recentLate(from, to),
      now: () => this.clock.now(),
    });
  }

  get cursor(): number {
    return this.position.lastId;
  }

  /** The saved state, read-only (PluginCursor writes it). */
  get state(): Readonly<SavedPluginState> {
    return this.position.state;
  }

  /** created_at (ms) of the last event processed, for lag in seconds. */
  get lastCreatedAt(): number {
    return this.stats.lastCreatedAt;
  }

  /** Event types this plugin can take, or null for any. Null while it has no callbacks. */
  eventTypes(): string[] | null {
    if (this.callbacks.length === 0) return [];
    const out = new Set<string>();
    for (const c of this.callbacks) {
      const t = c.matcher.eventTypes();
      if (t === null) return null;
      for (const x of t) out.add(x);
    }
    return [...out];
  }

  /** Consuming events now (for window eviction and poller pacing). */
  get active(): boolean {
    return this.position.enabled && !this.position.paused && !this.loadError && !this.aheadError && !this.loading && !this.hold && !this.unloaded;
  }

  get cursorAhead(): boolean {
    return this.aheadError !== null;
  }

  /** Flags the cursor as past the site's newest event, with the fix in the message. */
  setCursorAhead(message: string): void {
    this.aheadError = message;
    this.hooks.changed(this);
  }

  async load(): Promise<void> {
    this.loading = true;
    this.hooks.changed(this);
    const r = await this.hostRef.load();
    this.loading = false;
    if (r.ok) {
      this.loadError = null;
      try {
        this.callbacks = r.callbacks.map((info) => ({ info, matcher: compileCallbackMatch(info) }));
      } catch (e) {
        this.callbacks = [];
        this.loadError = (e as Error).message;
      }
    } else {
      this.callbacks = [];
      this.loadError = r.error;
      this.hooks.log('critical', r.error);
    }
    // A reload retries the held event at once (docs/engine.md).
    if (this.hold && !this.loadError) {
      this.clearHoldTimer();
      this.hold.nextRetryAt = this.clock.now();
      this.hold.remaining = this.matching(this.hold.event);
    }
    this.hooks.changed(this);
    this.wake();
  }

  start(): void {
    this.loop ??= this.run().catch((e: unknown) => {
      this.hooks.log('critical', `plugin runner stopped: ${(e as Error).stack ?? String(e)}`);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Only the callback in flight finishes; the rest of its batch waits for the next start.
    this.hostRef.drain?.();
    this.clearHoldTimer();
    this.wake();
    await this.loop;
  }

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    if (w) w();
    else this.wakePending = true;
  }

  private sleep(): Promise<void> {
    // A wake() that came while the loop was busy (stop, new events) is not lost: without
    // this, stop() between two awaits left the loop asleep until the grace period ran out.
    if (this.wakePending || this.stopped) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.wakeUp = resolve;
    });
  }

  /** A gap filler arrived: owed to this plugin if it walked past that id. */
  offerLate(event: EventLogEntry): void {
    if (!this.position.owes(event.id)) return;
    this.lateQueue.push({ event });
    this.wake();
  }

  /** Gaps the poller gave up on: nothing more is owed for them. */
  forgetGaps(ids: number[]): void {
    this.position.forget(ids);
  }

  /** Whether any callback takes this event (cursor previews count with it). */
  accepts(event: Pick<EventLogEntry, 'event_type' | 'attribute_name' | 'user'>): boolean {
    return this.matching(event).length > 0;
  }

  private matching(event: Pick<EventLogEntry, 'event_type' | 'attribute_name' | 'user'>): number[] {
    const ignored = this.hooks.ignoredUsers();
    if (ignored.size && event.user?.type === 'ApiUser' && ignored.has(String(event.user.name))) return [];
    return this.callbacks.filter((c) => c.matcher.matches(event)).map((c) => c.info.index);
  }

  /** Moves the cursor (PluginCursor.advance); fillers it now owes are queued. */
  private advance(id: number, processed?: number): void {
    for (const event of this.position.advance(id, processed)) this.lateQueue.push({ event });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const job = this.priority.shift();
      if (job) {
        await job();
        continue;
      }
      if (this.hold) {
        if (this.hold.nextRetryAt !== null && this.hold.nextRetryAt <= this.clock.now() && this.position.enabled && !this.position.paused) {
          await this.retryHold();
        } else {
          await this.sleep();
        }
        continue;
      }
      if (!this.active) {
        await this.sleep();
        continue;
      }
      const late = this.lateQueue.shift();
      if (late) {
        await this.deliver(late.event, true);
        continue;
      }
      const { events, upTo } = await this.source.next(this.position.lastId, PAGE, this.eventTypes());
      if (!(await this.consume(events))) continue;
      this.advance(upTo);
      if (events.length === 0) await this.sleep();
    }
  }

  /** Something else should run first (pause, replay, late event, stop). */
  private get interrupted(): boolean {
    return this.stopped || !this.active || this.priority.length > 0 || this.lateQueue.length > 0;
  }

  /**
   * Events per round trip to the worker: ~100 ms of work, so pause and replay stay
   * responsive with slow plugins while fast ones are not paced by messaging.
   */
  private batchSize(): number {
    const avg = this.stats.average();
    if (avg === null) return 8;
    return Math.max(1, Math.min(PAGE, Math.floor(100 / Math.max(avg, 0.01))));
  }

  /** Delivers events in order, in batches; false if interrupted or now holding. */
  private async consume(events: EventLogEntry[]): Promise<boolean> {
    registerPage(events); // encoded once for every plugin's segments of it (page-codec.ts)
    let i = 0;
    while (i < events.length) {
      if (this.interrupted) return false;
      // A segment: events in order, the matching ones (up to a batch) sent in one message.
      const segment: Array<{ event: EventLogEntry; indexes: number[] }> = [];
      let matched = 0;
      const size = this.batchSize();
      while (i < events.length && matched < size) {
        const event = events[i++]!;
        const indexes = this.matching(event);
        if (indexes.length) matched++;
        segment.push({ event, indexes });
      }
      const items = segment.filter((x) => x.indexes.length).map((x) => ({ event: x.event, callbackIndexes: x.indexes }));
      const results = items.length ? await this.runItems(items, 1) : [];
      if (!results) return false;
      const byId = new Map(results.map((r) => [r.eventId, r]));
      for (const { event, indexes } of segment) {
        if (indexes.length === 0) {
          this.finish(event, false);
          continue;
        }
        const r = byId.get(event.id);
        // Not run: the batch stopped at an earlier hold.
        if (!r) return false;
        // Cut short by abandon(), or not started after stop() drained the batch: neither
        // failed nor done, so the cursor stays before it.
        if (this.notRun(r)) return false;
        if (!this.apply(event, false, indexes, 1, r)) return false;
      }
    }
    return true;
  }

  /**
   * The host refuses to run when its plugin no longer loads (e.g. the worker could not be
   * restarted): the plugin shows as errored until a reload, and nothing is consumed.
   */
  private async runItems(items: RunItem[], attempt: number): Promise<RunResult[] | null> {
    try {
      return await this.hostRef.runBatch(items, { attempt });
    } catch (e) {
      this.loadError = (e as Error).message;
      this.callbacks = [];
      this.hooks.log('critical', this.loadError);
      this.hooks.changed(this);
      return null;
    }
  }

  /** Runs the matching callbacks on one late event; false if it could not finish. */
  private async deliver(event: EventLogEntry, late: boolean): Promise<boolean> {
    const indexes = this.matching(event);
    if (indexes.length === 0) {
      this.finish(event, late);
      return true;
    }
    const r = await this.attempt(event, late, indexes, 1);
    if (r === 'error') this.lateQueue.unshift({ event });
    return r === 'ok';
  }

  private async attempt(event: EventLogEntry, late: boolean, indexes: number[], attempt: number): Promise<'ok' | 'held' | 'error'> {
    const results = await this.runItems([{ event, callbackIndexes: indexes, late }], attempt);
    if (!results) return 'error';
    // Cut short by abandon() (see consume()): still owed, like an event that could not run.
    if (results[0] && this.notRun(results[0])) return 'error';
    return this.apply(event, late, indexes, attempt, results[0] ?? { eventId: event.id, outcomes: [] }) ? 'ok' : 'held';
  }

  private notRun(r: RunResult): boolean {
    return !!r.crashed && (this.abandoned || (this.stopped && r.outcomes.length === 0));
  }

  /** Records one event's result: failures listed or held, outcome reported, cursor moved. */
  private apply(event: EventLogEntry, late: boolean, indexes: number[], attempt: number, r: RunResult): boolean {
    let heldAt: CallbackOutcome | null = null;
    let totalMs = 0;
    const errors: string[] = [];
    for (const o of r.outcomes) {
      totalMs += o.durationMs;
      this.stats.recordDuration(o.durationMs);
      if (o.ok) continue;
      const cb = this.callbacks.find((c) => c.info.index === o.index);
      const message = o.error?.message ?? r.crashed ?? 'failed';
      errors.push(`${o.name}: ${message}`);
      this.lastError = `${o.name}: ${message}`;
      if (cb?.info.stopOnError === false) {
        this.recordFailed(event.id, o.name, message);
        // Logged (and so e-mailed) as the original logged every callback error; without
        // this a stopOnError=false failure showed only in the UI's failed list.
        this.hooks.log('error', `event ${event.id} failed in ${o.name} (stopOnError=false: recorded in the failed list, moving on): ${o.error?.stack ?? message}`, event.id);
      } else {
        heldAt = o;
      }
    }
    // A crashed worker may leave callbacks without an outcome: they did not finish.
    if (!heldAt && r.crashed && r.outcomes.length < indexes.length) {
      const missing = indexes.find((i) => !r.outcomes.some((o) => o.index === i))!;
      heldAt = { index: missing, name: this.callbacks.find((c) => c.info.index === missing)?.info.name ?? `#${missing}`, ok: false, startedAt: this.clock.now(), durationMs: 0, error: { message: r.crashed } };
      errors.push(`${heldAt.name}: ${r.crashed}`);
      this.lastError = `${heldAt.name}: ${r.crashed}`;
    }
    if (heldAt) {
      const remaining = indexes.slice(indexes.indexOf(heldAt.index));
      const message = heldAt.error?.message ?? r.crashed ?? 'failed';
      this.startHold(event, late, remaining, attempt, heldAt.name, message, heldAt.error?.stack);
      this.hooks.outcome(this, event, { status: 'held', durationMs: totalMs, error: errors.join('; '), late, attempt }, r.outcomes);
      return false;
    }
    this.stats.processed++;
    this.hooks.outcome(
      this,
      event,
      errors.length ? { status: 'failed', durationMs: totalMs, error: errors.join('; '), late, attempt } : { status: 'ok', durationMs: totalMs, late, attempt },
      r.outcomes,
    );
    this.finish(event, late);
    return true;
  }

  private finish(event: EventLogEntry, late: boolean): void {
    this.stats.lastCreatedAt = Math.max(this.stats.lastCreatedAt, Date.parse(event.created_at));
    if (late) this.position.settle(event.id);
    else this.advance(event.id, event.id);
    this.hooks.changed(this);
  }

  /** `attempts`: how many tries this failure stands for (a skipped hold: every attempt it had). */
  private recordFailed(eventId: number, callback: string, error: string, attempts = 1): void {
    this.stats.failedCount++;
    this.position.recordFailure(eventId, callback, error, attempts);
  }

  private startHold(event: EventLogEntry, late: boolean, remaining: number[], attempt: number, callback: string, error: string, stack?: string): void {
    this.clearHoldTimer();
    const delay = this.retryBackoffMs[attempt - 1];
    const nextRetryAt = delay === undefined ? null : this.clock.now() + delay;
    this.hold = { event, late, remaining, attempt, error, callback, nextRetryAt, cancel: null };
    // A late event's gap lies below the cursor: only an in-order event stops it.
    if (!late) this.position.hold(event.id);
    // The stack goes to the log and the mail, as the original logged the traceback.
    const trace = stack && stack.includes(error) ? `\n${stack}` : stack ? `\n${error}\n${stack}` : '';
    if (nextRetryAt !== null && !this.stopped) {
      this.hold.cancel = this.clock.after(delay!, () => this.wake());
      this.hooks.log('error', `holding at event ${event.id} (${callback}: ${error}); retry ${attempt} of ${this.retryBackoffMs.length} in ${delay! < 1000 ? `${delay} ms` : `${Math.round(delay! / 1000)} s`}${trace}`, event.id);
    } else {
      this.hooks.log('error', `holding at event ${event.id} (${callback}: ${error}); automatic retries used up, waiting for retry or skip${trace}`, event.id);
    }
    this.hooks.changed(this);
  }

  private clearHoldTimer(): void {
    this.hold?.cancel?.();
    if (this.hold) this.hold.cancel = null;
  }

  /** The hold ends (retry, skip, seek): the cursor may pass its event again. */
  private dropHold(): Hold | null {
    const h = this.hold;
    this.clearHoldTimer();
    this.hold = null;
    this.position.release();
    return h;
  }

  private async retryHold(): Promise<void> {
    const h = this.dropHold()!;
    const r = await this.attempt(h.event, h.late, h.remaining, h.attempt + 1);
    if (r === 'ok') this.hooks.log('info', `event ${h.event.id} succeeded on attempt ${h.attempt + 1}`, h.event.id);
    // Could not even run: keep holding, for the user (or a reload) to act.
    if (r === 'error') {
      this.hold = { ...h, nextRetryAt: null, cancel: null };
      if (!h.late) this.position.hold(h.event.id);
    }
  }

  // ------------------------------------------------------------------ control

  setPaused(paused: boolean): void {
    this.position.setPaused(paused);
    this.hooks.changed(this);
    this.wake();
  }

  setEnabled(enabled: boolean): void {
    this.position.setEnabled(enabled);
    this.hooks.changed(this);
    this.wake();
  }

  /** Retry the held event now (also after automatic retries ran out). */
  retryHeld(): void {
    if (!this.hold) throw new Error(`plugin ${this.name} is not holding an event`);
    this.clearHoldTimer();
    this.hold.nextRetryAt = this.clock.now();
    this.wake();
  }

  /** Give up on the held event: it goes to the failed list and the plugin moves on. */
  skipHeld(): number {
    if (!this.hold) throw new Error(`plugin ${this.name} is not holding an event`);
    const h = this.dropHold()!;
    this.recordFailed(h.event.id, h.callback, `skipped by user after ${h.attempt} attempt(s): ${h.error}`, h.attempt);
    this.finish(h.event, h.late);
    this.wake();
    return h.event.id;
  }

  /** Sets the cursor (the engine checks the plugin is paused and logs the audit entry). */
  setCursor(id: number): void {
    this.dropHold();
    this.position.seek(id);
    this.aheadError = null; // checked again against the site at the next poll
    this.lateQueue = this.lateQueue.filter((l) => l.event.id <= id);
    this.hooks.changed(this);
    this.wake();
  }

  /** Runs one event through the matching callbacks now, outside the cursor (replay/retry). */
  runOnce(event: EventLogEntry, onlyCallback?: string): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.priority.push(async () => {
        try {
          let indexes = this.matching(event);
          if (onlyCallback) indexes = this.callbacks.filter((c) => c.info.name === onlyCallback).map((c) => c.info.index);
          if (indexes.length === 0) return resolve({ status: 'skipped' });
          const [r = { eventId: event.id, outcomes: [] }] = await this.hostRef.runBatch([{ event, callbackIndexes: indexes }]);
          const errors = r.outcomes.filter((o) => !o.ok).map((o) => `${o.name}: ${o.error?.message ?? 'failed'}`);
          if (r.crashed && r.outcomes.length < indexes.length) errors.push(r.crashed);
          const durationMs = r.outcomes.reduce((a, o) => a + o.durationMs, 0);
          const outcome: Outcome = errors.length ? { status: 'failed', durationMs, error: errors.join('; ') } : { status: 'ok', durationMs };
          this.hooks.outcome(this, event, outcome, r.outcomes);
          resolve(outcome);
        } catch (e) {
          reject(e);
        }
      });
      this.wake();
    });
  }

  /** Retries a recorded failure; on success it leaves the failed list. */
  async retryFailed(event: EventLogEntry): Promise<Outcome> {
    const entries = this.position.failed.filter((f) => f.eventId === event.id).map((f) => ({ ...f }));
    if (entries.length === 0) throw new Error(`event ${event.id} is not in ${this.name}'s failed list`);
    let last: Outcome = { status: 'ok' };
    for (const f of entries) {
      const cb = f.callback;
      last = await this.runOnce(event, this.callbacks.some((c) => c.info.name === cb) ? cb : undefined);
      if (last.status === 'ok') this.position.clearFailure(f.eventId, cb);
      else this.position.recordFailure(f.eventId, cb, last.error ?? f.error);
    }
    this.hooks.changed(this);
    return last;
  }

  dismissFailed(eventId: number): void {
    this.position.dismissFailures(eventId);
    this.hooks.changed(this);
  }

  async close(): Promise<void> {
    await this.stop();
    await this.hostRef.close();
  }

  /**
   * Shutdown past the grace period: close the host now (a callback still running is
   * aborted, then its worker terminated) so the loop can end; close() alone would wait for
   * that callback forever. What it did not finish is left unrecorded and runs again next start.
   */
  async abandon(): Promise<void> {
    this.abandoned = true;
    this.stopped = true;
    this.clearHoldTimer();
    this.wake();
    await this.hostRef.close();
  }

  // ------------------------------------------------------------------ view

  get stateName(): PluginState {
    if (this.unloaded) return 'unloaded';
    if (this.loading) return 'loading';
    if (this.loadError || this.aheadError) return 'load_error';
    if (!this.position.enabled) return 'disabled';
    if (this.hold) return 'holding';
    if (this.position.paused) return 'paused';
    return 'running';
  }

  callbackViews(): CallbackView[] {
    return callbackViews(this.callbacks);
  }

  view(head: number, headCreatedAt: number): PluginView {
    const h = this.hold;
    return pluginView(
      {
        name: this.name,
        file: this.file,
        state: this.stateName,
        error: this.loadError ?? this.aheadError ?? (h ? `${h.callback}: ${h.error}` : this.lastError),
        held: h ? { eventId: h.event.id, callback: h.callback, error: h.error, attempt: h.attempt, nextRetryAt: h.nextRetryAt } : null,
        cursor: this.position,
        stats: this.stats,
        callbacks: this.callbacks,
      },
      head,
      headCreatedAt,
    );
  }
}
