// A page of events on its way to the plugin workers (docs/performance.md). The poller's
// page is JSON-encoded ONCE, into a SharedArrayBuffer, however many plugins and however
// many segments each runner cuts it into: a run message carries the shared bytes (posting
// them copies nothing), the positions of its events in the page, and its callback plan.
//
// Each event is encoded on its own, with its byte offset kept in the buffer, so that a
// worker parses an event only when its callbacks are about to run, from a string of that
// event alone: one string of a whole page (hundreds of KB) cost 2.5× as much to make and
// parse as the same bytes cut per event (docs/performance.md, "Throughput, round 5"). Each
// delivery parses afresh: workers share no objects, which is what keeps one plugin from
// touching another's events, and a retry never sees what a callback did to the event.
//
// Buffer layout: Uint32 offsets [count + 1] (event i is bytes [off[i], off[i+1]) of the
// data), then the UTF-8 JSON of the events back to back.

import type { EventLogEntry } from '../shotgun/types.js';

/** What a run message carries instead of its events. */
export interface WirePage {
  /** Unique per encoding. */
  id: number;
  /** Offsets then UTF-8 JSON of the page's events, shared by every worker it is sent to. */
  bytes: SharedArrayBuffer;
  /** Events in the page. */
  count: number;
  /** Every byte is ASCII: a worker decodes it as Latin-1 (a plain copy, no UTF-8 checks). */
  ascii: boolean;
  /** The run's events: positions in the page, or [from, to) when contiguous. */
  at: number[] | { from: number; to: number };
  /** Callback indexes per event, or one list when every event runs the same callbacks. */
  callbacks: number[] | number[][];
  /** Positions in the run (not the page) of the events delivered late (gap fillers). */
  late: number[];
}

interface PageItem {
  event: EventLogEntry;
  callbackIndexes: number[];
  late?: boolean;
}

interface Page {
  id: number;
  events: EventLogEntry[];
  encoded?: { bytes: SharedArrayBuffer; ascii: boolean };
}

let nextId = 1;
/** Where each registered event sits (events are shared objects: every runner gets the same). */
const where = new WeakMap<EventLogEntry, { page: Page; index: number }>();

/** Where `events` sit when they are exactly the events at [index, index + events.length) of one page. */
function coveredBy(events: EventLogEntry[]): { page: Page; index: number } | undefined {
  const first = where.get(events[0]!);
  if (!first) return undefined;
  const all = first.page.events;
  if (first.index + events.length > all.length) return undefined;
  for (let k = 1; k < events.length; k++) if (all[first.index + k] !== events[k]) return undefined;
  return first;
}

/**
 * Makes `events` (a runner's page from the shared window) the unit of encoding for runs of
 * any of its events. Runners at the same cursor get equal slices: a slice whose events all
 * sit in one registered page is already covered, so that page is encoded once for all.
 */
export function registerPage(events: EventLogEntry[]): void {
  if (events.length === 0 || coveredBy(events)) return;
  const page: Page = { id: nextId++, events };
  events.forEach((e, index) => where.set(e, { page, index }));
}

/**
 * Scratch space the events are encoded into before their exact-size shared buffer is made
 * (made on the first encoding: the workers import this file too, and never encode).
 */
let scratch: Buffer | null = null;

function encoded(page: Page): { bytes: SharedArrayBuffer; ascii: boolean } {
  if (page.encoded) return page.encoded;
  const n = page.events.length;
  scratch ??= Buffer.allocUnsafe(1 << 20);
  const offsets = new Uint32Array(n + 1);
  let at = 0;
  let chars = 0;
  for (let i = 0; i < n; i++) {
    const json = JSON.stringify(page.events[i]);
    if (typeof json !== 'string') throw new TypeError(`event ${String(page.events[i]?.id)} is not JSON data`);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: with that room, write() never truncates.
    if (scratch.length - at < json.length * 3) {
      const bigger = Buffer.allocUnsafe(Math.max(scratch.length * 2, at + json.length * 3));
      scratch.copy(bigger, 0, 0, at);
      scratch = bigger;
    }
    at += scratch.write(json, at);
    chars += json.length;
    offsets[i + 1] = at;
  }
  const head = (n + 1) * 4;
  const bytes = new SharedArrayBuffer(head + at);
  new Uint32Array(bytes, 0, n + 1).set(offsets);
  scratch.copy(Buffer.from(bytes, head, at), 0, 0, at);
  page.encoded = { bytes, ascii: chars === at };
  return page.encoded;
}

/** Throws a TypeError for an event that is not plain JSON data. */
export function encodePage(items: PageItem[]): WirePage {
  const events = items.map((it) => it.event);
  const home = coveredBy(events);
  let page: Page;
  let at: WirePage['at'];
  if (home) {
    page = home.page;
    at = { from: home.index, to: home.index + items.length };
  } else {
    const positions = events.map((e) => where.get(e));
    const first = positions[0]?.page;
    if (first && positions.every((p) => p?.page === first)) {
      // Some events of one page (the others matched no callback).
      page = first;
      at = positions.map((p) => p!.index);
    } else {
      // Events from no registered page (a replay, a single retry): a page of their own.
      page = { id: nextId++, events };
      at = { from: 0, to: items.length };
    }
  }
  const { bytes, ascii } = encoded(page);
  const one = items[0]!.callbackIndexes;
  const uniform = items.every(
    (it) => it.callbackIndexes === one || (it.callbackIndexes.length === one.length && it.callbackIndexes.every((c, i) => c === one[i])),
  );
  const late: number[] = [];
  items.forEach((it, i) => {
    if (it.late === true) late.push(i);
  });
  return { id: page.id, bytes, count: page.events.length, ascii, at, callbacks: uniform ? one : items.map((it) => it.callbackIndexes), late };
}

/** In the worker: one run's events, each parsed when asked for (a fresh object each time). */
export class DecodedRun {
  readonly size: number;
  private readonly offsets: Uint32Array;
  private readonly data: Buffer;
  private readonly late: ReadonlySet<number>;
  private readonly perEvent: boolean;

  constructor(private readonly p: WirePage) {
    this.size = Array.isArray(p.at) ? p.at.length : p.at.to - p.at.from;
    this.offsets = new Uint32Array(p.bytes, 0, p.count + 1);
    const head = (p.count + 1) * 4;
    this.data = Buffer.from(p.bytes, head, p.bytes.byteLength - head);
    this.late = new Set(p.late);
    this.perEvent = p.callbacks.length > 0 && Array.isArray(p.callbacks[0]);
  }

  /** The run's i-th event, parsed from its own bytes. */
  event(i: number): EventLogEntry {
    const at = this.p.at;
    const index = Array.isArray(at) ? at[i]! : at.from + i;
    const start = this.offsets[index]!;
    const end = this.offsets[index + 1]!;
    const text = this.data.toString(this.p.ascii ? 'latin1' : 'utf8', start, end);
    return JSON.parse(text) as EventLogEntry;
  }

  callbacks(i: number): number[] {
    return this.perEvent ? (this.p.callbacks as number[][])[i]! : (this.p.callbacks as number[]);
  }

  isLate(i: number): boolean {
    return this.late.size > 0 && this.late.has(i);
  }
}

export function decodePage(p: WirePage): DecodedRun {
  return new DecodedRun(p);
}
