// The poll loop and the connection to ShotGrid: polls (poller.ts) into the shared window
// (window.ts), wakes the runners, hands late events to them, evicts what every plugin has
// passed, and keeps the connection state the UI shows. A failed request is retried on the
// connection backoff (docs/architecture.md, "Retries: one policy"): quietly while it is
// retriable, with an ERROR every `max_conn_retries` attempts or at once when it is not.
//
// Two positions, never confused (docs/engine.md, "Polling, gaps and late events"): the
// poller's `readPosition` is where polling reads from (the window's `head` follows it);
// `siteNewest` and the state's `headId` are the newest event id seen on the site.

import type { ConnectionState } from '../contract.js';
import { backoffDelay, isRetriable } from '../retry.js';
import { ShotgunError } from '../shotgun/errors.js';
import type { ConnectionEvent } from '../shotgun/transport.js';
import type { EventLogEntry } from '../shotgun/types.js';
import type { DaemonConfig } from './config.js';
import { describeIds } from './gaps.js';
import type { Logger } from './logging.js';
import type { Poller } from './poller.js';
import { RetryLog } from './retry-log.js';
import type { PluginRunner } from './runner.js';
import type { StateStore } from './state.js';
import type { EventWindow } from './window.js';

const RECENT_LATE_MS = 15 * 60_000;
const RATE_WINDOW_MS = 10_000;
/**
 * How long the slowest plugin may go without moving, the window full, before the window
 * makes room past it. Longer than a segment of work (~100 ms, runner.ts) on a loaded
 * machine, so a plugin that is only slow is not evicted past (docs/performance.md).
 */
const STALL_MS = 2_000;

export interface PollLoopOptions {
  daemon: DaemonConfig;
  poller: Poller;
  window: EventWindow;
  state: StateStore;
  log: Logger;
  runners: () => Iterable<PluginRunner>;
  /** A plugin's cursor is past the site's newest event: flag it (engine.ts, cursorAhead). */
  cursorAhead: (r: PluginRunner, siteNewest: number) => void;
  /** New events and late ones, for the UI. */
  onEvents: (events: EventLogEntry[], late: boolean) => void;
  /** The engine view changed (connection, head, rate). */
  changed: () => void;
}

export class PollLoop {
  private connection: ConnectionState = 'connecting';
  private connectionError: string | null = null;
  private stopping = false;
  private pollWake: (() => void) | null = null;
  /** The window is full and the loop waits for the slowest plugin to make room (run()). */
  private waitingForRoom = false;
  /** The slowest running plugin's cursor when the window was last found full, and since when it has not moved. */
  private stall: { cursor: number | null; since: number } = { cursor: null, since: 0 };
  private stopWaiters = new Set<() => void>();
  private loop: Promise<void> | null = null;
  private rate: number[] = [];
  private recentLate = new Map<number, { event: EventLogEntry; at: number }>();
  /** The client's retries as throttled WARNING lines (retry-log.ts). */
  private readonly retryLog: RetryLog;
  /** The newest event id known to exist on the site: a cursor beyond it is ahead (checkAhead). */
  siteNewest = 0;

  constructor(private readonly o: PollLoopOptions) {
    this.retryLog = new RetryLog((l) => o.log.warning(l));
  }

  get state(): { connection: ConnectionState; connectionError: string | null } {
    return { connection: this.connection, connectionError: this.connectionError };
  }

