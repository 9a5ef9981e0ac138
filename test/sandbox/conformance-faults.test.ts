// Conformance: the fault knobs the reference asks the emulator for (§6.1 commit-order
// gaps, §1.5 / §6.7 throttling, gateway errors, HTML 403, slow replies) and the
// `/_sandbox/stats` counters. A hand-moved clock makes hold windows exact and fast.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, manualClock, onlyError, type Site } from './conformance-helpers.js';

const LOUD = { name: 'conf_faults', key: 'k3y-faults' };

describe('conformance §6.1 / §1.5: faults', () => {
  // 800 ms into a second, so a 500 ms hold straddles a created_at second boundary.
  const clock = manualClock(Date.UTC(2026, 0, 15, 12, 0, 0, 800));
  let site: Site;
  let token: string;
  let project: { type: 'Project'; id: number };

  beforeAll(async () => {
    site = await boot({ scripts: [{ ...LOUD, generateEvents: true }], clock: clock.now });
    token = await site.scriptToken(LOUD.name, LOUD.key);
    project = { type: 'Project', id: await site.create('projects', token, { name: 'Conformance Faults' }) };
  });
  afterAll(async () => {
    await site?.close();
  });

  const events = async (after: number): Promise<Array<{ id: number; created_at: string; entityId: number }>> => {
    const r = await site.search('event_log_entries', token, {
      filters: [['id', 'greater_than', after]],
      fields: 'id,created_at,meta',
      sort: 'id',
      page: { size: 500, number: 1 },
    });
    expect(r.status).toBe(200);
    return r.json.data.map((d: { id: number; attributes: { created_at: string; meta: { entity_id: number } } }) => ({
      id: d.id,
      created_at: d.attributes.created_at,
      entityId: d.attributes.meta.entity_id,
    }));
  };
  const lastId = async (): Promise<number> =>
    (await site.api('GET', '/entity/event_log_entries?sort=-id&page[size]=1&fields=id', { token })).json.data[0].id as number;

  // ------------------------------------------------------------------ §6.1 commit order

  it("§6.1 holdWrites: a held write's ids stay invisible while later ids show (a gap), then fill in", async () => {
    const before = await lastId();
    const set = await site.control('faults', { events: { holdWrites: 1, holdMs: 500 } });
    expect(set.status).toBe(200);

    const held = await site.create('assets', token, { code: 'held', project });
    clock.advance(300);
    const later = await site.create('assets', token, { code: 'later', project });

    const during = await events(before);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((e) => e.entityId === later)).toBe(true);
    const gap = during[0]!.id - before - 1;
    expect(gap).toBeGreaterThan(0);
    // The hidden ids are invisible to a read by id too.
    expect((await site.api('GET', `/entity/event_log_entries/${before + 1}`, { token })).status).toBe(404);

    clock.advance(300);
    const after = await events(before);
    expect(after.map((e) => e.id)).toEqual(Array.from({ length: after.length }, (_, i) => before + 1 + i));
    const heldRows = after.filter((e) => e.entityId === held);
    expect(heldRows).toHaveLength(gap);
    expect(heldRows.every((e) => e.id < during[0]!.id)).toBe(true);
    // The late rows carry their write time: older than ids that were visible before them.
    const laterRow = after.find((e) => e.entityId === later)!;
    for (const h of heldRows) expect(Date.parse(h.created_at)).toBeLessThan(Date.parse(laterRow.created_at));
  });

  it('§6.1 skipIds: burned ids make a gap that never fills', async () => {
    const before = await lastId();
    expect((await site.control('faults', { events: { skipIds: 3 } })).status).toBe(200);
    await site.create('assets', token, { code: 'after-skip', project });
    const evs = await events(before);
    expect(evs[0]!.id).toBe(before + 4);
    clock.advance(5 * 60_000);
    token = await site.scriptToken(LOUD.name, LOUD.key);
    const later = await events(before);
    expect(later[0]!.id).toBe(before + 4);
    for (const missing of [before + 1, before + 2, before + 3]) {
      expect((await site.api('GET', `/entity/event_log_entries/${missing}`, { token })).status).toBe(404);
    }
    // The knob is one-shot: the next write is dense again.
    const mid = await lastId();
    await site.create('assets', token, { code: 'dense', project });
    expect((await events(mid))[0]!.id).toBe(mid + 1);
  });

  it('§6.1 gapEvery/gapSize: every Nth write burns ids before its events (gaps that never fill)', async () => {
    expect((await site.control('faults', { events: { gapEvery: 1, gapSize: 2 } })).status).toBe(200);
    const before = await lastId();
    const a = await site.create('assets', token, { code: 'gap-a', project });
    const b = await site.create('assets', token, { code: 'gap-b', project });
    await site.control('faults', { events: { gapEvery: 0 } });
    const evs = await events(before);
    const firstA = evs.find((e) => e.entityId === a)!.id;
    const lastA = Math.max(...evs.filter((e) => e.entityId === a).map((e) => e.id));
    const firstB = evs.find((e) => e.entityId === b)!.id;
    expect(firstA).toBe(before + 3);
    expect(firstB).toBe(lastA + 3);
  });

  it('§6.1 delayEvery/delayMs: every Nth write commits late; POST /_sandbox/reset-faults turns it off', async () => {
    expect((await site.control('faults', { events: { delayEvery: 1, delayMs: 1000 } })).status).toBe(200);
    const before = await lastId();
    const a = await site.create('assets', token, { code: 'late', project });
    expect(await events(before)).toEqual([]);
    clock.advance(1001);
    expect((await events(before)).every((e) => e.entityId === a)).toBe(true);
    expect((await events(before)).length).toBeGreaterThan(0);
    expect((await site.control('reset-faults')).status).toBe(200);
    const mid = await lastId();
    await site.create('assets', token, { code: 'prompt', project });
    expect((await events(mid)).length).toBeGreaterThan(0);
  });

  // ------------------------------------------------------------------ HTTP faults

  it('§1.5 / §6.7 fail 429 with retryAfter: a JSON 429 carrying Retry-After, once', async () => {
    expect((await site.control('faults', { fail: [{ status: 429, retryAfter: 2 }] })).status).toBe(200);
    const r = await site.api('GET', '/entity/assets?fields=id', { token });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('2');
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(onlyError(r).status).toBe(429);
    expect((await site.api('GET', '/entity/assets?fields=id', { token })).status).toBe(200);
  });

  it('§1.5 / §6.7 fail 429 without retryAfter: no Retry-After header', async () => {
    await site.control('faults', { fail: [{ status: 429 }] });
    const r = await site.api('GET', '/entity/assets?fields=id', { token });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBeNull();
    expect(onlyError(r).status).toBe(429);
  });

  it('§1.5 fail 502, 503 and 504: transient JSON errors with those statuses', async () => {
    await site.control('faults', { fail: [{ status: 502 }, { status: 503 }, { status: 504 }] });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await site.api('GET', '/entity/assets?fields=id', { token });
      statuses.push(r.status);
      if (r.status !== 200) expect(onlyError(r).status).toBe(r.status);
    }
    expect(statuses).toEqual([502, 503, 504, 200]);
  });

  it('§1.5 503 carries a Retry-After header when asked', async () => {
    await site.control('faults', { fail: [{ status: 503, retryAfter: 7 }] });
    const r = await site.api('GET', '/entity/assets?fields=id', { token });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('7');
  });

  it('§1.5 / §4 fail 403 html: an HTML page (content-type text/html), not JSON', async () => {
    await site.control('faults', { fail: [{ status: 403, html: true }] });
    const r = await site.api('GET', '/entity/assets?fields=id', { token });
    expect(r.status).toBe(403);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.text).toMatch(/<html/i);
    expect(() => JSON.parse(r.text)).toThrow();
  });

  it('§1.5 fail 403 without html is a JSON error', async () => {
    await site.control('faults', { fail: [{ status: 403 }] });
    const r = await site.api('GET', '/entity/assets?fields=id', { token });
    expect(r.status).toBe(403);
    expect(onlyError(r).status).toBe(403);
  });

  it('§6.7 a fault with count N fails N requests, then clears', async () => {
    await site.control('faults', { fail: [{ status: 502, count: 2 }] });
    const s: number[] = [];
    for (let i = 0; i < 3; i++) s.push((await site.api('GET', '/entity/assets?fields=id', { token })).status);
    expect(s).toEqual([502, 502, 200]);
  });

  it("§6.7 a fault with a path only hits matching requests (here the poller's _search)", async () => {
    await site.control('faults', { fail: [{ status: 503, path: '/_search' }] });
    expect((await site.api('GET', '/entity/assets?fields=id', { token })).status).toBe(200);
    expect((await site.search('event_log_entries', token, { filters: [], page: { size: 1 } })).status).toBe(503);
    expect((await site.search('event_log_entries', token, { filters: [], page: { size: 1 } })).status).toBe(200);
  });

  it('§1.2 / §6.7 faults reach the token endpoint too', async () => {
    await site.control('faults', { fail: [{ status: 503, path: 'auth/access_token' }] });
    const r = await site.api('POST', '/auth/access_token', {
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: LOUD.name, client_secret: LOUD.key }),
    });
    expect(r.status).toBe(503);
    token = await site.scriptToken(LOUD.name, LOUD.key);
  });

  it('§6.7 POST /_sandbox/reset-faults clears queued faults', async () => {
    await site.control('faults', { fail: [{ status: 500, count: 5 }] });
    expect((await site.control('reset-faults')).status).toBe(200);
    expect((await site.api('GET', '/entity/assets?fields=id', { token })).status).toBe(200);
  });

  it('§6.7 slowMs delays every reply by that many ms', async () => {
    await site.control('faults', { slowMs: 300 });
    const t0 = performance.now();
    const r = await site.api('GET', '/entity/assets?fields=id&page[size]=1', { token });
    const took = performance.now() - t0;
    await site.control('faults', { slowMs: 0 });
    expect(r.status).toBe(200);
    expect(took).toBeGreaterThanOrEqual(290);
    const t1 = performance.now();
    await site.api('GET', '/entity/assets?fields=id&page[size]=1', { token });
    expect(performance.now() - t1).toBeLessThan(250);
  });

  it('§6.7 an invalid fault request → 400', async () => {
    const r = await site.control('faults', { fail: [{ status: 418 }] });
    expect(r.status).toBe(400);
  });

  // ------------------------------------------------------------------ stats

  it('GET /_sandbox/stats counts requests by "METHOD /path" (ids as :id), tokens issued, and the event log', async () => {
    const s0 = (await site.raw('GET', '/_sandbox/stats')).json;
    expect(s0).toMatchObject({
      total: expect.any(Number),
      requests: expect.any(Object),
      auth: expect.any(Number),
      events: { count: expect.any(Number), lastId: expect.any(Number) },
    });
    const id = await site.create('assets', token, { code: 'counted', project });
    await site.api('GET', `/entity/assets/${id}`, { token });
    await site.api('GET', `/entity/assets/${id}`, { token });
    await site.search('assets', token, { filters: [] });
    await site.scriptToken(LOUD.name, LOUD.key);
    const s1 = (await site.raw('GET', '/_sandbox/stats')).json;
    expect(s1.total - s0.total).toBe(5);
    const d = (k: string) => (s1.requests[k] ?? 0) - (s0.requests[k] ?? 0);
    expect(d('POST /entity/assets')).toBe(1);
    expect(d('GET /entity/assets/:id')).toBe(2);
    expect(d('POST /entity/assets/_search')).toBe(1);
    expect(d('POST /auth/access_token')).toBe(1);
    expect(s1.auth - s0.auth).toBe(1);
    expect(s1.events.lastId).toBe(await lastId());
    expect(s1.events.count).toBeGreaterThan(s0.events.count);
  });
});
