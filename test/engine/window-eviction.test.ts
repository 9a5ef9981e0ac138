// When the shared window is full (PollLoop, electron/engine/poll-loop.ts): polling waits for
// the slowest running plugin while it moves, and makes room past it only once it stalls
// (docs/engine.md, "Polling, gaps and late events"). Passed over while still moving, a slow
// plugin read every evicted event again from the site (docs/performance.md).
import { afterEach, describe, expect, it } from 'vitest';
import { PollLoop, type PollLoopOptions } from '../../electron/engine/poll-loop.js';
import type { PollResult } from '../../electron/engine/poller.js';
import { EventWindow } from '../../electron/engine/window.js';
import type { EventLogEntry } from '../../electron/shotgun/types.js';
import { until } from '../daemon/harness.js';

const ev = (id: number): EventLogEntry => ({ id, event_type: 'Shotgun_Task_Change', created_at: '2024-01-01T00:00:00Z' }) as EventLogEntry;

interface FakeRunner {
  active: boolean;
  cursor: number;
  cursorAhead: boolean;
}

/** A poll loop over a fake poller that serves pages of `batch` ids from 1, and fake runners. */
function loop(capacity: number, batch: number, runners: FakeRunner[]) {
  const window = new EventWindow(0, capacity);
  let read = 0;
  const poller = {
    polls: 0,
    poll(): Promise<PollResult & { readPosition: number }> {
      poller.polls++;
      const events = Array.from({ length: batch }, (_, i) => ev(read + i + 1));
      read += batch;
      return Promise.resolve({ events, late: [], opened: [], neverHappened: [], expired: [], full: true, readPosition: read });
    },
  };
  const quiet = () => {};
  const o = {
    // A fetch interval far longer than any test: only readerMoved() or a stall ends a wait.
    daemon: { fetchIntervalMs: 600_000, backlogTimeoutMs: 300_000, maxConnRetries: 5, connRetrySleepMs: 60_000 },
    poller,
    window,
    state: { data: {}, markDirty: quiet },
    log: { debug: quiet, info: quiet, warning: quiet, error: quiet },
    runners: () => runners.map((r) => Object.assign(r, { wake: quiet, offerLate: quiet, forgetGaps: quiet })),
    cursorAhead: quiet,
    onEvents: quiet,
    changed: quiet,
  } as unknown as PollLoopOptions;
  return { pl: new PollLoop(o), window, poller };
}

let running: PollLoop | null = null;
afterEach(async () => {
  running?.halt();
  await running?.join();
  running = null;
});

describe('window eviction', () => {
  it('keeps the events of the slowest running plugin when full, and makes room past it only when told it stalled', () => {
    const fast: FakeRunner = { active: true, cursor: 0, cursorAhead: false };
    const slow: FakeRunner = { active: true, cursor: 0, cursorAhead: false };
    const { pl, window } = loop(4, 4, [fast, slow]);
    window.append([ev(1), ev(2), ev(3), ev(4)], 4);
    fast.cursor = 4; // idles at head
    pl.evict();
    expect(window.covers(slow.cursor)).toBe(true);
    expect(window.size).toBe(4);
    pl.evict(true);
    expect(window.covers(slow.cursor)).toBe(false);
    expect(window.size).toBe(2); // half the capacity
  });

  it('waits while full and polls again as soon as the slowest plugin moves, without passing over it', async () => {
    const fast: FakeRunner = { active: true, cursor: 0, cursorAhead: false };
    const slow: FakeRunner = { active: true, cursor: 0, cursorAhead: false };
    const { pl, window, poller } = loop(4, 4, [fast, slow]);
    running = pl;
    pl.start();
    await until(() => poller.polls === 1 && window.full, 'the first page filled the window');
    fast.cursor = 4;
    slow.cursor = 2;
    pl.readerMoved();
    await until(() => poller.polls === 2, 'a poll once the slow plugin made room');
    // Nothing it has not read was dropped: it reads on from the window, not the site.
    expect(window.covers(slow.cursor)).toBe(true);
    expect(window.read(slow.cursor, 10).events.map((e) => e.id)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it('passes over a plugin that stopped moving, so the others go on', async () => {
    const fast: FakeRunner = { active: true, cursor: 0, cursorAhead: false };
    const stuck: FakeRunner = { active: true, cursor: 0, cursorAhead: false };
    const { pl, window, poller } = loop(4, 4, [fast, stuck]);
    running = pl;
    pl.start();
    await until(() => poller.polls === 1 && window.full, 'the first page filled the window');
    fast.cursor = 4;
    await until(() => poller.polls === 2, 'a poll once the stuck plugin was passed over');
    expect(window.covers(stuck.cursor)).toBe(false);
  });

  it('is not held back by a plugin that is not running (paused, holding, disabled)', async () => {
    const fast: FakeRunner = { active: true, cursor: 0, cursorAhead: false };
    const paused: FakeRunner = { active: true, cursor: 0, cursorAhead: false };
    const { pl, window, poller } = loop(4, 4, [fast, paused]);
    running = pl;
    pl.start();
    await until(() => poller.polls === 1 && window.full, 'the first page filled the window');
    fast.cursor = 4;
    paused.active = false;
    pl.readerMoved();
    await until(() => poller.polls === 2, 'a poll once the only one behind paused');
    expect(window.read(4, 10).events.map((e) => e.id)).toEqual([5, 6, 7, 8]);
  });
});
