// PluginRunner (electron/engine/runner.ts) with a fake host, a fake event source and a
// fake clock: dispatch order, hold and retry on the backoff schedule, skip, the failed
// list, late events, gaps, pause/resume/disable and seek. No worker, no wall-clock sleep:
// waits poll the runner's state (vi.waitFor) and time moves only by clock.tick().
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Outcome } from '../../electron/contract.js';
import { GapRegistry } from '../../electron/engine/gaps.js';
import type { RunItem } from '../../electron/engine/plugin-host.js';
import type { CallbackInfo, LoadResult, RunResult } from '../../electron/engine/plugin-protocol.js';
import { PluginRunner, type EventSource, type HostLike } from '../../electron/engine/runner.js';
import type { RunnerClock } from '../../electron/engine/runner-types.js';
import { newPluginState, type SavedPluginState } from '../../electron/engine/state.js';
import type { EventLogEntry } from '../../electron/shotgun/types.js';

const ev = (id: number, event_type = 'Shotgun_Task_Change'): EventLogEntry =>
  ({ id, event_type, created_at: new Date(Date.UTC(2024, 0, 1) + id * 1000).toISOString() }) as EventLogEntry;

class FakeClock implements RunnerClock {
  t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => (timer.live = false);
  }
  get pending(): number {
    return this.timers.filter((x) => x.live).length;
  }
  tick(ms: number): void {
    this.t += ms;
    for (const x of this.timers.splice(0)) {
      if (x.live && x.at <= this.t) x.fn();
      else if (x.live) this.timers.push(x);
    }
  }
}

type Behave = (eventId: number, callback: number, attempt: number, late: boolean) => string | null;

class FakeHost implements HostLike {
  calls: Array<{ ids: number[]; late: boolean[]; attempt: number }> = [];
  /** Each callback run: `${eventId}:${index}${late ? 'L' : ''}`. */
  ran: string[] = [];
  constructor(
    private callbacks: Array<Partial<CallbackInfo>>,
    public behave: Behave = () => null,
  ) {}
  load(): Promise<LoadResult> {
    const callbacks = this.callbacks.map((c, index) => ({
      index,
      name: `cb${index}`,
      scriptName: 's',
      matchEvents: null,
      stopOnError: true,
      timeoutMs: 1000,
      ...c,
    }));
    return Promise.resolve({ ok: true, callbacks });
  }
  runBatch(items: RunItem[], opts?: { attempt?: number }): Promise<RunResult[]> {
    const attempt = opts?.attempt ?? 1;
    this.calls.push({ ids: items.map((i) => i.event.id), late: items.map((i) => !!i.late), attempt });
    const out: RunResult[] = [];
    for (const item of items) {
      const outcomes = [];
      let stop = false;
      for (const index of item.callbackIndexes) {
        const error = this.behave(item.event.id, index, attempt, !!item.late);
        this.ran.push(`${item.event.id}:${index}${item.late ? 'L' : ''}`);
        const stopOnError = this.callbacks[index]?.stopOnError ?? true;
        outcomes.push({ index, name: `cb${index}`, ok: !error, startedAt: 0, durationMs: 1, ...(error ? { error: { message: error } } : {}) });
        if (error && stopOnError) {
          stop = true;
          break;
        }
      }
      out.push({ eventId: item.event.id, outcomes });
      if (stop) break; // the host stops a batch at the first hold
    }
    return Promise.resolve(out);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The engine's window, reduced: events above `after`, complete through `head`. */
class FakeSource implements EventSource {
  events: EventLogEntry[] = [];
  head = 0;
  push(...es: EventLogEntry[]): void {
    this.events.push(...es);
    this.head = Math.max(this.head, ...es.map((e) => e.id));
  }
  next(after: number, limit: number): Promise<{ events: EventLogEntry[]; upTo: number }> {
    const all = this.events.filter((e) => e.id > after);
    const events = all.slice(0, limit);
    return Promise.resolve({ events, upTo: all.length > limit ? events[events.length - 1]!.id : Math.max(after, this.head) });
  }
}

const runners: PluginRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});

async function setup(
  o: {
    callbacks?: Array<Partial<CallbackInfo>>;
    behave?: Behave;
    backoff?: number[];
    lastId?: number;
    gaps?: GapRegistry;
    recentLate?: EventLogEntry[];
  } = {},
) {
  const clock = new FakeClock();
  const host = new FakeHost(o.callbacks ?? [{}], o.behave);
  const source = new FakeSource();
  const saved: SavedPluginState = newPluginState(o.lastId ?? 10);
  const gaps = o.gaps ?? new GapRegistry(60_000);
  const outcomes: Array<{ id: number; outcome: Outcome }> = [];
  const logs: string[] = [];
  let dirty = 0;
  const runner = new PluginRunner(
    'p',
    '/p.js',
    host,
    saved,
    source,
    gaps,
    o.backoff ?? [100, 1000],
    {
      outcome: (_r, e, outcome) => outcomes.push({ id: e.id, outcome }),
      changed: () => {},
      dirty: () => dirty++,
      log: (level, message) => logs.push(`${level}: ${message}`),
      ignoredUsers: () => new Set(),
      recentLate: (from, to) => (o.recentLate ?? []).filter((e) => e.id > from && e.id < to),
    },
    { clock },
  );
  runners.push(runner);
  await runner.load();
  runner.start();
  return { clock, host, source, saved, gaps, runner, outcomes, logs, dirty: () => dirty };
}

