// The page codec: one encoding of a page shared by every plugin's worker, each worker
// reading its own copy of the events back with its callback plan.
import { describe, expect, it } from 'vitest';
import { decodePage, encodePage } from '../../electron/engine/page-codec.js';
import type { EventLogEntry } from '../../electron/shotgun/types.js';

const event = (id: number): EventLogEntry =>
  ({
    id,
    event_type: 'Shotgun_Task_Change',
    attribute_name: 'sg_status_list',
    meta: { type: 'attribute_change', attribute_name: 'sg_status_list', old_value: 'ip', new_value: 'fin', entity_id: 7, entity_type: 'Task' },
    entity: { type: 'Task', id: 7, name: 'Anim – é' },
    user: { type: 'HumanUser', id: 3, name: 'Ann' },
    project: { type: 'Project', id: 1, name: 'Demo' },
    session_uuid: '5e55-0001',
    created_at: '2026-01-01T00:00:00Z',
  }) as EventLogEntry;

describe('page codec', () => {
  const page = [event(1), event(2), event(3)];

  it('encodes a page once for every plugin that gets the same events', () => {
    const a = encodePage(page.map((e) => ({ event: e, callbackIndexes: [0] })));
    const b = encodePage(page.map((e) => ({ event: e, callbackIndexes: [0, 1] })));
    expect(b.bytes).toBe(a.bytes);
    expect(a.callbacks).toEqual([0]);
    expect(b.callbacks).toEqual([0, 1]);
  });

  it('encodes a different selection of events on its own, and reads it back exactly', () => {
    const all = encodePage(page.map((e) => ({ event: e, callbackIndexes: [0] })));
    const some = encodePage([
      { event: page[0]!, callbackIndexes: [1] },
      { event: page[2]!, callbackIndexes: [0, 1], late: true },
    ]);
    expect(some.bytes).not.toBe(all.bytes);
    expect(some.callbacks).toEqual([[1], [0, 1]]);
    const items = decodePage(some);
    expect(items).toEqual([
      { event: page[0], callbacks: [1], late: false },
      { event: page[2], callbacks: [0, 1], late: true },
    ]);
    // A copy per worker, never the caller's objects.
    expect(items[0]!.event).not.toBe(page[0]);
  });

  it('sees an event object changed since the last encoding as a different page', () => {
    const first = encodePage(page.map((e) => ({ event: e, callbackIndexes: [0] })));
    const replaced = [page[0]!, event(2), page[2]!];
    const second = encodePage(replaced.map((e) => ({ event: e, callbackIndexes: [0] })));
    expect(second.bytes).not.toBe(first.bytes);
    expect(decodePage(second).map((i) => i.event.id)).toEqual([1, 2, 3]);
  });

  it('refuses events that are not JSON data', () => {
    expect(() => encodePage([{ event: { id: 1, meta: 1n } as unknown as EventLogEntry, callbackIndexes: [0] }])).toThrow(TypeError);
  });
});
