// A page of events on its way to the plugin workers (docs/performance.md). The poller's
// page is JSON-encoded ONCE, into a SharedArrayBuffer, however many plugins and however
// many segments each runner cuts it into: a run message carries the shared bytes (posting
// them copies nothing), the positions of its events in the page, and its callback plan.
// Each worker parses a page once and hands out its events from that parse: workers share
// no objects, which is what keeps one plugin from touching another's events.

import type { EventLogEntry } from '../shotgun/types.js';
import type { WireItem } from './plugin-protocol.js';

/** What a run message carries instead of its events. */
export interface WirePage {
  /** Unique per encoding: a worker re-parses only when it changes. */
  id: number;
  /** UTF-8 JSON of the page's events (an array), shared by every worker it is sent to. */
  bytes: SharedArrayBuffer;
  length: number;
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
  bytes?: SharedArrayBuffer;
  length?: number;
}

let nextId = 1;
/** Where each registered event sits (events are shared objects: every runner gets the same). */
const where = new WeakMap<EventLogEntry, { page: Page; index: number }>();

/**
 * Makes `events` (a runner's page from the shared window) the unit of encoding for runs of
 * any of its events. Runners at the same cursor get equal slices: a slice whose events all
 * sit in one registered page is already covered, so that page is encoded once for all.
 */
export function registerPage(events: EventLogEntry[]): void {
  if (events.length === 0) return;
  const home = where.get(events[0]!)?.page;
  if (home && events.every((e) => where.get(e)?.page === home)) return;
  const page: Page = { id: nextId++, events };
  events.forEach((e, index) => where.set(e, { page, index }));
}

function encoded(page: Page): Required<Page> {
  if (!page.bytes) {
    const json = JSON.stringify(page.events);
    if (typeof json !== 'string') throw new TypeError('the events are not JSON data');
    page.length = Buffer.byteLength(json);
    page.bytes = new SharedArrayBuffer(page.length);
    Buffer.from(page.bytes).write(json);
  }
  return page as Required<Page>;
}

/** Throws a TypeError for an event that is not plain JSON data. */
export function encodePage(items: PageItem[]): WirePage {
  const home = where.get(items[0]!.event)?.page;
  let page: Required<Page>;
  let at: WirePage['at'];
  const positions = home ? items.map((it) => where.get(it.event)) : [];
  if (home && positions.every((p) => p?.page === home)) {
    page = encoded(home);
    const idx = positions.map((p) => p!.index);
    const contiguous = idx.every((v, i) => v === idx[0]! + i);
    at = contiguous ? { from: idx[0]!, to: idx[0]! + idx.length } : idx;
  } else {
    // Events from no registered page (a replay, a single retry): a page of their own.
    page = encoded({ id: nextId++, events: items.map((it) => it.event) });
    at = { from: 0, to: items.length };
  }
  const one = items[0]!.callbackIndexes;
  const uniform = items.every((it) => it.callbackIndexes.length === one.length && it.callbackIndexes.every((c, i) => c === one[i]));
  const late: number[] = [];
  items.forEach((it, i) => {
    if (it.late === true) late.push(i);
  });
  return { id: page.id, bytes: page.bytes, length: page.length, at, callbacks: uniform ? one : items.map((it) => it.callbackIndexes), late };
}

/** In the worker: the last page parsed, and which of its events were handed out already. */
let parsed: { id: number; events: EventLogEntry[]; given: Uint8Array } | null = null;

/** In the worker: the run's items, from the page parsed once (again if an event comes twice, e.g. a retry). */
export function decodePage(p: WirePage): WireItem[] {
  const idx = Array.isArray(p.at) ? p.at : Array.from({ length: p.at.to - p.at.from }, (_, i) => (p.at as { from: number }).from + i);
  if (!parsed || parsed.id !== p.id || idx.some((i) => parsed!.given[i] === 1)) {
    const events = JSON.parse(Buffer.from(p.bytes, 0, p.length).toString('utf8')) as EventLogEntry[];
    parsed = { id: p.id, events, given: new Uint8Array(events.length) };
  }
  const page = parsed;
  const late = new Set(p.late);
  const per = p.callbacks.length > 0 && Array.isArray(p.callbacks[0]);
  return idx.map((index, i) => {
    page.given[index] = 1;
    return {
      event: page.events[index]!,
      callbacks: per ? (p.callbacks as number[][])[i]! : (p.callbacks as number[]),
      late: late.has(i),
    };
  });
}
