// One plugin's consumer: its cursor, its walk through the event stream in id order, its
// hold-and-retry on failure, its failed-events list, and the late events it still owes.
// The cursor only moves past an event once every matching callback finished with it (or
// the user skipped it), so nothing is lost; it is saved in batches by the state store.

import type { EventLogEntry } from '../shotgun/types.js';
import type { CallbackView, Outcome, PluginState, PluginView } from '../contract.js';
import type { GapRegistry } from './gaps.js';
import type { RunItem } from './plugin-host.js';
import type { RunResult } from './plugin-protocol.js';
import { PluginCursor } from './plugin-cursor.js';
import type { SavedPluginState } from './state.js';
import { registerPage } from './page-codec.js';
import { RunnerStats } from './runner-stats.js';
import { HoldSlot, type Hold } from './runner-hold.js';
import { callbackEventTypes, compileCallbacks, matchingIndexes, nextSegment, type Matchable } from './runner-callbacks.js';
import { retryFailures, runOutside } from './runner-replay.js';
import { Wakeup } from './runner-wakeup.js';
import { judge } from './runner-verdict.js';
import { callbackViews, pluginView, type CompiledCallback } from './runner-view.js';
import { systemClock, type EventSource, type HostLike, type RunnerClock, type RunnerHooks, type RunnerOptions } from './runner-types.js';

export type { EventSource, HostLike, RunnerHooks } from './runner-types.js';

const PAGE = 500;
const LISTED = 'recorded in the failed list, moving on';

export class PluginRunner {
  private callbacks: CompiledCallback[] = [];
  private loadError: string | null = null;
  /** The cursor is past the site's newest event (PollLoop.checkAhead): nothing runs until it is moved. */
  private aheadError: string | null = null;
  private loading = false;
  private readonly holds: HoldSlot;
  private lateQueue: Array<{ event: EventLogEntry }> = [];
  private priority: Array<() => Promise<void>> = [];
  private readonly wakeup = new Wakeup();
  private stopped = false;
  /** Closed past the engine's grace period: unfinished events are not recorded (they run again next start). */
  private abandoned = false;
  private loop: Promise<void> | null = null;
  private lastError: string | null = null;
  private readonly stats = new RunnerStats();
  /** The one writer of this plugin's saved state (plugin-cursor.ts). */
  private readonly position: PluginCursor;
  private readonly clock: RunnerClock;
  /** The last callback list matching() handed out (see there). */
  private lastMatch: number[] = [];
  unloaded = false;

  constructor(
    readonly name: string,
    readonly file: string,
    readonly hostRef: HostLike,
    saved: SavedPluginState,
    private source: EventSource,
    gaps: GapRegistry,
    retryBackoffMs: number[],
    private hooks: RunnerHooks,
    opts: RunnerOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.position = new PluginCursor(saved, gaps, {
      dirty: () => hooks.dirty(),
      recentLate: (from, to) => hooks.recentLate(from, to),
      now: () => this.clock.now(),
    });
    this.holds = new HoldSlot(this.clock, retryBackoffMs, this.position, () => this.wake());
  }

