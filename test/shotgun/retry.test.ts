// The one retry policy (electron/retry.ts): backoff with jitter, an abortable delay, and
// which client errors say they are worth retrying.
import { describe, expect, it } from 'vitest';
import { backoffDelay, delay, isRetriable } from '../../electron/retry.js';
import {
  AuthenticationError,
  BadRequestError,
  NetworkError,
  PermissionError,
  ProtocolError,
  RateLimitError,
  ServerError,
} from '../../electron/shotgun/errors.js';

const init = { requestId: 'r1', method: 'GET', url: 'http://127.0.0.1/x' };

describe('backoffDelay (narrow jitter)', () => {
  it('stays within ±20% of the capped exponential', () => {
    const b = { baseMs: 1000, maxMs: 8000, jitter: 'narrow' as const };
    expect(backoffDelay(1, b, () => 0)).toBe(800);
    expect(backoffDelay(1, b, () => 0.999999)).toBe(1200);
    expect(backoffDelay(3, b, () => 0.5)).toBe(4000);
    expect(backoffDelay(10, b, () => 0.5)).toBe(8000);
  });
});

describe('delay', () => {
  it('resolves after the wait, and rejects with the reason when its signal aborts', async () => {
    await expect(delay(1)).resolves.toBeUndefined();
    const c = new AbortController();
    const pending = delay(60_000, { signal: c.signal });
    c.abort(new Error('stopping'));
    await expect(pending).rejects.toThrow('stopping');
    await expect(delay(1, { signal: c.signal })).rejects.toThrow('stopping');
  });
});

describe('isRetriable', () => {
  it('is true for throttling, server and network errors only', () => {
    for (const E of [RateLimitError, ServerError, NetworkError]) expect(isRetriable(new E('x', init)), E.name).toBe(true);
    for (const E of [AuthenticationError, BadRequestError, PermissionError, ProtocolError]) expect(isRetriable(new E('x', init)), E.name).toBe(false);
    expect(isRetriable(new Error('plain'))).toBe(false);
    expect(isRetriable({ retriable: true })).toBe(true);
    expect(isRetriable(null)).toBe(false);
  });
});
