import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../electron/engine/logging.js';
import { formatAsctime, formatTimingMessage, isoLocal } from '../../electron/engine/timing.js';

describe('formatDuration (the original "%02d:%02d:%02d:%02d.%06d")', () => {
  it('formats days, hours, minutes, seconds and microseconds', () => {
    expect(formatDuration(0)).toBe('00:00:00:00.000000');
    expect(formatDuration(1)).toBe('00:00:00:00.001000');
    expect(formatDuration(1234.567)).toBe('00:00:00:01.234567');
    expect(formatDuration(59_999)).toBe('00:00:00:59.999000');
    expect(formatDuration(3_600_000)).toBe('00:01:00:00.000000');
    expect(formatDuration(90_061_001)).toBe('01:01:01:01.001000');
    expect(formatDuration(12 * 86_400_000)).toBe('12:00:00:00.000000');
    expect(formatDuration(123 * 86_400_000 + 5)).toBe('123:00:00:00.005000');
  });

  it("normalises a negative duration as Python's timedelta does", () => {
    // timedelta(seconds=-1.5) = -1 day, 86398.5 s
    expect(formatDuration(-1500)).toBe('-1:23:59:58.500000');
    expect(formatDuration(-86_400_000)).toBe('-1:00:00:00.000000');
  });

  it('says None for an unknown duration', () => {
    expect(formatDuration(Number.NaN)).toBe('None');
  });
});

describe('time formats', () => {
  it('asctime is local time with a comma before the milliseconds', () => {
    const t = new Date(2026, 0, 2, 3, 4, 5, 67).getTime();
    expect(formatAsctime(t)).toBe('2026-01-02 03:04:05,067');
  });

  it('isoLocal is local ISO 8601 with microseconds and the offset', () => {
    const t = new Date(2026, 6, 8, 9, 10, 11, 120).getTime();
    const s = isoLocal(t);
    expect(s).toMatch(/^2026-07-08T09:10:11\.120000[+-]\d{2}:\d{2}$/);
    expect(Date.parse(s)).toBe(t);
  });
});

describe('formatTimingMessage', () => {
  it('keeps a created_at it cannot parse, with delay None', () => {
    const msg = formatTimingMessage({ eventId: 3, createdAt: 'yesterday', plugin: 'p', callback: 'c', start: 0, end: 1000, error: false });
    expect(msg).toMatch(/^event_id=3 created_at=yesterday callback=p\.c start=\S+ end=\S+ duration=00:00:00:01\.000000 error=False delay=None$/);
  });
});
