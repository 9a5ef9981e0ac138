// The shared window of recently polled events. Plugins read their next events from it,
// so one poll serves every plugin; a plugin behind the window's start (paused, rewound,
// slow) reads from the server instead until it catches up. Bounded: old events go.

import type { EventLogEntry } from '../shotgun/types.js';

export class EventWindow {
  private events: EventLogEntry[] = [];
  /**
   * Every event with id in (from, head] that the poller saw is in the window; below
   * `from` it is incomplete and readers must go to the server.
   */
  from: number;
  head: number;

  constructor(
    start: number,
    readonly capacity: number,
  ) {
    this.from = start;
    this.head = start;
  }

  get size(): number {
    return this.events.length;
  }

  get full(): boolean {
    return this.events.length >= this.capacity;
  }

  /** Starts over at `start`: after the pushed-down type filter changed, old contents lie. */
  reset(start: number): void {
    this.events = [];
    this.from = start;
    this.head = start;
  }

  /** Appends a poll's new events (ids above head) and moves head. */
  append(events: EventLogEntry[], head: number): void {
    for (const e of events) if (e.id > this.head) this.events.push(e);
    this.head = Math.max(this.head, head);
  }

  /** Inserts a gap filler in id order, if it falls inside the window. */
  insertLate(e: EventLogEntry): void {
    if (e.id <= this.from || e.id > this.head) return;
    const i = this.indexAfter(e.id - 1);
    if (this.events[i]?.id === e.id) return;
    this.events.splice(i, 0, e);
  }

  private indexAfter(id: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.id <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  covers(after: number): boolean {
    return after >= this.from;
  }

  /**
   * Up to `limit` events with id > after, and the id through which that answer is
   * complete (a reader that handled them all may move its cursor there).
   */
  read(after: number, limit: number): { events: EventLogEntry[]; upTo: number } {
    const i = this.indexAfter(after);
    const events = this.events.slice(i, i + limit);
    const more = i + limit < this.events.length;
    return { events, upTo: more ? events[events.length - 1]!.id : this.head };
  }

  get(id: number): EventLogEntry | undefined {
    const i = this.indexAfter(id - 1);
    const e = this.events[i];
    return e?.id === id ? e : undefined;
  }

  /** Drops events every reader has passed (`through`), or the oldest beyond `keep`. */
  evict(through: number, keep = this.capacity): void {
    let n = this.indexAfter(through);
    if (this.events.length - n > keep) n = this.events.length - keep;
    if (n <= 0) return;
    this.from = Math.max(this.from, this.events[n - 1]!.id);
    this.events.splice(0, n);
  }
}
