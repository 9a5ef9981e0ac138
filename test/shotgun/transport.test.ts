// Pure parts of the transport: backoff with full jitter, Retry-After, error mapping (§1.5).
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  ShotgunError,
  UnsupportedMediaTypeError,
} from '../../electron/shotgun/errors.js';
import { errorClassForStatus, errorObjects, quoteBody } from '../../electron/shotgun/errors.js';
import { refreshLeadMs } from '../../electron/shotgun/auth.js';
import { backoffDelay } from '../../electron/retry.js';
import { parseRetryAfter } from '../../electron/shotgun/transport.js';

describe('backoffDelay (full jitter)', () => {
  const opts = { baseMs: 250, maxMs: 30_000 };
  it('is bounded by base·2^(n-1) and by maxMs', () => {
    expect(backoffDelay(1, opts, () => 0.999999)).toBe(249);
    expect(backoffDelay(2, opts, () => 0.999999)).toBe(499);
    expect(backoffDelay(4, opts, () => 0.999999)).toBe(1999);
    expect(backoffDelay(20, opts, () => 0.999999)).toBe(29_999);
    expect(backoffDelay(3, opts, () => 0)).toBe(0);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(500);
  });
  it('with Math.random stays within [0, cap)', () => {
    for (let n = 1; n < 12; n++) {
      const d = backoffDelay(n, opts);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(Math.min(30_000, 250 * 2 ** (n - 1)));
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter(['2', '9'], now)).toBe(2000);
  });
  it('reads an HTTP date (past dates mean now)', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('errors (§1.5)', () => {
  it('maps final statuses to classes', () => {
    expect(errorClassForStatus(400)).toBe(BadRequestError);
    expect(errorClassForStatus(401)).toBe(AuthenticationError);
    expect(errorClassForStatus(403)).toBe(PermissionError);
    expect(errorClassForStatus(404)).toBe(NotFoundError);
    expect(errorClassForStatus(415)).toBe(UnsupportedMediaTypeError);
    expect(errorClassForStatus(429)).toBe(RateLimitError);
    expect(errorClassForStatus(500)).toBe(ServerError);
    expect(errorClassForStatus(503)).toBe(ServerError);
    expect(errorClassForStatus(409)).toBe(ShotgunError);
  });
  it('reads errors[] verbatim from the RB cassette shape, first code wins', () => {
    const body = {
      errors: [
        {
          id: '20c4fb862df36b574b2c8ce984cd920f',
          status: 400,
          code: 103,
          title: "API read() Asset.not_existing_field doesn't exist.",
          source: { 'Asset.not_existing_field': ' does not exist.' },
          detail: null,
          meta: null,
        },
      ],
    };
    const errs = errorObjects(body, 400);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ status: 400, code: 103, title: "API read() Asset.not_existing_field doesn't exist." });
    const e = new BadRequestError('boom', { status: 400, errors: errs, requestId: 'r1', serverRequestId: 's1', method: 'POST', url: 'http://x' });
    expect(e).toBeInstanceOf(ShotgunError);
    expect(e.name).toBe('BadRequestError');
    expect(e.code).toBe(103);
    expect(e.message).toContain('r1');
    expect(e.message).toContain('s1');
    expect(errorObjects('nope', 500)).toEqual([]);
    expect(errorObjects({ errors: ['plain'] }, 500)).toEqual([{ status: 500, title: 'plain' }]);
  });
  it('quotes the start of a body on one line', () => {
    const q = quoteBody('<html>\n  <body>' + 'x'.repeat(500));
    expect(q.startsWith('"<html> <body>')).toBe(true);
    expect(q.length).toBeLessThan(210);
  });
});

describe('token refresh lead (§6.5)', () => {
  it('is 60 s for normal ttls and 10% of short ones', () => {
    expect(refreshLeadMs(600)).toBe(60_000);
    expect(refreshLeadMs(3600)).toBe(60_000);
    expect(refreshLeadMs(100)).toBe(10_000);
    expect(refreshLeadMs(2)).toBe(200);
  });
});
