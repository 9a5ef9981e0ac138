// Conformance: read one, create, update, delete, revive, summarize, batch (reference
// §1.3 endpoint table, §1.4 write-reply date-times, §1.5 their 404s and 400s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARRAY_TYPE, boot, HASH_TYPE, ISO_Z, onlyError, SPACED_UTC, type Site } from './conformance-helpers.js';

const SCRIPT = { name: 'conf_crud', key: 'k3y-crud' };

describe('conformance §1.3 / §1.4 / §1.5: CRUD', () => {
  let site: Site;
  let token: string;
  let project: { type: 'Project'; id: number };

  beforeAll(async () => {
    site = await boot({ scripts: [SCRIPT] });
    token = await site.scriptToken(SCRIPT.name, SCRIPT.key);
    project = { type: 'Project', id: await site.create('projects', token, { name: 'Conformance CRUD' }) };
  });
  afterAll(async () => {
    await site?.close();
  });

  const count = async (filters: unknown[]): Promise<number> => {
    const r = await site.api('POST', '/entity/assets/_summarize', {
      body: { filters, summary_fields: [{ field: 'id', type: 'count' }] },
      type: ARRAY_TYPE,
      token,
    });
    return r.json.data.summaries.id as number;
  };

  // ------------------------------------------------------------------ read one

  it('§1.3 read one: 200 {data: record, links: {self}}', async () => {
    const id = await site.create('assets', token, { code: 'readme', project });
    const r = await site.api('GET', `/entity/assets/${id}`, { token });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['data', 'links']);
    expect(r.json.links).toEqual({ self: `/api/v1.1/entity/assets/${id}` });
    expect(r.json.data).toMatchObject({ type: 'Asset', id, links: { self: `/api/v1.1/entity/assets/${id}` } });
    expect(r.json.data.attributes.code).toBe('readme');
    expect(r.json.data.attributes.created_at).toMatch(ISO_Z);
  });

  it('§1.3 read one honours ?fields=', async () => {
    const id = await site.create('assets', token, { code: 'readfields', project, description: 'd' });
    const r = await site.api('GET', `/entity/Asset/${id}?fields=code,project`, { token });
    expect(r.json.data.attributes).toEqual({ code: 'readfields' });
    expect(Object.keys(r.json.data.relationships)).toEqual(['project']);
  });

  it('§1.5 read one of a missing id → 404 code 104 title "Not Found", detail "Asset: N not found"', async () => {
    const r = await site.api('GET', '/entity/assets/400000', { token });
    expect(r.status).toBe(404);
    const e = onlyError(r);
    expect(e).toMatchObject({ status: 404, code: 104, title: 'Not Found', detail: 'Asset: 400000 not found' });
  });

  it('§1.5 a retired row reads as the same 404; options[return_only]=retired reads it', async () => {
    const id = await site.create('assets', token, { code: 'gone', project });
    await site.api('DELETE', `/entity/assets/${id}`, { token });
    const r = await site.api('GET', `/entity/assets/${id}`, { token });
    expect(r.status).toBe(404);
    expect(onlyError(r)).toMatchObject({ code: 104, title: 'Not Found', detail: `Asset: ${id} not found` });
    const retired = await site.api('GET', `/entity/assets/${id}?options[return_only]=retired`, { token });
    expect(retired.status).toBe(200);
    expect(retired.json.data.attributes.code).toBe('gone');
  });

  it('§1.5 PUT of a missing id → 404 code 104 "Entity of type [Asset] with id=N does not exist."', async () => {
    const r = await site.api('PUT', '/entity/assets/400000', { body: { code: 'x' }, token });
    expect(r.status).toBe(404);
    expect(onlyError(r)).toMatchObject({ status: 404, code: 104, title: 'Entity of type [Asset] with id=400000 does not exist.' });
  });

  it('§1.5 DELETE of a missing id → 404 code 104 "Entity of type [Asset] with id=N does not exist."', async () => {
    const r = await site.api('DELETE', '/entity/assets/400000', { token });
    expect(r.status).toBe(404);
    expect(onlyError(r)).toMatchObject({ status: 404, code: 104, title: 'Entity of type [Asset] with id=400000 does not exist.' });
  });

  it('§1.5 revive of a missing id → 404 code 104 "Entity of type [Asset] with id=N does not exist."', async () => {
    const r = await site.api('POST', '/entity/assets/400000?revive=true', { token });
    expect(r.status).toBe(404);
    expect(onlyError(r)).toMatchObject({ status: 404, code: 104, title: 'Entity of type [Asset] with id=400000 does not exist.' });
  });

  it('§1.5 PUT and DELETE of a retired row give the same 404 as a missing one', async () => {
    const id = await site.create('assets', token, { code: 'retired-twice', project });
    expect((await site.api('DELETE', `/entity/assets/${id}`, { token })).status).toBe(204);
    const put = await site.api('PUT', `/entity/assets/${id}`, { body: { code: 'y' }, token });
    expect(put.status).toBe(404);
    expect(onlyError(put).title).toBe(`Entity of type [Asset] with id=${id} does not exist.`);
    const del = await site.api('DELETE', `/entity/assets/${id}`, { token });
    expect(del.status).toBe(404);
    expect(onlyError(del)).toMatchObject({ code: 104, title: `Entity of type [Asset] with id=${id} does not exist.` });
  });

  // ------------------------------------------------------------------ create

  it('§1.3 create: POST a flat JSON body → 201 {data: record}', async () => {
    const r = await site.api('POST', '/entity/assets', { body: { code: 'fresh', project, sg_asset_type: 'Prop' }, token });
    expect(r.status).toBe(201);
    expect(r.json.data).toMatchObject({ type: 'Asset', id: expect.any(Number) });
    expect(r.json.data.attributes).toMatchObject({ code: 'fresh', sg_asset_type: 'Prop', sg_status_list: 'wtg' });
    expect(r.json.data.relationships.project.data).toEqual({ type: 'Project', id: project.id, name: 'Conformance CRUD' });
    expect(r.json.data.links.self).toBe(`/api/v1.1/entity/assets/${r.json.data.id}`);
  });

  it('§1.4 create replies 201 with date-times as "YYYY-MM-DD HH:MM:SS UTC"', async () => {
    const r = await site.api('POST', '/entity/assets', { body: { code: 'dated', project }, token });
    expect(r.status).toBe(201);
    expect(r.json.data.attributes.created_at).toMatch(SPACED_UTC);
    expect(r.json.data.attributes.updated_at).toMatch(SPACED_UTC);
    // …and a read of the same row gives the ISO form of the same instant.
    const read = await site.api('GET', `/entity/assets/${r.json.data.id}?fields=created_at`, { token });
    const iso = read.json.data.attributes.created_at as string;
    expect(iso).toMatch(ISO_Z);
    expect(`${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`).toBe(r.json.data.attributes.created_at);
  });

  it('§1.5 create without project → 400 code 103 "API create() missing \'project\' attribute"', async () => {
    const r = await site.api('POST', '/entity/assets', { body: { code: 'orphan' }, token });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ status: 400, code: 103, title: "API create() missing 'project' attribute" });
  });

  it("a TaskTemplate's Task needs no project; entity_type takes only an entity type's name", async () => {
    const tpl = await site.api('POST', '/entity/task_templates', { body: { code: 'Asset - Basic', entity_type: 'Asset' }, token });
    expect(tpl.status).toBe(201);
    const task = await site.api('POST', '/entity/tasks', {
      body: { content: 'Model', task_template: { type: 'TaskTemplate', id: tpl.json.data.id } },
      token,
    });
    expect(task.status).toBe(201);
    const loose = await site.api('POST', '/entity/tasks', { body: { content: 'Model' }, token });
    expect(onlyError(loose)).toMatchObject({ code: 103, title: "API create() missing 'project' attribute" });
    const bad = await site.api('POST', '/entity/task_templates', { body: { code: 'x', entity_type: 'Spaceship' }, token });
    expect(onlyError(bad)).toMatchObject({
      code: 103,
      title: 'API create() TaskTemplate.entity_type expected an entity type name, got "Spaceship".',
    });
  });

  it('§1.5 create with an unknown field → 400 code 103 "…doesn\'t exist."', async () => {
    const r = await site.api('POST', '/entity/assets', { body: { code: 'x', project, sg_nope: 1 }, token });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ code: 103, title: "API create() Asset.sg_nope doesn't exist." });
  });

  // ------------------------------------------------------------------ update

  it('§1.3 update: PUT with only the changed keys → 200 with the whole record', async () => {
    const id = await site.create('assets', token, { code: 'before', project, description: 'kept' });
    const r = await site.api('PUT', `/entity/assets/${id}`, { body: { code: 'after' }, token });
    expect(r.status).toBe(200);
    expect(r.json.data).toMatchObject({ type: 'Asset', id });
    expect(r.json.data.attributes).toMatchObject({ code: 'after', description: 'kept', sg_status_list: 'wtg' });
    expect(r.json.data.relationships.project.data.id).toBe(project.id);
    expect(r.json.data.attributes.updated_at).toMatch(SPACED_UTC);
    const read = await site.api('GET', `/entity/assets/${id}?fields=code`, { token });
    expect(read.json.data.attributes.code).toBe('after');
  });

  // ------------------------------------------------------------------ delete / revive

  it('§1.3 delete: DELETE → 204 with an empty body', async () => {
    const id = await site.create('assets', token, { code: 'doomed', project });
    const r = await site.api('DELETE', `/entity/assets/${id}`, { token });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
  });

  it('§1.3 revive: POST ?revive=true → 200 {data:{type,id}, links:{self}, meta:{did_revive:true}}', async () => {
    const id = await site.create('assets', token, { code: 'phoenix', project });
    await site.api('DELETE', `/entity/assets/${id}`, { token });
    const r = await site.api('POST', `/entity/assets/${id}?revive=true`, { token });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ data: { type: 'Asset', id }, links: { self: `/api/v1.1/entity/assets/${id}` }, meta: { did_revive: true } });
    expect((await site.api('GET', `/entity/assets/${id}`, { token })).status).toBe(200);
  });

  // ------------------------------------------------------------------ summarize

  it('§1.3 _summarize count: 200 {data:{summaries:{id:N}, groups:[]}}', async () => {
    for (const code of ['s1', 's2', 's3']) await site.create('assets', token, { code, project, sg_asset_type: 'FX' });
    const r = await site.api('POST', '/entity/assets/_summarize', {
      body: {
        filters: [
          ['project', 'is', project],
          ['sg_asset_type', 'is', 'FX'],
        ],
        summary_fields: [{ field: 'id', type: 'count' }],
      },
      type: ARRAY_TYPE,
      token,
    });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ summaries: { id: 3 }, groups: [] });
  });

  it('§1.3 _summarize takes hash filters too, and counts exclude retired rows', async () => {
    const before = await count([['sg_asset_type', 'is', 'Vehicle']]);
    const id = await site.create('assets', token, { code: 'car', project, sg_asset_type: 'Vehicle' });
    expect(await count([['sg_asset_type', 'is', 'Vehicle']])).toBe(before + 1);
    await site.api('DELETE', `/entity/assets/${id}`, { token });
    const r = await site.api('POST', '/entity/assets/_summarize', {
      body: {
        filters: { logical_operator: 'and', conditions: [['sg_asset_type', 'is', 'Vehicle']] },
        summary_fields: [{ field: 'id', type: 'count' }],
      },
      type: HASH_TYPE,
      token,
    });
    expect(r.json.data).toEqual({ summaries: { id: before }, groups: [] });
  });

  // ------------------------------------------------------------------ batch

  it('§1.3 _batch: {requests:[{request_type, entity, record_id, data}]} → 200 {data:[…]}', async () => {
    const target = await site.create('assets', token, { code: 'batch-target', project });
    const victim = await site.create('assets', token, { code: 'batch-victim', project });
    const r = await site.api('POST', '/entity/_batch', {
      body: {
        requests: [
          { request_type: 'create', entity: 'Asset', data: { code: 'batch-new', project } },
          { request_type: 'update', entity: 'assets', record_id: target, data: { description: 'batched' } },
          { request_type: 'delete', entity: 'Asset', record_id: victim },
        ],
      },
      token,
    });
    expect(r.status).toBe(200);
    expect(r.json.data).toHaveLength(3);
    expect(r.json.data[0]).toMatchObject({ type: 'Asset', attributes: { code: 'batch-new' } });
    expect(r.json.data[1]).toMatchObject({ type: 'Asset', id: target, attributes: { description: 'batched' } });
    expect((await site.api('GET', `/entity/assets/${victim}`, { token })).status).toBe(404);
    const made = await site.api('GET', `/entity/assets/${r.json.data[0].id}?fields=code`, { token });
    expect(made.json.data.attributes.code).toBe('batch-new');
  });

  it('§1.3 _batch is transactional: one bad request and nothing is applied', async () => {
    const target = await site.create('assets', token, { code: 'tx-target', project, description: 'original' });
    const victim = await site.create('assets', token, { code: 'tx-victim', project });
    const assetsBefore = await count([]);
    const r = await site.api('POST', '/entity/_batch', {
      body: {
        requests: [
          { request_type: 'create', entity: 'Asset', data: { code: 'tx-new', project } },
          { request_type: 'update', entity: 'Asset', record_id: target, data: { description: 'changed' } },
          { request_type: 'delete', entity: 'Asset', record_id: victim },
          { request_type: 'create', entity: 'Asset', data: { code: 'tx-orphan' } },
        ],
      },
      token,
    });
    expect(r.status).toBe(400);
    expect(onlyError(r).title).toBe("API create() missing 'project' attribute");
    expect(await count([])).toBe(assetsBefore);
    expect(await count([['code', 'is', 'tx-new']])).toBe(0);
    const t = await site.api('GET', `/entity/assets/${target}?fields=description`, { token });
    expect(t.json.data.attributes.description).toBe('original');
    expect((await site.api('GET', `/entity/assets/${victim}`, { token })).status).toBe(200);
  });

  // ------------------------------------------------------------------ EventLogEntry rules

  it('§1.5 / §2.1 updating an EventLogEntry → 400 code 104 permission rule', async () => {
    const ev = await site.search('event_log_entries', token, { filters: [], fields: 'id', sort: '-id', page: { size: 1 } });
    const id = ev.json.data[0].id as number;
    const r = await site.api('PUT', `/entity/event_log_entries/${id}`, { body: { description: 'rewritten' }, token });
    expect(r.status).toBe(400);
    const e = onlyError(r);
    expect(e).toMatchObject({ status: 400, code: 104 });
    expect(e.title).toMatch(/^Entity of type EventLogEntry can not be updated by this user\. Rule: API Admin -- PermissionRule \d+$/);
  });

  it('§1.5 / §2.1 deleting an EventLogEntry → 400 code 104 "…can not be deleted by this user. Rule: API Admin -- PermissionRule 297"', async () => {
    const ev = await site.search('event_log_entries', token, { filters: [], fields: 'id', sort: '-id', page: { size: 1 } });
    const id = ev.json.data[0].id as number;
    const r = await site.api('DELETE', `/entity/event_log_entries/${id}`, { token });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({
      status: 400,
      code: 104,
      title: 'Entity of type EventLogEntry can not be deleted by this user. Rule: API Admin -- PermissionRule 297',
    });
    expect((await site.api('GET', `/entity/event_log_entries/${id}`, { token })).status).toBe(200);
  });

  it('§2.1 scripts may create custom EventLogEntry rows', async () => {
    const r = await site.api('POST', '/entity/event_log_entries', {
      body: { event_type: 'Conformance_Custom_Thing', description: 'custom', meta: { k: [1, 2] }, project },
      token,
    });
    expect(r.status).toBe(201);
    const got = await site.api('GET', `/entity/event_log_entries/${r.json.data.id}?fields=event_type,meta,project`, { token });
    expect(got.json.data.attributes).toEqual({ event_type: 'Conformance_Custom_Thing', meta: { k: [1, 2] } });
    expect(got.json.data.relationships.project.data.id).toBe(project.id);
  });
});
