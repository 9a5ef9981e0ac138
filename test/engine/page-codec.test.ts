// The page codec: a page encoded once for every plugin and every segment of it, each
// worker reading its own copy of the events back with its callback plan, one event at a time.
import { describe, expect, it } from 'vitest';
import { decodePage, encodePage, registerPage, type WirePage } from '../../electron/engine/page-codec.js';
import type { EventLogEntry } from '../../electron/shotgun/types.js';

const event = (id: number): EventLogEntry => ({
  id,
  event_type: 'Shotgun_Task_Change',
  attribute_name: 'sg_status_list',
  meta: { type: 'attribute_change', attribute_name: 'sg_status_list', old_value: 'ip', new_value: 'fin', entity_id: 7, entity_type: 'Task' },
  entity: { type: 'Task', id: 7, name: 'Anim – é' },
  user: { type: 'HumanUser', id: 3, name: 'Ann' },
  project: { type: 'Project', id: 1, name: 'Demo' },
  session_uuid: '5e55-0001',
  created_at: '2026-01-01T00:00:00Z',
});

const items = (events: EventLogEntry[], callbackIndexes = [0]) => events.map((e) => ({ event: e, callbackIndexes }));

/** What a worker reads of a run, in order. */
function read(w: WirePage): Array<{ event: EventLogEntry; callbacks: number[]; late: boolean }> {
  const run = decodePage(w);
  return Array.from({ length: run.size }, (_, i) => ({ event: run.event(i), callbacks: run.callbacks(i), late: run.isLate(i) }));
}
const ids = (w: WirePage) => read(w).map((i) => i.event.id);

describe('page codec', () => {
  it('encodes a page once for every plugin and every segment, and equal slices of it', () => {
    const page = [event(1), event(2), event(3), event(4)];
    registerPage(page);
    registerPage(page.slice(1)); // another runner's slice of the same window: already covered
    const a = encodePage(items(page.slice(0, 2)));
    const b = encodePage(items(page.slice(2), [0, 1]));
    const c = encodePage(items([page[0]!, page[3]!]));
    expect(b.bytes).toBe(a.bytes);
    expect(c.bytes).toBe(a.bytes);
    expect(a.at).toEqual({ from: 0, to: 2 });
    expect(b.at).toEqual({ from: 2, to: 4 });
    expect(c.at).toEqual([0, 3]);
    expect(b.callbacks).toEqual([0, 1]);
    expect(ids(a)).toEqual([1, 2]);
    expect(ids(b)).toEqual([3, 4]);
    expect(ids(c)).toEqual([1, 4]);
  });

  it('reads back exactly, per-event callbacks and late flags, as copies of the events', () => {
    const page = [event(11), event(12), event(13)];
    registerPage(page);
    const w = encodePage([
      { event: page[0]!, callbackIndexes: [1] },
      { event: page[2]!, callbackIndexes: [0, 1], late: true },
    ]);
    expect(w.callbacks).toEqual([[1], [0, 1]]);
    const got = read(w);
    expect(got).toEqual([
      { event: page[0], callbacks: [1], late: false },
      { event: page[2], callbacks: [0, 1], late: true },
    ]);
    expect(got[0]!.event).not.toBe(page[0]);
  });

  it('hands an event out twice (a retry) from a fresh parse, never the object a callback had', () => {
    const page = [event(21), event(22)];
    registerPage(page);
    const run = decodePage(encodePage(items(page)));
    const first = run.event(0);
    (first as { meta: unknown }).meta = 'changed by a plugin';
    expect(run.event(0)).not.toBe(first);
    expect(run.event(0).meta).toEqual(page[0]!.meta);
    expect(read(encodePage(items([page[0]!])))[0]!.event.meta).toEqual(page[0]!.meta);
  });

  it('events of no registered page go as a page of their own', () => {
    const loose = [event(31), event(32)];
    const w = encodePage(items(loose));
    expect(w.at).toEqual({ from: 0, to: 2 });
    expect(ids(w)).toEqual([31, 32]);
  });

  it('takes a run as a slice of a page only when it is exactly that slice', () => {
    const page = [event(41), event(42), event(43)];
    registerPage(page);
    // Same ends and count as page[0..2], but not those events: never read as the slice.
    const odd = encodePage(items([page[0]!, page[0]!, page[2]!]));
    expect(ids(odd)).toEqual([41, 41, 43]);
    expect(ids(encodePage(items([page[2]!, page[1]!, page[0]!])))).toEqual([43, 42, 41]);
    // A window slice with a late event inserted is a page of its own.
    const late = { ...event(42), id: 42.5 } as EventLogEntry;
    registerPage([page[1]!, late, page[2]!]);
    expect(ids(encodePage(items([page[1]!, late, page[2]!])))).toEqual([42, 42.5, 43]);
  });

  it('keeps text exact, ASCII or not, on pages larger than the first encoding buffer', () => {
    const wide = (id: number, text: string) => ({ ...event(id), entity: { type: 'Task', id: 7, name: 'Anim' }, description: text });
    const ascii = [wide(51, 'x'.repeat(700_000)), wide(52, 'y'.repeat(700_000))];
    registerPage(ascii);
    const a = encodePage(items(ascii));
    expect(a.ascii).toBe(true);
    expect(read(a).map((i) => i.event)).toEqual(ascii);
    // Three bytes per UTF-16 unit (and a surrogate pair): the encoder's room check must hold.
    const utf8 = [wide(61, '€'.repeat(400_000)), wide(62, 'é😀'.repeat(200_000)), event(63)];
    registerPage(utf8);
    const u = encodePage(items(utf8));
    expect(u.ascii).toBe(false);
    expect(read(u).map((i) => i.event)).toEqual(utf8);
  });

  it('refuses events that are not JSON data', () => {
    expect(() => encodePage([{ event: { id: 1, meta: 1n } as unknown as EventLogEntry, callbackIndexes: [0] }])).toThrow(TypeError);
  });
});
