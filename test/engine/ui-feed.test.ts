// The engine's UI feed (electron/engine/ui-feed.ts): lag in every state (head - cursor and
// the age of the oldest unprocessed event), no hold shown while disabled, "inert" plugins,
// the trend series (bounded, in order, pushed as updates), and idle plugins re-sent.
import { afterEach, describe, expect, it } from 'vitest';
import type { PluginView, Update } from '../../electron/contract.js';
import { INERT_NO_CALLBACK } from '../../electron/engine/inert-reason.js';
import { UiFeed, type RunnerLike } from '../../electron/engine/ui-feed.js';
import { EventWindow } from '../../electron/engine/window.js';
import type { EventLogEntry } from '../../electron/shotgun/types.js';
import { pluginView } from '../fixtures/plugin-view.js';

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
let now = T0;
const feeds: UiFeed[] = [];
afterEach(() => feeds.splice(0).forEach((f) => f.stop()));

function ev(id: number, createdMs: number): EventLogEntry {
  return { id, event_type: 'Shotgun_Task_Change', created_at: new Date(createdMs).toISOString() } as EventLogEntry;
}

function runner(name: string, cursor: number, o: Partial<PluginView> & { active?: boolean; lastCreatedAt?: number } = {}): RunnerLike {
  const { active = true, lastCreatedAt = 0, ...view } = o;
  return {
    name,
    cursor,
    active,
    lastCreatedAt,
    view: (): PluginView =>
      pluginView(name, {
        cursor,
        lagEvents: -1,
        lagSeconds: -1,
        p95Ms: 12,
        callbacks: [{ name: 'cb', scriptName: 's', matchEvents: null, stopOnError: true, filter: '*' }],
        ...view,
      }),
  };
}

function feed(runners: RunnerLike[], window: EventWindow, updates: Update[] = [], keep?: number): UiFeed {
  const f = new UiFeed({
    runners: () => runners,
    window,
    eventsPerSecond: () => 4.5,
    emit: (u) => updates.push(u),
    now: () => now,
    keep,
    stepMs: 60_000,
    refreshMs: 60_000,
  });
  feeds.push(f);
  return f;
}

describe('UiFeed', () => {
  it('gives a paused plugin head - cursor and the age of its oldest unprocessed event', () => {
    const w = new EventWindow(100, 1000);
    w.append([ev(101, T0 - 90_000), ev(102, T0 - 60_000), ev(153, T0 - 1000)], 153);
    const paused = runner('p', 101, { state: 'paused', paused: true, active: false });
    const f = feed([paused], w);
    now = T0;
    let v = f.view(paused);
    expect(v.lagEvents).toBe(52);
    expect(v.lagSeconds).toBe(60);
    now = T0 + 30_000;
    v = f.view(paused);
    expect(v.lagSeconds).toBe(90);
    // Caught up: no lag at all.
    expect(f.view(runner('q', 153)).lagSeconds).toBe(0);
    // Behind the window: bounded by the last event it processed.
    w.evict(150);
    expect(f.view(runner('r', 101, { lastCreatedAt: T0 - 100_000 })).lagSeconds).toBe(130);
  });

  it('asks the site, once per cursor, for the event after a stalled plugin behind the window', async () => {
    const w = new EventWindow(100, 1000);
    w.append([ev(101, T0 - 90_000), ev(102, T0 - 60_000)], 102);
    w.evict(102);
    const asked: number[] = [];
    const updates: Update[] = [];
    const broken = runner('broken', 100, { state: 'load_error', active: false });
    const gone = runner('gone', 100, { state: 'paused', paused: true, active: false });
    const f = new UiFeed({
      runners: () => [broken],
      window: w,
      eventsPerSecond: () => 0,
      emit: (u) => updates.push(u),
      now: () => now,
      createdAfter: (after) => {
        asked.push(after);
        return Promise.resolve(T0 - 90_000);
      },
    });
    feeds.push(f);
    now = T0;
    expect(f.view(broken).lagSeconds).toBe(0);
    // A plugin no longer among the runners when the answer comes is not re-sent.
    expect(f.view(gone).lagSeconds).toBe(0);
    await new Promise((r) => setTimeout(r, 0));
    const sent = updates.flatMap((u) => (u.kind === 'plugin' ? [u.plugin] : []));
    expect(sent.map((p) => [p.name, p.lagSeconds])).toEqual([['broken', 90]]);
    expect(f.view(broken)).toMatchObject({ lagEvents: 2, lagSeconds: 90 });
    expect(asked).toEqual([100, 100]);
    // A consuming plugin is bounded by the last event it processed, never looked up.
    expect(f.view(runner('slow', 100, { lastCreatedAt: T0 - 95_000 })).lagSeconds).toBe(95);
    expect(asked).toEqual([100, 100]);
  });

  it('drops the hold of a disabled plugin and calls a plugin without callbacks inert', () => {
    const w = new EventWindow(0, 10);
    const held = { eventId: 5, callback: 'cb', error: 'boom', attempt: 3, nextRetryAt: T0 - 5000 };
    const f = feed([], w);
    expect(f.view(runner('a', 0, { state: 'disabled', enabled: false, held })).held).toBeNull();
    expect(f.view(runner('b', 0, { state: 'holding', held })).held).toEqual(held);
    expect(f.view(runner('c', 0, { callbacks: [] })).inert).toBe(INERT_NO_CALLBACK);
    expect(f.view(runner('d', 0, { callbacks: [], state: 'load_error' })).inert).toBeNull();
    expect(f.view(runner('e', 0)).inert).toBeNull();
  });

  it('samples the trend at start, keeps a bounded series, pushes each point, and re-sends idle plugins', async () => {
    const w = new EventWindow(0, 10);
    w.append([], 40);
    const updates: Update[] = [];
    const runners = [
      runner('a', 10),
      runner('b', 30, { state: 'paused', paused: true, active: false }),
      runner('off', 0, { state: 'disabled', enabled: false, active: false }),
    ];
    const f = new UiFeed({
      runners: () => runners,
      window: w,
      eventsPerSecond: () => 4.5,
      emit: (u) => updates.push(u),
      now: () => now,
      keep: 3,
      stepMs: 20,
      refreshMs: 20,
    });
    feeds.push(f);
    f.start();
    const first = f.series()[0]!;
    expect(first).toEqual({ t: now, eventsPerSecond: 4.5, maxLag: 30, plugins: { a: { lag: 30, p95: 12 }, b: { lag: 10, p95: 12 } } });
    const end = Date.now() + 10_000;
    while ((f.series().length < 3 || !updates.some((u) => u.kind === 'plugin')) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(f.series().length).toBe(3);
    await new Promise((r) => setTimeout(r, 100));
    expect(f.series().length).toBe(3);
    expect(updates.filter((u) => u.kind === 'trend').length).toBeGreaterThan(3);
    const resent = new Set(updates.flatMap((u) => (u.kind === 'plugin' ? [u.plugin.name] : [])));
    expect([...resent].sort()).toEqual(['b', 'off']);
  });
});
