// The traffic generator: realistic writes as HumanUsers, budgeted in EVENTS per second,
// robust to store errors. No tight timing: fake timers drive the scheduler.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Auth } from '../../electron/sandbox/auth.js';
import { invalid } from '../../electron/sandbox/errors.js';
import { fromApi3 } from '../../electron/sandbox/query.js';
import { seedDemo, type SeedSize } from '../../electron/sandbox/seed.js';
import { SandboxStore } from '../../electron/sandbox/store.js';
import { TrafficGenerator } from '../../electron/sandbox/traffic.js';

const site = (size: SeedSize = 'demo') => {
  const store = new SandboxStore();
  const auth = new Auth(store);
  const seed = seedDemo(store, auth, { size });
  return { store, auth, seed };
};
const after = (id: number) => fromApi3({ logical_operator: 'and', conditions: [{ path: 'id', relation: 'greater_than', values: [id] }] });
const eventsAfter = (store: SandboxStore, id: number) =>
  store.find('EventLogEntry', { filters: after(id), fields: ['event_type', 'attribute_name', 'meta', 'user'], page: { size: 1_000_000, number: 1 } });

afterEach(() => {
  vi.useRealTimers();
});

describe('TrafficGenerator', () => {
  it('burst: many kinds of activity, written as the seeded (non-admin) HumanUsers', () => {
    const { store, seed } = site();
    const start = store.lastEventId;
    const g = new TrafficGenerator({ store, rate: 0, seed: 7 });
    const n = g.burst(3000);
    expect(n).toBeGreaterThanOrEqual(3000);
    expect(g.stats.events).toBe(n);
    expect(g.stats.errors).toBe(0);
    const ev = eventsAfter(store, start);
    expect(ev).toHaveLength(n);
    expect(ev.every((e) => (e.user as { type: string }).type === 'HumanUser' && (e.user as { id: number }).id !== seed.admin.id)).toBe(true);
    const kinds = new Set(ev.map((e) => `${String(e.event_type)}:${String(e.attribute_name ?? '')}`));
    for (const k of [
      'Shotgun_Task_Change:sg_status_list',
      'Shotgun_Version_New:',
      'Shotgun_Version_Change:sg_status_list',
      'Shotgun_Note_New:',
      'Shotgun_Task_Change:task_assignees',
      'Shotgun_Shot_Change:sg_cut_out',
      'Shotgun_Version_Retirement:',
      'Shotgun_Shot_New:',
    ]) {
      expect(kinds, k).toContain(k);
    }
    // Assignee changes are multi-entity add/remove metas.
    const assign = ev.filter((e) => e.attribute_name === 'task_assignees' && e.event_type === 'Shotgun_Task_Change');
    expect(assign.some((e) => ((e.meta as { added: unknown[] }).added ?? []).length > 0)).toBe(true);
    expect(assign.some((e) => ((e.meta as { removed: unknown[] }).removed ?? []).length > 0)).toBe(true);
    expect(Object.values(g.stats.actions).filter((x) => x > 0).length).toBeGreaterThanOrEqual(8);
  });

  it('is repeatable with the same seed', () => {
    const run = () => {
      const { store } = site('minimal');
      const start = store.lastEventId;
      new TrafficGenerator({ store, rate: 0, seed: 3 }).burst(400);
      return eventsAfter(store, start).map((e) => [e.event_type, e.attribute_name]);
    };
    expect(run()).toEqual(run());
  });

  it('produces roughly rate × time events on its timer, then stops when stopped', () => {
    vi.useFakeTimers();
    const { store } = site('minimal');
    const g = new TrafficGenerator({ store, rate: 200, seed: 1 });
    const e0 = store.eventCount;
    g.start();
    vi.advanceTimersByTime(5000);
    const made = store.eventCount - e0;
    // 1000 asked; one action's overshoot (a create is ~20 events) is the slack.
    expect(made).toBeGreaterThan(900);
    expect(made).toBeLessThan(1100);
    expect(g.stats.running).toBe(true);
    g.stop();
    const stopped = store.eventCount;
    vi.advanceTimersByTime(5000);
    expect(store.eventCount).toBe(stopped);
    expect(g.stats.running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fractional rates average out; setRate(0) idles and a new rate resumes', () => {
    vi.useFakeTimers();
    const { store } = site('minimal');
    const g = new TrafficGenerator({ store, rate: 0.5, seed: 2 });
    g.start();
    const e0 = store.eventCount;
    vi.advanceTimersByTime(120_000);
    const made = store.eventCount - e0;
    expect(made).toBeGreaterThan(30);
    expect(made).toBeLessThan(100);
    g.setRate(0);
    expect(vi.getTimerCount()).toBe(0);
    const idle = store.eventCount;
    vi.advanceTimersByTime(10_000);
    expect(store.eventCount).toBe(idle);
    g.setRate(100);
    vi.advanceTimersByTime(1000);
    expect(store.eventCount - idle).toBeGreaterThan(50);
    g.stop();
  });

  it('does not burst after a stall: catch-up is capped', () => {
    vi.useFakeTimers();
    const { store } = site('minimal');
    const g = new TrafficGenerator({ store, rate: 100, seed: 4 });
    g.start();
    vi.advanceTimersByTime(1000);
    const e0 = store.eventCount;
    // The clock jumps 30 s without the timer running (a blocked event loop), then one tick.
    vi.setSystemTime(Date.now() + 30_000);
    vi.advanceTimersByTime(50);
    expect(store.eventCount - e0).toBeLessThan(100);
    g.stop();
  });

  it('retires and later revives Versions/Notes over time', () => {
    vi.useFakeTimers();
    const { store } = site('demo');
    const start = store.lastEventId;
    const g = new TrafficGenerator({ store, rate: 500, seed: 5 });
    g.start();
    vi.advanceTimersByTime(30_000);
    g.stop();
    const types = new Set(eventsAfter(store, start).map((e) => e.event_type));
    expect([...types].some((t) => /_(Version|Note)_Retirement$/.test(String(t)))).toBe(true);
    expect([...types].some((t) => /_(Version|Note)_Revival$/.test(String(t)))).toBe(true);
    expect(g.stats.actions.revive).toBeGreaterThan(0);
  });

  it('survives store errors: counts and logs them, never throws out of the timer', () => {
    vi.useFakeTimers();
    const { store } = site('minimal');
    const logged: string[] = [];
    const g = new TrafficGenerator({ store, rate: 200, seed: 6, log: (m) => logged.push(m) });
    vi.spyOn(store, 'update').mockImplementation(() => {
      throw invalid('API update() simulated validation failure');
    });
    g.start();
    expect(() => vi.advanceTimersByTime(2000)).not.toThrow();
    expect(g.stats.errors).toBeGreaterThan(0);
    expect(g.stats.lastError).toMatch(/simulated/);
    expect(logged.length).toBe(g.stats.errors);
    // Creates still go through, so events keep flowing.
    expect(g.stats.events).toBeGreaterThan(0);
    g.stop();
  });

  it('writes as the given actors only', () => {
    const { store, seed } = site('demo');
    const start = store.lastEventId;
    const who = seed.users.slice(1, 3);
    new TrafficGenerator({ store, rate: 0, actors: who, seed: 8 }).burst(500);
    const ids = new Set(eventsAfter(store, start).map((e) => (e.user as { id: number }).id));
    expect([...ids].every((id) => who.some((w) => w.id === id))).toBe(true);
  });

  it('with no HumanUsers there is nothing to write as: idle, no errors', () => {
    const store = new SandboxStore();
    const g = new TrafficGenerator({ store, rate: 0 });
    expect(g.burst(100)).toBe(0);
    expect(g.stats.errors).toBe(0);
  });
});