const until = (fn: () => void) => vi.waitFor(fn, { timeout: 20_000, interval: 5 });

describe('PluginRunner', () => {
  it('hands events in id order and moves its cursor, saving it', async () => {
    const { source, runner, host, saved, dirty } = await setup({ callbacks: [{}, {}] });
    source.push(ev(11), ev(12), ev(13));
    runner.wake();
    await until(() => expect(runner.cursor).toBe(13));
    expect(host.ran).toEqual(['11:0', '11:1', '12:0', '12:1', '13:0', '13:1']);
    expect(saved.lastId).toBe(13);
    expect(dirty()).toBeGreaterThan(0);
    // Events nobody matches still move the cursor, without a run.
    source.push(ev(14, 'Shotgun_Other'));
    source.head = 20;
    runner.wake();
    await until(() => expect(runner.cursor).toBe(20));
  });

  it('holds at a failure, retries on the backoff schedule, then waits for the user', async () => {
    const { source, runner, clock, host, logs } = await setup({
      behave: (id, _i, attempt) => (id === 12 && attempt <= 3 ? `no ${attempt}` : null),
      backoff: [100, 1000],
    });
    source.push(ev(11), ev(12), ev(13));
    runner.wake();
    await until(() => expect(runner.view(13, 0).held?.attempt).toBe(1));
    expect(runner.stateName).toBe('holding');
    expect(runner.cursor).toBe(11);
    expect(runner.view(13, 0).held?.nextRetryAt).toBe(clock.t + 100);
    clock.tick(99);
    expect(host.calls.filter((c) => c.ids.includes(12))).toHaveLength(1);
    clock.tick(1);
    await until(() => expect(runner.view(13, 0).held?.attempt).toBe(2));
    clock.tick(1000);
    await until(() => expect(runner.view(13, 0).held?.attempt).toBe(3));
    // Automatic retries used up: no timer, it waits.
    expect(runner.view(13, 0).held?.nextRetryAt).toBeNull();
    expect(clock.pending).toBe(0);
    expect(logs.some((l) => l.startsWith('error:') && l.includes('automatic retries used up'))).toBe(true);
    expect(runner.cursor).toBe(11);
    runner.retryHeld();
    await until(() => expect(runner.cursor).toBe(13));
    expect(runner.stateName).toBe('running');
    expect(logs.some((l) => l.includes('event 12 succeeded on attempt 4'))).toBe(true);
    expect(host.ran.filter((r) => r === '13:0')).toHaveLength(1);
  });

  it('retries only the failed callback and those after it', async () => {
    const { source, runner, clock, host } = await setup({
      callbacks: [{}, {}, {}],
      behave: (id, i, attempt) => (id === 11 && i === 1 && attempt === 1 ? 'x' : null),
    });
    source.push(ev(11));
    runner.wake();
    await until(() => expect(runner.stateName).toBe('holding'));
    clock.tick(100);
    await until(() => expect(runner.cursor).toBe(11));
    expect(host.ran).toEqual(['11:0', '11:1', '11:1', '11:2']);
  });

  it('skip puts the held event in the failed list and moves on', async () => {
    const { source, runner, outcomes } = await setup({ behave: (id) => (id === 12 ? 'bad' : null), backoff: [] });
    source.push(ev(11), ev(12), ev(13));
    runner.wake();
    await until(() => expect(runner.stateName).toBe('holding'));
    expect(runner.skipHeld()).toBe(12);
    await until(() => expect(runner.cursor).toBe(13));
    const v = runner.view(13, 0);
    expect(v.failedEvents).toEqual([
      expect.objectContaining({ eventId: 12, callback: 'cb0', attempts: 1, error: 'skipped by user after 1 attempt(s): bad' }),
    ]);
    expect(v.failed).toBe(1);
    expect(outcomes.find((o) => o.id === 12)?.outcome.status).toBe('held');
    expect(() => runner.skipHeld()).toThrow(/not holding/);
  });

  it('stopOnError=false records the failure and moves on; a retry that succeeds clears it', async () => {
    let fail = true;
    const { source, runner, logs } = await setup({ callbacks: [{ stopOnError: false }], behave: (id) => (id === 12 && fail ? 'nope' : null) });
    source.push(ev(11), ev(12), ev(13));
    runner.wake();
    await until(() => expect(runner.cursor).toBe(13));
    expect(runner.view(13, 0).failedEvents.map((f) => [f.eventId, f.error])).toEqual([[12, 'nope']]);
    expect(logs.some((l) => l.startsWith('error: event 12 failed in cb0 (stopOnError=false'))).toBe(true);
    // Retried and failing again: one more attempt on the same entry.
    await expect(runner.retryFailed(ev(12))).resolves.toMatchObject({ status: 'failed' });
    expect(runner.view(13, 0).failedEvents.map((f) => f.attempts)).toEqual([2]);
    fail = false;
    await expect(runner.retryFailed(ev(12))).resolves.toMatchObject({ status: 'ok' });
    expect(runner.view(13, 0).failedEvents).toEqual([]);
    await expect(runner.retryFailed(ev(12))).rejects.toThrow(/not in the failed list/);
  });

  it('owes the gaps it walks past and delivers a late event once, flagged late', async () => {
    const gaps = new GapRegistry(60_000);
    gaps.add(12, 0);
    const { source, runner, host, saved } = await setup({ gaps });
    source.push(ev(11), ev(13));
    runner.wake();
    await until(() => expect(runner.cursor).toBe(13));
    expect(saved.gaps.map((g) => g.id)).toEqual([12]);
    expect(runner.view(13, 0).gaps).toEqual([12]);
    gaps.close(12);
    runner.offerLate(ev(12));
    runner.offerLate(ev(99)); // not owed: ignored
    await until(() => expect(saved.gaps).toEqual([]));
    expect(host.ran).toEqual(['11:0', '13:0', '12:0L']);
    expect(host.calls.at(-1)).toMatchObject({ ids: [12], late: [true] });
    // Offered again (a second poll saw it): no longer owed, not run twice.
    runner.offerLate(ev(12));
    source.push(ev(14));
    runner.wake();
    await until(() => expect(runner.cursor).toBe(14));
    expect(host.ran.filter((r) => r.startsWith('12:'))).toHaveLength(1);
  });

  it('owes at once a filler that arrived while it read below it', async () => {
    const { source, runner, host } = await setup({ recentLate: [ev(12)] });
    source.push(ev(11), ev(13));
    runner.wake();
    await until(() => expect(host.ran).toContain('12:0L'));
    await until(() => expect(runner.view(13, 0).gaps).toEqual([]));
  });

  it('forgets expired gaps: nothing owed, nothing delivered', async () => {
    const gaps = new GapRegistry(60_000);
    gaps.add(12, 0);
    const { source, runner, host, saved } = await setup({ gaps });
    source.push(ev(11), ev(13));
    runner.wake();
    await until(() => expect(saved.gaps.map((g) => g.id)).toEqual([12]));
    runner.forgetGaps(gaps.expire(Number.MAX_SAFE_INTEGER));
    expect(saved.gaps).toEqual([]);
    runner.offerLate(ev(12));
    source.push(ev(14));
    runner.wake();
    await until(() => expect(runner.cursor).toBe(14));
    expect(host.ran).not.toContain('12:0L');
  });

  it('pause, disable and resume stop and restart consumption, saved', async () => {
    const { source, runner, saved } = await setup();
    runner.setPaused(true);
    expect(saved.paused).toBe(true);
    expect(runner.active).toBe(false);
    source.push(ev(11));
    runner.wake();
    expect(runner.stateName).toBe('paused');
    runner.setEnabled(false);
    expect(runner.stateName).toBe('disabled');
    expect(saved.enabled).toBe(false);
    runner.setEnabled(true);
    expect(runner.cursor).toBe(10);
    runner.setPaused(false);
    await until(() => expect(runner.cursor).toBe(11));
  });

  it('seek moves the cursor back and forward, drops a hold, keeps gaps below it', async () => {
    const gaps = new GapRegistry(60_000);
    gaps.add(12, 0);
    gaps.add(15, 0);
    const { source, runner, host, saved } = await setup({ gaps, behave: (id) => (id === 17 ? 'x' : null), backoff: [] });
    source.push(ev(11), ev(13), ev(14), ev(16), ev(17), ev(18));
    runner.wake();
    await until(() => expect(runner.stateName).toBe('holding'));
    expect(runner.cursor).toBe(16);
    runner.setPaused(true);
    runner.setCursor(13);
    expect(saved.lastId).toBe(13);
    expect(saved.gaps.map((g) => g.id)).toEqual([12]);
    expect(runner.view(18, 0).held).toBeNull();
    host.behave = () => null;
    runner.setPaused(false);
    await until(() => expect(runner.cursor).toBe(18));
    // 14 and 16 ran again after the rewind; 15 is owed again.
    expect(host.ran.filter((r) => r === '14:0')).toHaveLength(2);
    expect(saved.gaps.map((g) => g.id)).toEqual([12, 15]);
  });

  it("ignores events from an ignored ApiUser and filters by the callbacks' event types", async () => {
    const { runner } = await setup({ callbacks: [{ matchEvents: { Shotgun_Task_Change: '*' } }, { matchEvents: { Shotgun_Note_New: '*' } }] });
    expect(runner.eventTypes()?.sort()).toEqual(['Shotgun_Note_New', 'Shotgun_Task_Change']);
    expect(runner.accepts(ev(1, 'Shotgun_Shot_Change'))).toBe(false);
    expect(runner.accepts(ev(1, 'Shotgun_Note_New'))).toBe(true);
  });
});
