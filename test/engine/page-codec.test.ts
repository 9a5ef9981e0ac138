// The page codec: a page encoded once for every plugin and every segment of it, each
// worker reading its own copy of the events back with its callback plan.
import { describe, expect, it } from 'vitest';
import { decodePage, encodePage, registerPage } from '../../electron/engine/page-codec.js';
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
    expect(decodePage(a).map((i) => i.event.id)).toEqual([1, 2]);
    expect(decodePage(b).map((i) => i.event.id)).toEqual([3, 4]);
  });

  it('reads back exactly, per-event callbacks and late flags, as copies of the events', () => {
    const page = [event(11), event(12), event(13)];
    registerPage(page);
    const w = encodePage([
      { event: page[0]!, callbackIndexes: [1] },
      { event: page[2]!, callbackIndexes: [0, 1], late: true },
    ]);
    expect(w.callbacks).toEqual([[1], [0, 1]]);
    const got = decodePage(w);
    expect(got).toEqual([
      { event: page[0], callbacks: [1], late: false },
      { event: page[2], callbacks: [0, 1], late: true },
    ]);
    expect(got[0]!.event).not.toBe(page[0]);
  });

  it('hands an event out twice (a retry) from a fresh parse, never the object a callback had', () => {
    const page = [event(21), event(22)];
    registerPage(page);
    const first = decodePage(encodePage(items(page)));
    (first[0]!.event as { meta: unknown }).meta = 'changed by a plugin';
    const again = decodePage(encodePage(items([page[0]!])));
    expect(again[0]!.event.meta).toEqual(page[0]!.meta);
  });

  it('events of no registered page go as a page of their own', () => {
    const loose = [event(31), event(32)];
    const w = encodePage(items(loose));
    expect(w.at).toEqual({ from: 0, to: 2 });
    expect(decodePage(w).map((i) => i.event.id)).toEqual([31, 32]);
  });

  it('refuses events that are not JSON data', () => {
    expect(() => encodePage([{ event: { id: 1, meta: 1n } as unknown as EventLogEntry, callbackIndexes: [0] }])).toThrow(TypeError);
  });
});