  private get hold(): Hold | null {
    return this.holds.current;
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
    return callbackEventTypes(this.callbacks);
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
    ({ callbacks: this.callbacks, error: this.loadError } = compileCallbacks(r));
    if (!r.ok) this.hooks.log('critical', r.error);
    // A reload retries the held event at once (docs/engine.md).
    if (this.hold && !this.loadError) {
      this.holds.retryNow();
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
    this.holds.clearTimer();
    this.wake();
    await this.loop;
  }

  wake(): void {
    this.wakeup.wake();
  }

  private sleep(): Promise<void> {
    return this.wakeup.sleep(this.stopped);
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
  accepts(event: Matchable): boolean {
    return this.matching(event).length > 0;
  }

  private matching(event: Matchable): number[] {
    const m = matchingIndexes(this.callbacks, event, this.hooks.ignoredUsers());
    // Most events of a page run the same callbacks: one array (never mutated) for all of them,
    // so a segment waiting on its worker holds no array per event and the codec sees one plan.
    if (m.length === this.lastMatch.length && m.every((c, i) => c === this.lastMatch[i])) return this.lastMatch;
    this.lastMatch = m;
    return m;
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
        if (this.holds.due && this.position.enabled && !this.position.paused) {
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

  /** Delivers events in order, in batches; false if interrupted or now holding. */
  private async consume(events: EventLogEntry[]): Promise<boolean> {
    registerPage(events); // encoded once for every plugin's segments of it (page-codec.ts)
    let i = 0;
    while (i < events.length) {
      if (this.interrupted) return false;
      const segment = nextSegment(events, i, this.stats.batchSize(PAGE), (e) => this.matching(e));
      i += segment.length;
      const items = segment.filter((x) => x.callbackIndexes.length);
      const results = items.length ? await this.runItems(items, 1) : [];
      if (!results) return false;
      // One result per item run, in order (HostLike.runBatch); it stops early at a hold.
      let k = 0;
      for (const { event, callbackIndexes: indexes } of segment) {
        if (indexes.length === 0) {
          this.finish(event, false);
          continue;
        }
        const r = results[k++];
        // Not run: the batch stopped at an earlier hold.
        if (r?.eventId !== event.id) return false;
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
    for (const o of r.outcomes) this.stats.recordDuration(o.durationMs);
    const { heldAt, listed, errors, totalMs } = judge(r, indexes, this.callbacks, this.clock);
    if (errors.length) this.lastError = errors[errors.length - 1]!;
    for (const f of listed) {
      this.recordFailed(event.id, f.name, f.message);
      // Logged (and so e-mailed) as the original logged every callback error.
      this.hooks.log('error', `event ${event.id} failed in ${f.name} (stopOnError=false: ${LISTED}): ${f.stack ?? f.message}`, event.id);
    }
    if (heldAt) {
      const remaining = indexes.slice(indexes.indexOf(heldAt.index));
      const message = heldAt.error?.message ?? r.crashed ?? 'failed';
      const line = this.holds.start(
        { event, late, remaining, attempt, callback: heldAt.name, error: message, stack: heldAt.error?.stack },
        !this.stopped,
      );
      this.hooks.log('error', line, event.id);
      this.hooks.changed(this);
      this.hooks.outcome(this, event, { status: 'held', durationMs: totalMs, error: errors.join('; '), late, attempt }, r.outcomes);
      return false;
    }
    this.stats.processed++;
    this.hooks.outcome(
      this,
      event,
      errors.length
        ? { status: 'failed', durationMs: totalMs, error: errors.join('; '), late, attempt }
        : { status: 'ok', durationMs: totalMs, late, attempt },
      r.outcomes,
    );
    this.finish(event, late);
    return true;
  }

  private finish(event: EventLogEntry, late: boolean): void {
    this.stats.noteCreatedAt(event.created_at);
    if (late) this.position.settle(event.id);
    else this.advance(event.id, event.id);
    this.hooks.changed(this);
  }

  /** `attempts`: how many tries this failure stands for (a skipped hold: every attempt it had). */
  private recordFailed(eventId: number, callback: string, error: string, attempts = 1): void {
    this.stats.failedCount++;
    this.position.recordFailure(eventId, callback, error, attempts);
  }

  private async retryHold(): Promise<void> {
    const h = this.holds.drop()!;
    const r = await this.attempt(h.event, h.late, h.remaining, h.attempt + 1);
    if (r === 'ok') this.hooks.log('info', `event ${h.event.id} succeeded on attempt ${h.attempt + 1}`, h.event.id);
    // Could not even run: keep holding, for the user (or a reload) to act.
    if (r === 'error') this.holds.keep(h);
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
    this.holds.retryNow();
    this.wake();
  }

  /** Give up on the held event: it goes to the failed list and the plugin moves on. */
  skipHeld(): number {
    if (!this.hold) throw new Error(`plugin ${this.name} is not holding an event`);
    const h = this.holds.drop()!;
    this.recordFailed(h.event.id, h.callback, `skipped by user after ${h.attempt} attempt(s): ${h.error}`, h.attempt);
    this.finish(h.event, h.late);
    this.wake();
    return h.event.id;
  }

  /** Sets the cursor (the engine checks the plugin is paused and logs the audit entry). */
  setCursor(id: number): void {
    this.holds.drop();
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
          const { outcome, outcomes } = await runOutside(this.hostRef, event, indexes);
          this.hooks.outcome(this, event, outcome, outcomes);
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
    const loaded = (cb: string) => this.callbacks.some((c) => c.info.name === cb);
    const last = await retryFailures(this.position, event, loaded, (e, cb) => this.runOnce(e, cb)).catch((e: Error) => {
      throw new Error(`${this.name}: ${e.message}`);
    });
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
    this.holds.clearTimer();
    this.wake();
    await this.hostRef.close();
  }

  // ------------------------------------------------------------------ view

  get stateName(): PluginState {
    const s = this.unloaded ? 'unloaded' : this.loading ? 'loading' : this.loadError || this.aheadError ? 'load_error' : null;
    return s ?? (!this.position.enabled ? 'disabled' : this.hold ? 'holding' : this.position.paused ? 'paused' : 'running');
  }

  callbackViews(): CallbackView[] {
    return callbackViews(this.callbacks);
  }

  view(head: number, headCreatedAt: number): PluginView {
    const { name, file, stateName: state, position: cursor, stats, callbacks, hold } = this;
    const error = this.loadError ?? this.aheadError ?? (hold ? `${hold.callback}: ${hold.error}` : this.lastError);
    return pluginView({ name, file, state, error, hold, cursor, stats, callbacks }, head, headCreatedAt);
  }
}
