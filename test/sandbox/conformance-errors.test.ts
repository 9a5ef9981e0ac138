// Conformance: the error envelope and the §1.5 status/code table, on the wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARRAY_TYPE, boot, onlyError, type Site } from './conformance-helpers.js';

const SCRIPT = { name: 'conf_errors', key: 'k3y-errors' };

describe('conformance §1.5: errors', () => {
  let site: Site;
  let token: string;
  let project: { type: 'Project'; id: number };

  beforeAll(async () => {
    site = await boot({ scripts: [SCRIPT] });
    token = await site.scriptToken(SCRIPT.name, SCRIPT.key);
    project = { type: 'Project', id: await site.create('projects', token, { name: 'Conformance Errors' }) };
  });
  afterAll(async () => {
    await site?.close();
  });

  it('§1.5 an error body is {"errors":[{id, status, code, title, source, detail, meta}]} as JSON', async () => {
    const r = await site.search('assets', token, { filters: [['not_existing_field', 'is', 'NOPE']] });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(r.json)).toEqual(['errors']);
    const e = onlyError(r);
    expect(Object.keys(e).sort()).toEqual(['code', 'detail', 'id', 'meta', 'source', 'status', 'title']);
    expect(e.detail).toBeNull();
    expect(e.meta).toBeNull();
    expect(typeof e.source).toBe('object');
  });

  it('§1.5 the error id is a 32-hex string, different on each reply', async () => {
    const a = onlyError(await site.api('GET', '/entity/assets/400000', { token }));
    const b = onlyError(await site.api('GET', '/entity/assets/400000', { token }));
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(b.id).toMatch(/^[0-9a-f]{32}$/);
    expect(a.id).not.toBe(b.id);
  });

  it('§1.5 replies carry an x-request-id header, as the recorded exchanges do', async () => {
    const ok = await site.api('GET', '/entity/projects?fields=name&page[size]=1', { token });
    const bad = await site.api('GET', '/entity/assets/400000', { token });
    expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('§1.5 the status inside the error object equals the HTTP status', async () => {
    const replies = await Promise.all([
      site.api('GET', '/entity/assets/400000', { token }),
      site.api('GET', '/entity/assets'),
      site.search('assets', token, { filters: [] }, 'application/json'),
      site.api('POST', '/entity/assets', { body: { code: 'x' }, token }),
    ]);
    expect(replies.map((r) => r.status)).toEqual([404, 401, 415, 400]);
    for (const r of replies) expect(onlyError(r).status).toBe(r.status);
  });

  it('§1.5 the unknown-field title and source follow the recorded cassette ("API read() T.f doesn\'t exist.", source keyed "T.f")', async () => {
    const r = await site.search('shots', token, { filters: [['not_existing_field', 'is', 'NOPE']] });
    const e = onlyError(r);
    expect(e).toMatchObject({ status: 400, code: 103, title: "API read() Shot.not_existing_field doesn't exist." });
    expect(typeof e.source['Shot.not_existing_field']).toBe('string');
    expect(e.source['Shot.not_existing_field']).toMatch(/does not exist/);
  });

  it('§1.5 an unknown field at the end of a deep path is 400 code 103 too', async () => {
    const r = await site.search('tasks', token, { filters: [['entity.Shot.nope', 'is', 'x']] });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ code: 103, title: "API read() Shot.nope doesn't exist." });
  });

  it('§1.5 404 code 103 "Entity type \'not_a_type\' does not exist." on GET list', async () => {
    const r = await site.api('GET', '/entity/not_a_type', { token });
    expect(r.status).toBe(404);
    expect(onlyError(r)).toMatchObject({ status: 404, code: 103, title: "Entity type 'not_a_type' does not exist." });
  });

  it('§1.5 the unknown-type 404 holds for _search, read one, create and schema too', async () => {
    const replies = await Promise.all([
      site.search('not_a_type', token, { filters: [] }),
      site.api('GET', '/entity/not_a_type/1', { token }),
      site.api('POST', '/entity/not_a_type', { body: { code: 'x' }, token }),
      site.api('GET', '/schema/not_a_type/fields', { token }),
    ]);
    for (const r of replies) {
      expect(r.status).toBe(404);
      expect(onlyError(r)).toMatchObject({ code: 103, title: "Entity type 'not_a_type' does not exist." });
    }
  });

  it("§1.5 400 code 103 for a value outside a list field's valid values", async () => {
    const r = await site.api('POST', '/entity/assets', { body: { code: 'x', project, sg_asset_type: 'Spaceship' }, token });
    expect(r.status).toBe(400);
    const e = onlyError(r);
    expect(e.code).toBe(103);
    expect(e.title).toContain('Spaceship');
  });

  it('§1.5 400 code 103 for a link to a row that does not exist', async () => {
    const r = await site.api('POST', '/entity/assets', { body: { code: 'x', project: { type: 'Project', id: 999_999 } }, token });
    expect(r.status).toBe(400);
    expect(onlyError(r).code).toBe(103);
  });

  it('§1.5 a malformed JSON body → 400 "Invalid JSON body"', async () => {
    const r = await site.api('POST', '/entity/assets/_search', { body: '{"filters": [', type: ARRAY_TYPE, token });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ status: 400, code: 103, title: 'Invalid JSON body' });
  });

  it("§1.5 a relation illegal for the field's data type (greater_than on a checkbox) → 400 listing is, is_not", async () => {
    const r = await site.search('versions', token, { filters: [['sg_superseded', 'greater_than', true]] });
    expect(r.status).toBe(400);
    const e = onlyError(r);
    expect(e.code).toBe(103);
    expect(e.title).toMatch(/greater_than/);
    expect(e.title).toMatch(/is, is_not/);
  });

  it('§1.5 / §1.2 every call but the token endpoint and server info needs a bearer (401 before 404)', async () => {
    const r = await site.api('GET', '/entity/not_a_type');
    expect(r.status).toBe(401);
    expect(onlyError(r).detail).toBe('Token invalid');
  });
});
