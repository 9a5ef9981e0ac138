// Conformance: the legacy `/api3/json` wire (docs/shotgrid-wire.md §4): `info` without auth, and the
// shotgun_api3 `read` of EventLogEntry that the Python daemon issues.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, ISO_Z, type Site } from './conformance-helpers.js';

const LOUD = { name: 'conf_api3', key: 'k3y-api3' };
const AUTH = { script_name: LOUD.name, script_key: LOUD.key };

describe('conformance §4: /api3/json', () => {
  let site: Site;
  let token: string;
  let project: { type: 'Project'; id: number };

  beforeAll(async () => {
    site = await boot({ scripts: [{ ...LOUD, generateEvents: true }] });
    token = await site.scriptToken(LOUD.name, LOUD.key);
    project = { type: 'Project', id: await site.create('projects', token, { name: 'Conformance api3' }) };
  });
  afterAll(async () => {
    await site?.close();
  });

  const rpc = (method_name: string, params: unknown[]) =>
    site.raw('POST', '/api3/json', { body: { method_name, params }, type: 'application/json; charset=utf-8' });

  /** The read args shotgun_api3's find() builds for the daemon's poll (§4). */
  const readArgs = (after: number, extra: Record<string, unknown> = {}) => ({
    type: 'EventLogEntry',
    return_fields: ['id', 'event_type', 'attribute_name', 'meta', 'entity', 'user', 'project', 'session_uuid', 'created_at'],
    filters: { logical_operator: 'and', conditions: [{ path: 'id', relation: 'greater_than', values: [after] }] },
    return_only: 'active',
    paging: { entities_per_page: 500, current_page: 1 },
    sorts: [{ field_name: 'id', direction: 'asc' }],
    api_return_image_urls: true,
    return_paging_info_without_counts: false,
    ...extra,
  });

  const lastId = async (): Promise<number> =>
    (await site.api('GET', '/entity/event_log_entries?sort=-id&page[size]=1&fields=id', { token })).json.data[0].id as number;

  it('§4 info with params [] needs no auth and returns a version triple', async () => {
    const r = await rpc('info', []);
    expect(r.status).toBe(200);
    const info = r.json.results ?? r.json;
    expect(Array.isArray(info.version)).toBe(true);
    expect(info.version).toHaveLength(3);
    expect(info.version[0] * 100 + info.version[1]).toBeGreaterThanOrEqual(204);
    expect(info.user_authentication_method).toBe('default');
  });

  it('§4 read of EventLogEntry with api3 {path, relation, values} filters returns flat entities and entity_count', async () => {
    const before = await lastId();
    const shot = await site.create('shots', token, { code: 'api3-shot', project });
    const r = await rpc('read', [AUTH, readArgs(before)]);
    expect(r.status).toBe(200);
    expect(r.json.exception).toBeUndefined();
    const res = r.json.results ?? r.json;
    const ents = res.entities as Array<Record<string, unknown>>;
    expect(ents.length).toBeGreaterThan(1);
    expect(res.paging_info).toEqual({ entity_count: ents.length });
    const ids = ents.map((e) => e.id as number);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBeGreaterThan(before);
    const first = ents[0]!;
    expect(first).toMatchObject({
      type: 'EventLogEntry',
      event_type: 'Shotgun_Shot_New',
      attribute_name: null,
      meta: { type: 'new_entity', entity_type: 'Shot', entity_id: shot },
      entity: { type: 'Shot', id: shot, name: 'api3-shot' },
      user: { type: 'ApiUser', name: LOUD.name },
      project: { type: 'Project', id: project.id },
      session_uuid: null,
    });
    expect(first.created_at).toMatch(ISO_Z);
    // api3 entities are flat dicts: no JSON:API wrappers.
    expect(first.attributes).toBeUndefined();
    expect(first.relationships).toBeUndefined();
  });

  it('§4 read with "in" values and return_paging_info_without_counts answers has_next_page', async () => {
    const before = await lastId();
    await site.create('assets', token, { code: 'api3-a', project });
    const evIds = (await rpc('read', [AUTH, readArgs(before)])).json.results.entities.map((e: { id: number }) => e.id) as number[];
    expect(evIds.length).toBeGreaterThanOrEqual(2);
    const r = await rpc('read', [
      AUTH,
      readArgs(0, {
        filters: { logical_operator: 'and', conditions: [{ path: 'id', relation: 'in', values: [evIds[1], evIds[0]] }] },
        paging: { entities_per_page: 1, current_page: 1 },
        return_paging_info_without_counts: true,
      }),
    ]);
    const res = r.json.results ?? r.json;
    expect(res.entities.map((e: { id: number }) => e.id)).toEqual([evIds[0]]);
    expect(res.paging_info).toEqual({ has_next_page: true });
  });

  it('§4 bad script credentials → HTTP 200 {exception: true, error_code: 102}', async () => {
    const r = await rpc('read', [{ script_name: LOUD.name, script_key: 'wrong' }, readArgs(0)]);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ exception: true, error_code: 102, message: expect.any(String) });
  });

  it('§4 an unknown field in an api3 filter → HTTP 200 fault, not an HTTP error', async () => {
    const r = await rpc('read', [
      AUTH,
      readArgs(0, { filters: { logical_operator: 'and', conditions: [{ path: 'nope', relation: 'is', values: [1] }] } }),
    ]);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ exception: true, error_code: expect.any(Number) });
    expect(r.json.message).toMatch(/nope/);
  });
});
