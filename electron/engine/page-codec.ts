// A page of events on its way to the plugin workers (docs/performance.md): the events'
// JSON is made ONCE per page and put in a SharedArrayBuffer, so posting it to each of N
// workers copies nothing; per plugin only the callback plan travels (usually one small
// array: "these callbacks on every event"). Each worker parses the bytes itself: workers
// share no objects, which is what keeps one plugin from touching another's events.

import type { EventLogEntry } from '../shotgun/types.js';
import type { WireItem } from './plugin-protocol.js';

/** What a run message carries instead of its events. */
export interface WirePage {
  /** UTF-8 JSON of the page's events (an array), shared by every worker it is sent to. */
  bytes: SharedArrayBuffer;
  length: number;
  /** Callback indexes per event, or one list when every event runs the same callbacks. */
  callbacks: number[] | number[][];
  /** Positions of the events delivered late (gap fillers). */
  late: number[];
}

interface PageItem {
  event: EventLogEntry;
  callbackIndexes: number[];
  late?: boolean;
}

/** The last page encoded, keyed by its first event (the engine hands every runner the same objects). */
const pages = new WeakMap<EventLogEntry, { events: EventLogEntry[]; bytes: SharedArrayBuffer; length: number }>();

function sameEvents(a: EventLogEntry[], items: PageItem[]): boolean {
  if (a.length !== items.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== items[i]!.event) return false;
  return true;
}

/** Throws a TypeError for an event that is not plain JSON data. */
export function encodePage(items: PageItem[]): WirePage {
  const first = items[0]!.event;
  let page = pages.get(first);
  if (!page || !sameEvents(page.events, items)) {
    const events = items.map((it) => it.event);
    const json = JSON.stringify(events);
    if (typeof json !== 'string') throw new TypeError('the events are not JSON data');
    const length = Buffer.byteLength(json);
    const bytes = new SharedArrayBuffer(length);
    Buffer.from(bytes).write(json);
    page = { events, bytes, length };
    pages.set(first, page);
  }
  const one = items[0]!.callbackIndexes;
  const uniform = items.every((it) => it.callbackIndexes.length === one.length && it.callbackIndexes.every((c, i) => c === one[i]));
  const late: number[] = [];
  items.forEach((it, i) => {
    if (it.late === true) late.push(i);
  });
  return { bytes: page.bytes, length: page.length, callbacks: uniform ? one : items.map((it) => it.callbackIndexes), late };
}

/** In the worker: the page's items, parsed from the shared bytes. */
export function decodePage(p: WirePage): WireItem[] {
  const events = JSON.parse(Buffer.from(p.bytes, 0, p.length).toString('utf8')) as EventLogEntry[];
  const late = new Set(p.late);
  const per = p.callbacks.length > 0 && Array.isArray(p.callbacks[0]);
  return events.map((event, i) => ({
    event,
    callbacks: per ? (p.callbacks as number[][])[i]! : (p.callbacks as number[]),
    late: late.has(i),
  }));
}
