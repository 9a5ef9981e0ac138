// A runner's counters: the callback-time ring (average, percentiles, segment size) and the
// newest created_at handled, kept per event without per-event shifting or parsing.
import { describe, expect, it } from 'vitest';
import { RunnerStats } from '../../electron/engine/runner-stats.js';

describe('RunnerStats', () => {
  it('averages the last 256 callback times, however many came before', () => {
    const s = new RunnerStats();
    expect(s.average()).toBeNull();
    expect(s.batchSize(500)).toBe(8);
    for (let i = 0; i < 1000; i++) s.recordDuration(1000);
    for (let i = 0; i < 256; i++) s.recordDuration(0.1 * (i % 3));
    // Only the last 256 count: 0, 0.1, 0.2 repeated.
    expect(s.average()).toBeCloseTo((0.1 * (85 + 2 * 85)) / 256, 9);
    expect(s.percentile(0.5)).toBe(0.1);
    expect(s.batchSize(500)).toBe(500);
    for (let i = 0; i < 100; i++) s.recordDuration(50);
    expect(s.percentile(0.99)).toBe(50);
    expect(s.batchSize(500)).toBeLessThan(10);
  });

  it('keeps the newest created_at, whatever order the events come in', () => {
    const s = new RunnerStats();
    s.noteCreatedAt('2026-01-01T00:00:05Z');
    s.noteCreatedAt('2026-01-01T00:00:05Z');
    s.noteCreatedAt('2026-01-01T00:00:03Z'); // a late event
    expect(s.lastCreatedAt).toBe(Date.parse('2026-01-01T00:00:05Z'));
    s.noteCreatedAt('2026-01-01T00:00:07Z');
    s.noteCreatedAt('not a date');
    expect(s.lastCreatedAt).toBe(Date.parse('2026-01-01T00:00:07Z'));
  });
});
