// Typed errors, retries and timeouts against the sandbox's fault knobs (docs/shotgrid-wire.md §1.5, §6.7).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../electron/sandbox/index.js';
import {
  AuthenticationError,
  BadRequestError,
  NetworkError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  ShotgunError,
  UnsupportedMediaTypeError,
} from '../../electron/shotgun/index.js';
import { client, control, delta, sandbox, SCRIPT, stats } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sb: Sandbox;
let sg: ReturnType<typeof client>;

beforeAll(async () => {
  sb = await sandbox();
  sg = client(sb);
  await sg.findOne('Project', []); // token cached: request counts below exclude auth
});
afterEach(async () => {
  await control(sb, 'reset-faults');
  sg.events.length = 0;
});
afterAll(async () => {
  await sg.close();
  await sb.close();
});

/** Runs `fn`, returns its error (fails the test if it resolves) and the sandbox traffic it caused. */
async function failing(fn: () => Promise<unknown>): Promise<{ err: ShotgunError; d: Awaited<ReturnType<typeof stats>>; ms: number }> {
  const before = await stats(sb);
  const t0 = Date.now();
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  const ms = Date.now() - t0;
  expect(err, 'expected the call to fail').toBeInstanceOf(ShotgunError);
  return { err: err as ShotgunError, d: delta(before, await stats(sb)), ms };
}

describe('4xx: typed, never retried (§1.5)', () => {
  it('400 unknown field → BadRequestError code 103 with errors[]', async () => {
    const { err, d } = await failing(() => sg.find('Shot', [['not_a_field', 'is', 'x']]));
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.status).toBe(400);
    expect(err.code).toBe(103);
    expect(err.errors[0]).toMatchObject({ status: 400, code: 103 });
    expect(err.errors[0]!.title).toContain('not_a_field');
    expect(err.message).toContain('not_a_field');
    expect(err.method).toBe('POST');
    expect(err.url).toBe(`${sb.url}/api/v1.1/entity/Shot/_search`);
    expect(d.total).toBe(1);
  });

  it('400 bad relation and page size out of range are BadRequestErrors too', async () => {
    await expect(sg.find('Shot', [['code', 'greater_than_or_so', 'x']])).rejects.toBeInstanceOf(BadRequestError);
    const raw = await failing(() =>
      sg.request('POST', '/entity/Shot/_search', {
        body: { filters: [], page: { size: 5001, number: 1 } },
        contentType: 'application/vnd+shotgun.api3_array+json',
      }),
    );
    expect(raw.err).toBeInstanceOf(BadRequestError);
    expect(raw.err.errors[0]!.source).toMatchObject({ page: { size: [expect.stringContaining('5000')] } });
  });

  it('404 unknown record (code 104) and unknown type → NotFoundError', async () => {
    const rec = await failing(() => sg.update('Shot', 99999999, { description: 'x' }));
    expect(rec.err).toBeInstanceOf(NotFoundError);
    expect(rec.err.code).toBe(104);
    expect(rec.err.message).toContain('99999999');
    expect(rec.d.total).toBe(1);
    const type = await failing(() => sg.find('NotAType', []));
    expect(type.err).toBeInstanceOf(NotFoundError);
    expect(type.err.message).toContain('NotAType');
  });

  it('415: a raw application/json _search is refused and mapped; the client itself never sends it', async () => {
    const { err, d } = await failing(() => sg.request('POST', '/entity/Shot/_search', { body: { filters: [] } }));
    expect(err).toBeInstanceOf(UnsupportedMediaTypeError);
    expect(err.status).toBe(415);
    expect(d.total).toBe(1);
    // The typed calls choose a vendor type for both filter forms, and form-encode auth.
    await expect(sg.find('Shot', [['id', 'greater_than', 0]], ['code'], undefined, 1)).resolves.toBeDefined();
    await expect(sg.find('Shot', [{ filter_operator: 'any', filters: [['id', 'greater_than', 0]] }], ['code'], undefined, 1)).resolves.toBeDefined();
    await expect(sg.summarize('Shot', [], [{ field: 'id', type: 'count' }])).resolves.toBeDefined();
  });

  it('415 injected by the faults knob → UnsupportedMediaTypeError, not retried', async () => {
    await control(sb, 'faults', { fail: [{ status: 415, count: 1, path: '/_search' }] });
    const { err, d } = await failing(() => sg.find('Shot', []));
    expect(err).toBeInstanceOf(UnsupportedMediaTypeError);
    expect(d.total).toBe(1);
  });

  it('403 HTML page → PermissionError quoting the page, no JSON parse crash, not retried', async () => {
    await control(sb, 'faults', { fail: [{ status: 403, count: 1, html: true, path: '/entity' }] });
    const { err, d } = await failing(() => sg.find('Shot', []));
    expect(err).toBeInstanceOf(PermissionError);
    expect(err.status).toBe(403);
    expect(err.message).toContain('non-JSON reply (text/html');
    expect(err.message).toContain('API access to this site has been blocked');
    expect(err.message).not.toMatch(/Unexpected token|JSON\.parse/);
    expect(d.total).toBe(1);
  });

  it('403 JSON → PermissionError with errors[]', async () => {
    await control(sb, 'faults', { fail: [{ status: 403, count: 1, path: '/entity' }] });
    const { err } = await failing(() => sg.find('Shot', []));
    expect(err).toBeInstanceOf(PermissionError);
    expect(err.errors[0]?.title).toBe('Forbidden');
  });
});

