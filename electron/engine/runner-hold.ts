// The event a plugin holds at after a failed callback (stopOnError), and its retry timer
// on the `retry_backoff` schedule (docs/engine.md). While an in-order event is held the
// cursor may not pass it (PluginCursor.hold).

import type { EventLogEntry } from '../shotgun/types.js';
import type { PluginCursor } from './plugin-cursor.js';
import type { RunnerClock } from './runner-types.js';

export interface Hold {
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

export type HoldStart = Omit<Hold, 'nextRetryAt' | 'cancel'> & { stack?: string };

export class HoldSlot {
  current: Hold | null = null;

  constructor(
    private readonly clock: RunnerClock,
    private readonly backoffMs: number[],
    private readonly cursor: PluginCursor,
    private readonly wake: () => void,
  ) {}

  /** Holds at an event; with `timer` a retry is scheduled if the schedule has one left. Returns the log line. */
  start(h: HoldStart, timer: boolean): string {
    this.clearTimer();
    const delay = this.backoffMs[h.attempt - 1];
    const nextRetryAt = delay === undefined ? null : this.clock.now() + delay;
    this.set({
      event: h.event,
      late: h.late,
      remaining: h.remaining,
      attempt: h.attempt,
      error: h.error,
      callback: h.callback,
      nextRetryAt,
      cancel: null,
    });
    const where = `holding at event ${h.event.id} (${h.callback}: ${h.error})`;
    // The stack goes to the log and the mail, as the original logged the traceback.
    const trace = h.stack && h.stack.includes(h.error) ? `\n${h.stack}` : h.stack ? `\n${h.error}\n${h.stack}` : '';
    if (delay === undefined || !timer) return `${where}; automatic retries used up, waiting for retry or skip${trace}`;
    this.current!.cancel = this.clock.after(delay, () => this.wake());
    const wait = delay < 1000 ? `${delay} ms` : `${Math.round(delay / 1000)} s`;
    return `${where}; retry ${h.attempt} of ${this.backoffMs.length} in ${wait}${trace}`;
  }

  /** Holds again after a retry that could not even run: for the user (or a reload) to act. */
  keep(h: Hold): void {
    this.set({ ...h, nextRetryAt: null, cancel: null });
  }

  /** Retry at the next turn of the loop (the user's retry, a reload). */
  retryNow(): void {
    if (!this.current) return;
    this.clearTimer();
    this.current.nextRetryAt = this.clock.now();
  }

  get due(): boolean {
    const at = this.current?.nextRetryAt;
    return at !== null && at !== undefined && at <= this.clock.now();
  }

  clearTimer(): void {
    this.current?.cancel?.();
    if (this.current) this.current.cancel = null;
  }

  /** The hold ends (retry, skip, seek): the cursor may pass its event again. */
  drop(): Hold | null {
    const h = this.current;
    this.clearTimer();
    this.current = null;
    this.cursor.release();
    return h;
  }

  private set(h: Hold): void {
    this.current = h;
    // A late event's gap lies below the cursor: only an in-order event stops it.
    if (!h.late) this.cursor.hold(h.event.id);
  }
}
