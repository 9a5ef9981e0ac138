// The shared window of recently polled events. Plugins read their next events from it,
// so one poll serves every plugin; a plugin behind the window's start (paused, rewound,
// slow) reads from the server instead until it catches up. Bounded: old events go.

import type { EventLogEntry } from '../shotgun/types.js';

export class EventWindow {
  /** The events are events[start..]: evicting moves `start` (compacted now and then), not the array. */
  private events: EventLogEntry[] = [];
  private start = 0;
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
    return this.events.length - this.start;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /** Starts over at `start`: after the pushed-down type filter changed, old contents lie. */
  reset(start: number): void {
    this.events = [];
    this.start = 0;
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

  /** The index in `events` of the first held event with id > `id`. */
  private indexAfter(id: number): number {
    let lo = this.start;
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

  /**
   * Drops events every reader has passed (`through`), or the oldest beyond `keep`. Called as
   * often as a plugin finishes an event (PollLoop.readerMoved): it only moves `start`, and
   * the array is compacted once the dropped part is as large as what is held.
   */
  evict(through: number, keep = this.capacity): void {
    let n = this.indexAfter(through);
    if (this.events.length - n > keep) n = this.events.length - keep;
    if (n <= this.start) return;
    this.from = Math.max(this.from, this.events[n - 1]!.id);
    this.events.fill(undefined as unknown as EventLogEntry, this.start, n); // the dropped events may be collected
    this.start = n;
    if (this.start >= 1024 && this.start >= this.events.length - this.start) {
      this.events = this.events.slice(this.start);
      this.start = 0;
    }
  }
}
