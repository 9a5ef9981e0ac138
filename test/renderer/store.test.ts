// The renderer's store: bounded, sorted, de-duplicated event list; one new object per
// changed event or plugin (so rows re-render only when theirs changed); filters.
import { describe, expect, it } from 'vitest';
import type { EventView, Update } from '../../electron/contract.js';
import { pluginView } from '../fixtures/plugin-view.js';
import {
  applyOutcomes,
  eventFilter,
  fromSnapshot,
  logFilter,
  mergeEvents,
  reduceUpdates,
  textMatcher,
  useStore,
  ENGINE_SOURCE,
  type State,
} from '../../renderer/src/store.js';

function ev(id: number, extra: Partial<EventView> = {}): EventView {
  return {
    id,
    event_type: 'Shotgun_Task_Change',
    attribute_name: 'sg_status_list',
    entity: { type: 'Task', id: 1, name: 'Comp' },
    user: null,
    project: { type: 'Project', id: 2, name: 'Sintel' },
    created_at: '2024-01-01T00:00:00Z',
    meta: null,
    session_uuid: null,
    outcomes: {},
    ...extra,
  };
}

const plugin = pluginView;

const base = (): State => ({
  ...useStore.getState(),
  ...fromSnapshot({ engine: null as never, plugins: [plugin('a'), plugin('b')], events: [], logs: [], audit: [] }),
});

describe('renderer store', () => {
  it('keeps events sorted, bounded and without duplicates', () => {
    let list = mergeEvents([], [ev(1), ev(2), ev(3)], 4);
    list = mergeEvents(list, [ev(5), ev(4), ev(2, { outcomes: { a: { status: 'ok' } } })], 4);
    expect(list.map((e) => e.id)).toEqual([2, 3, 4, 5]);
    expect(list[0]!.outcomes.a?.status).toBe('ok');
  });

  it('replaces only the events an outcome touches', () => {
    const list = mergeEvents([], [ev(1), ev(2)]);
    const next = applyOutcomes(list, [
      { kind: 'outcome', eventId: 2, plugin: 'a', outcome: { status: 'ok' } },
      { kind: 'outcome', eventId: 2, plugin: 'b', outcome: { status: 'failed', error: 'x' } },
      { kind: 'outcome', eventId: 99, plugin: 'a', outcome: { status: 'ok' } },
    ]);
    expect(next).not.toBe(list);
    expect(next[0]).toBe(list[0]);
    expect(next[1]!.outcomes).toEqual({ a: { status: 'ok' }, b: { status: 'failed', error: 'x' } });
    expect(list[1]!.outcomes).toEqual({});
  });

  it('applies a batch: outcomes for events of the same batch, plugin identity kept for the others', () => {
    const st = base();
    const updates: Update[] = [
      { kind: 'events', events: [ev(10), ev(11)] },
      { kind: 'outcome', eventId: 11, plugin: 'a', outcome: { status: 'held' } },
      { kind: 'plugin', plugin: plugin('a', { cursor: 11 }) },
      { kind: 'logs', lines: [{ time: 1, level: 20, levelName: 'INFO', logger: 'x', message: 'hi' }] },
    ];
    const patch = reduceUpdates(st, updates);
    expect(patch.events!.map((e) => e.id)).toEqual([10, 11]);
    expect(patch.events![1]!.outcomes.a?.status).toBe('held');
    expect(patch.plugins!.a!.cursor).toBe(11);
    expect(patch.plugins!.b).toBe(st.plugins.b);
    expect(patch.pluginNames).toBeUndefined(); // same names: same array
    expect(patch.logs).toHaveLength(1);
    expect(patch.engine).toBeUndefined();
  });

  it('filters events by pattern, plugin and outcome', () => {
    const a = ev(1, { outcomes: { a: { status: 'failed' } } });
    const b = ev(2, { event_type: 'Shotgun_Version_New', outcomes: { b: { status: 'ok' } } });
    const c = ev(3, { project: null });
    const ids = (f: ReturnType<typeof eventFilter>) => [a, b, c].filter(f ?? (() => true)).map((e) => e.id);
    const none = { eventType: '', entityType: '', project: '', plugin: '', outcome: '' } as const;
    expect(eventFilter(none)).toBeNull();
    expect(ids(eventFilter({ ...none, eventType: 'task*change' }))).toEqual([1, 3]);
    expect(ids(eventFilter({ ...none, eventType: 'version' }))).toEqual([2]);
    expect(ids(eventFilter({ ...none, project: 'sintel' }))).toEqual([1, 2]);
    expect(ids(eventFilter({ ...none, plugin: 'a' }))).toEqual([1]);
    expect(ids(eventFilter({ ...none, outcome: 'failed' }))).toEqual([1]);
    expect(ids(eventFilter({ ...none, plugin: 'b', outcome: 'pending' }))).toEqual([1, 3]);
    expect(ids(eventFilter({ ...none, outcome: 'pending' }))).toEqual([3]);
    expect(textMatcher('a.b')!('axb')).toBe(false);
  });

  it('filters log lines by level, source and text', () => {
    const lines = [
      { time: 1, level: 10, levelName: 'DEBUG', logger: 'engine', message: 'polling' },
      { time: 2, level: 40, levelName: 'ERROR', logger: 'plugin.a', message: 'boom', plugin: 'a' },
    ];
    expect(lines.filter(logFilter({ minLevel: 30, plugin: '', search: '' })!).map((l) => l.time)).toEqual([2]);
    expect(lines.filter(logFilter({ minLevel: 0, plugin: ENGINE_SOURCE, search: '' })!).map((l) => l.time)).toEqual([1]);
    expect(lines.filter(logFilter({ minLevel: 0, plugin: 'a', search: 'BOO' })!).map((l) => l.time)).toEqual([2]);
  });
});
