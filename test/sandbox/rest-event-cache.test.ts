// The sandbox reuses each event's REST encoding (electron/sandbox/rest-event-cache.ts): a
// page read again must say exactly what it said, and still follow what the kept encodings
// cannot know by themselves: a linked row renamed, retired, revived.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncodedEvents } from '../../electron/sandbox/rest-event-cache.js';
import { boot, type Site } from './conformance-helpers.js';

const LOUD = { name: 'cache_loud', key: 'k3y-cache' };
const POLLER_FIELDS = 'id,event_type,attribute_name,meta,entity,user,project,session_uuid,created_at';

describe('sandbox: kept event encodings', () => {
  let site: Site;
  let token: string;
  let project: { type: 'Project'; id: number };

  beforeAll(async () => {
    site = await boot({ scripts: [{ ...LOUD, generateEvents: true }] });
    token = await site.scriptToken(LOUD.name, LOUD.key);
    project = { type: 'Project', id: await site.create('projects', token, { name: 'Cache Project' }) };
  });
  afterAll(async () => {
    await site?.close();
  });

  const page = (after: number, fields: string = POLLER_FIELDS) =>
    site.search('event_log_entries', token, { filters: [['id', 'greater_than', after]], fields, sort: 'id', page: { size: 500 } });

  const lastEventId = async (): Promise<number> => {
    const r = await site.search('event_log_entries', token, { filters: [], fields: 'id', sort: '-id', page: { size: 1 } });
    return r.json.data[0].id as number;
  };

  it('a page read again is byte for byte the same, and matches the page read with other fields', async () => {
    const before = await lastEventId();
    await site.create('shots', token, { code: 'cache010', project });
    const first = await page(before);
    expect(first.status).toBe(200);
    expect(first.json.data.length).toBeGreaterThan(0);
    const again = await page(before);
    expect(again.text).toBe(first.text);
    // Every field (no fields asked) is another shape: encoded for itself, same values.
    const all = await page(before, '*');
    const pick = (r: { json: { data: Array<{ id: number; attributes: Record<string, unknown>; relationships: Record<string, unknown> }> } }) =>
      r.json.data.map((d) => ({ id: d.id, meta: d.attributes.meta, entity: d.relationships.entity }));
    expect(pick(all)).toEqual(pick(first));
  });

  it("follows a linked row's rename, retirement and revival", async () => {
    const before = await lastEventId();
    const shot = await site.create('shots', token, { code: 'cache020', project });
    const entityNames = async () => {
      const r = await page(before);
      const create = r.json.data.find((d: { attributes: { event_type: string } }) => d.attributes.event_type.endsWith('_Shot_New'));
      return (create.relationships.entity as { data: { name?: string } | null }).data;
    };
    expect(await entityNames()).toEqual({ type: 'Shot', id: shot, name: 'cache020' });
    expect(await entityNames()).toEqual({ type: 'Shot', id: shot, name: 'cache020' }); // kept

    expect((await site.api('PUT', `/entity/shots/${shot}`, { body: { code: 'cache020b' }, token })).status).toBe(200);
    expect(await entityNames()).toEqual({ type: 'Shot', id: shot, name: 'cache020b' });

    expect((await site.api('DELETE', `/entity/shots/${shot}`, { token })).status).toBe(204);
    expect(await entityNames()).toBeNull();

    expect((await site.api('POST', `/entity/shots/${shot}?revive=true`, { token })).status).toBe(200);
    expect(await entityNames()).toEqual({ type: 'Shot', id: shot, name: 'cache020b' });
  });
});

describe('EncodedEvents: bounded', () => {
  const rec = (id: number) => ({ type: 'EventLogEntry', id, entity: { type: 'Shot', id: 1, name: 'a' } });

  it('keeps encodings up to its size, dropping the oldest first', () => {
    // ~100 characters each; 250 characters kept: two of them.
    const cache = new EncodedEvents(['entity'], 250 / (1024 * 1024));
    let encoded = 0;
    const json = (id: number) =>
      cache.json('s', rec(id), () => {
        encoded++;
        return JSON.stringify(rec(id)).padEnd(100);
      });
    json(1);
    json(2);
    json(3); // over the size: 1 goes
    expect(encoded).toBe(3);
    json(3);
    json(2);
    expect(encoded).toBe(3); // both still kept
    json(1);
    expect(encoded).toBe(4); // 1 was dropped
  });

  it('keeps nothing at size 0', () => {
    const cache = new EncodedEvents(['entity'], 0);
    let encoded = 0;
    for (let i = 0; i < 3; i++) cache.json('s', rec(1), () => String(++encoded));
    expect(encoded).toBe(3);
  });
});