describe('request ids', () => {
  it('every error carries our per-call id (in the message) and the server one', async () => {
    const a = await failing(() => sg.find('Shot', [['nope', 'is', 1]]));
    const b = await failing(() => sg.find('Shot', [['nope', 'is', 1]]));
    expect(a.err.requestId).toMatch(UUID);
    expect(a.err.requestId).not.toBe(b.err.requestId);
    expect(a.err.message).toContain(a.err.requestId);
    expect(a.err.serverRequestId).toBeTruthy();
    expect(a.err.message).toContain(a.err.serverRequestId!);
  });
});

describe('retries (§1.5 [inferred] policy)', () => {
  it('429 without Retry-After: backoff, then success', async () => {
    await control(sb, 'faults', { fail: [{ status: 429, count: 2, path: '/_search' }] });
    const before = await stats(sb);
    const rows = await sg.find('Shot', [], ['code']);
    expect(rows.length).toBeGreaterThan(0);
    expect(delta(before, await stats(sb)).total).toBe(3);
    const retries = sg.events.filter((e) => e.kind === 'retry');
    expect(retries.map((e) => (e as { status?: number }).status)).toEqual([429, 429]);
    // Full jitter under the caps of the test client (base 5 ms, then 10 ms).
    expect((retries[0] as { delayMs: number }).delayMs).toBeLessThan(5);
    expect((retries[1] as { delayMs: number }).delayMs).toBeLessThan(10);
    expect(sg.events.at(-1)).toMatchObject({ kind: 'ok', status: 200, attempt: 3 });
  });

  it('429 with Retry-After: 1 waits about a second', async () => {
    await control(sb, 'faults', { fail: [{ status: 429, count: 1, retryAfter: 1, path: '/_search' }] });
    const t0 = Date.now();
    await sg.find('Shot', [], ['code'], undefined, 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(sg.events.find((e) => e.kind === 'retry')).toMatchObject({ delayMs: 1000, status: 429 });
  });

  it.each([502, 503, 504])('%i is retried', async (status) => {
    await control(sb, 'faults', { fail: [{ status, count: 2, path: '/_search' }] });
    const before = await stats(sb);
    await sg.find('Shot', [], ['code'], undefined, 1);
    expect(delta(before, await stats(sb)).total).toBe(3);
  });

  it('500 is not retried → ServerError', async () => {
    await control(sb, 'faults', { fail: [{ status: 500, count: 1, path: '/_search' }] });
    const { err, d } = await failing(() => sg.find('Shot', []));
    expect(err).toBeInstanceOf(ServerError);
    expect(err.status).toBe(500);
    expect(d.total).toBe(1);
  });

  it('503 past the attempts → ServerError after exactly `attempts` tries', async () => {
    await control(sb, 'faults', { fail: [{ status: 503, count: 50, path: '/_search' }] });
    const { err, d } = await failing(() => sg.find('Shot', []));
    expect(err).toBeInstanceOf(ServerError);
    expect(err.status).toBe(503);
    expect(err.message).toContain('after 4 attempts');
    expect(d.total).toBe(4);
    expect(sg.events.at(-1)).toMatchObject({ kind: 'error' });
  });

  it('429 past the attempts → RateLimitError', async () => {
    await control(sb, 'faults', { fail: [{ status: 429, count: 50, path: '/_search' }] });
    const { err, d } = await failing(() => sg.find('Shot', []));
    expect(err).toBeInstanceOf(RateLimitError);
    expect(d.total).toBe(4);
  });

  it('a Retry-After beyond maxRetryAfterMs fails at once with RateLimitError.retryAfterMs', async () => {
    const impatient = client(sb, { retry: { attempts: 4, baseMs: 5, maxMs: 50, maxRetryAfterMs: 2000 } });
    await impatient.findOne('Project', []);
    await control(sb, 'faults', { fail: [{ status: 429, count: 1, retryAfter: 600, path: '/_search' }] });
    const { err, d, ms } = await failing(() => impatient.find('Shot', []));
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfterMs).toBe(600_000);
    expect(d.total).toBe(1);
    expect(ms).toBeLessThan(1000);
    await impatient.close();
  });

  it('a slow server past timeoutMs → NetworkError after the retries', async () => {
    const quick = client(sb, { timeoutMs: 100, retry: { attempts: 2, baseMs: 5, maxMs: 10 } });
    await quick.findOne('Project', []);
    await control(sb, 'faults', { slowMs: 400 });
    const { err, d, ms } = await failing(() => quick.find('Shot', []));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toContain('Timed out after 100 ms');
    expect(err.message).toContain('2 attempts');
    expect(d.total).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(200);
    expect(ms).toBeLessThan(1500);
    await quick.close();
  });

  it('connection refused → NetworkError (ECONNREFUSED) after the retries', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const dead = client(sb, { server: `http://127.0.0.1:${port}`, retry: { attempts: 3, baseMs: 5, maxMs: 10 } });
    const err = (await dead.info().catch((e: unknown) => e)) as NetworkError;
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).toContain('3 attempts');
    expect(dead.events.filter((e) => e.kind === 'retry')).toHaveLength(2);
    await dead.close();
  });

  it('an AbortSignal stops a call (and its retries) with the caller’s reason', async () => {
    await control(sb, 'faults', { slowMs: 300 });
    const ac = new AbortController();
    const reason = new Error('stop now');
    setTimeout(() => ac.abort(reason), 50);
    const t0 = Date.now();
    await expect(sg.find('Shot', [], undefined, undefined, 0, { signal: ac.signal })).rejects.toBe(reason);
    expect(Date.now() - t0).toBeLessThan(250);
  });
});

describe('bad credentials (§1.2): clear, not retried', () => {
  it('wrong script key → AuthenticationError naming the script and the site', async () => {
    const bad = client(sb, { credentials: { scriptName: SCRIPT.name, scriptKey: 'wrong' } });
    const { err, d } = await failing(() => bad.find('Shot', []));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.status).toBe(400);
    expect(err.code).toBe(102);
    expect(err.message).toMatch(
      new RegExp(`^Can't authenticate script '${SCRIPT.name}' at ${sb.url}: Can't authenticate script '${SCRIPT.name}'\\.`),
    );
    expect(d.total).toBe(1);
    expect(d.auth).toBe(0);
    await bad.close();
  });

  it('wrong password → AuthenticationError naming the user', async () => {
    const bad = client(sb, { credentials: { login: 'tester', password: 'nope' } });
    const { err } = await failing(() => bad.find('Shot', []));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toContain("Can't authenticate user 'tester' at");
    await bad.close();
  });
});