  /** Events per second over the last 10 s. */
  get eventsPerSecond(): number {
    return Math.round((this.rate.length / (RATE_WINDOW_MS / 1000)) * 10) / 10;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the loop and every wait (a start still retrying its first connection too). */
  halt(): void {
    this.stopping = true;
    this.pollWake?.();
    for (const w of [...this.stopWaiters]) w();
  }

  async join(): Promise<void> {
    await this.loop;
  }

  /** Says what the retry log kept quiet (once the client is closed: no retry comes after). */
  flushRetryLog(): void {
    this.retryLog.flush();
  }

  /** Late events seen in the last 15 minutes with ids strictly between the two (a runner's recentLate hook). */
  recentLateBetween(from: number, to: number): EventLogEntry[] {
    const out: EventLogEntry[] = [];
    for (const [id, l] of this.recentLate) if (id > from && id < to) out.push(l.event);
    return out;
  }

  /** The client's connection reports: connection state for the UI, and a WARNING per request timeout. */
  onConnectionEvent(e: ConnectionEvent): void {
    if (e.kind === 'ok') this.setConnection('connected', null);
    else if (e.kind === 'retry') {
      this.setConnection('retrying', e.reason);
      this.retryLog.note(e);
    } else if (e.kind === 'error' && e.timedOut) {
      this.o.log.warning(
        `${e.method} ${e.url}: ${e.error.message}; giving up on this request: ${this.stopping ? 'stopping' : 'the engine retries it on its connection backoff'} (raise [shotgun] timeout if the site is just slow).`,
      );
    }
  }

  /** Runs `fn` until it succeeds, on the connection backoff; throws only once stopping. */
  async withRetries<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await fn();
        this.setConnection('connected', null);
        return r;
      } catch (e) {
        if (this.stopping) throw e;
        await this.connectionFailed(what, e as Error, attempt, (ms) => this.stoppableDelay(ms));
      }
    }
  }

  /**
   * Plugins whose cursor is past the site's newest event (the config pointed at another
   * site, a site restored from a backup) would get nothing, silently: each is flagged.
   * Called at start and on every poll.
   */
  checkAhead(): void {
    for (const r of this.o.runners()) {
      if (r.cursor <= this.siteNewest || r.cursorAhead) continue;
      this.o.cursorAhead(r, this.siteNewest);
    }
  }

  /**
   * Drops window events every running plugin has passed. With `stalled`, when the window is
   * full and one plugin idles at head, makes room anyway, past the slowest plugin: only
   * after that plugin has not moved for STALL_MS (run()). A plugin that is still moving
   * keeps its events: evicted, it would read them all again from the site
   * (docs/performance.md, "Batch 5000: the slow plugin re-read its events").
   */
  evict(stalled = false): void {
    const w = this.o.window;
    // Runs each time a plugin finishes an event while the window is full (readerMoved):
    // one pass, no arrays.
    let slowest = Number.POSITIVE_INFINITY;
    let fastest = Number.NEGATIVE_INFINITY;
    for (const r of this.o.runners()) {
      if (!r.active) continue;
      if (r.cursor < slowest) slowest = r.cursor;
      if (r.cursor > fastest) fastest = r.cursor;
    }
    if (slowest === Number.POSITIVE_INFINITY) {
      w.evict(w.head, w.capacity);
      return;
    }
    // Not capped at the capacity: a poll may overfill the window by up to one page, and
    // capping would drop the slowest plugin's next events (it would read them from the site).
    w.evict(slowest, Number.POSITIVE_INFINITY);
    if (stalled && w.full && fastest >= w.head) w.evict(slowest, Math.floor(w.capacity / 2));
  }

  /** A plugin moved (or paused, or stopped): if the poll loop waits for room, see whether there is some now. */
  readerMoved(): void {
    if (!this.waitingForRoom) return;
    this.evict();
    if (!this.o.window.full) this.pollWake?.();
  }

  /** The slowest running plugin's cursor, or null when none runs. */
  private slowestCursor(): number | null {
    let slowest: number | null = null;
    for (const r of this.o.runners()) if (r.active && (slowest === null || r.cursor < slowest)) slowest = r.cursor;
    return slowest;
  }

  /** A wait that ends early when the engine stops. */
  private stoppableDelay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.stopWaiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.stopWaiters.add(done);
    });
  }

  private async connectionFailed(what: string, e: Error, attempt: number, sleep = (ms: number) => this.pollSleep(ms)): Promise<void> {
    const d = this.o.daemon;
    const permanent = e instanceof ShotgunError && !isRetriable(e);
    this.setConnection(permanent ? 'error' : 'retrying', e.message);
    if (permanent || attempt % d.maxConnRetries === 0) {
      this.o.log.error(`Unable to ${what} (attempt ${attempt}): ${e.message}; waiting ${d.connRetrySleepMs / 1000} s`);
      await sleep(d.connRetrySleepMs);
    } else {
      this.o.log.warning(`Unable to connect to SG (attempt ${attempt % d.maxConnRetries} of ${d.maxConnRetries}): ${e.message}`);
      await sleep(backoffDelay(attempt % d.maxConnRetries, { baseMs: 2000, maxMs: d.connRetrySleepMs, jitter: 'narrow' }));
    }
  }

  private setConnection(state: ConnectionState, error: string | null): void {
    if (this.connection === state && this.connectionError === error) return;
    this.connection = state;
    this.connectionError = error;
    this.o.changed();
  }

  private pollSleep(ms: number): Promise<void> {
    // stop() during an in-flight poll found no sleep to wake: do not start one now, or
    // shutdown waits a whole fetch_interval.
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.pollWake = done;
    });
  }

  private async run(): Promise<void> {
    const { window, poller, daemon } = this.o;
    let failures = 0;
    while (!this.stopping) {
      // Nobody is reading: let the runners drain before reading further.
      if (window.full && window.size > 0) {
        this.evict();
        if (window.full) {
          // Wait for the slowest plugin to move (readerMoved() ends the wait early); one that
          // has not moved for STALL_MS is passed over (evict()).
          const slowest = this.slowestCursor();
          const now = Date.now();
          if (slowest !== this.stall.cursor) this.stall = { cursor: slowest, since: now };
          const left = this.stall.since + STALL_MS - now;
          if (left > 0) {
            this.waitingForRoom = true;
            await this.pollSleep(left);
            this.waitingForRoom = false;
            continue;
          }
          this.evict(true);
          if (window.full) await this.pollSleep(daemon.fetchIntervalMs);
          continue;
        }
      }
      let full: boolean;
      try {
        const r = await poller.poll();
        failures = 0;
        this.setConnection('connected', null);
        if (r.readPosition > this.siteNewest) this.siteNewest = r.readPosition;
        this.checkAhead();
        full = r.full;
        this.onPoll(r.events, r.late, r.readPosition, r.neverHappened, r.expired, r.opened);
      } catch (e) {
        if (this.stopping) break;
        failures++;
        await this.connectionFailed('poll for events', e as Error, failures);
        continue;
      }
      if (!full) await this.pollSleep(daemon.fetchIntervalMs);
    }
  }

  private onPoll(events: EventLogEntry[], late: EventLogEntry[], readTo: number, never: number[], expired: number[], opened: number[]): void {
    const { window, state, log } = this.o;
    if (events.length) {
      log.debug(`Got ${events.length} events: ${events[0]!.id} to ${events[events.length - 1]!.id}.`);
      this.countRate(events.length);
    }
    window.append(events, readTo);
    if (readTo > (state.data.headId ?? 0)) state.data.headId = readTo;
    if (opened.length) log.debug(`Waiting for missing event ids ${describeIds(opened)} (gap timeout ${this.o.daemon.backlogTimeoutMs / 1000} s).`);
    if (never.length) log.info(`Events ${describeIds(never)} never happened - ignoring.`);
    for (const e of late) {
      log.info(`Late event ${e.id} arrived (${e.event_type}).`);
      window.insertLate(e);
      this.recentLate.set(e.id, { event: e, at: Date.now() });
      for (const r of this.o.runners()) r.offerLate(e);
    }
    if (expired.length) {
      log.warning(`Timeout elapsed on backlog event ids ${describeIds(expired)}: they never arrived.`);
      for (const r of this.o.runners()) r.forgetGaps(expired);
      state.markDirty();
    }
    this.pruneRecentLate();
    this.o.onEvents(events, false);
    this.o.onEvents(late, true);
    for (const r of this.o.runners()) r.wake();
    this.evict();
    this.o.changed();
  }

  private pruneRecentLate(): void {
    const cutoff = Date.now() - RECENT_LATE_MS;
    for (const [id, l] of this.recentLate) if (l.at < cutoff) this.recentLate.delete(id);
  }

  private countRate(n: number): void {
    const now = Date.now();
    for (let i = 0; i < n; i++) this.rate.push(now);
    const cutoff = now - RATE_WINDOW_MS;
    let k = 0;
    while (k < this.rate.length && this.rate[k]! < cutoff) k++;
    if (k) this.rate.splice(0, k);
  }
}
