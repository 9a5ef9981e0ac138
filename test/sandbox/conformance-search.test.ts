// Conformance: listing and searching (docs/shotgrid-wire.md §1.1 paths, §1.3 `_search` and list,
// §1.4 record and page shapes, §3 filters and page size).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARRAY_TYPE, boot, HASH_TYPE, ISO_Z, onlyError, type Site } from './conformance-helpers.js';

const SCRIPT = { name: 'conf_search', key: 'k3y-search' };

describe('conformance §1.3 / §1.4 / §3: list and _search', () => {
  let site: Site;
  let token: string;
  let project: { type: 'Project'; id: number };
  let inProject: [string, string, unknown];
  /** Asset ids by code; created in this order: delta, alpha, charlie, bravo. */
  const assets: Record<string, number> = {};
  let shot: number;
  let task: number;

  beforeAll(async () => {
    site = await boot({ scripts: [{ ...SCRIPT, generateEvents: true }] });
    token = await site.scriptToken(SCRIPT.name, SCRIPT.key);
    project = { type: 'Project', id: await site.create('projects', token, { name: 'Conformance Search' }) };
    inProject = ['project', 'is', project];
    for (const [code, type] of [
      ['delta', 'Prop'],
      ['alpha', 'Character'],
      ['charlie', 'Prop'],
      ['bravo', 'Character'],
    ] as const) {
      assets[code] = await site.create('assets', token, { code, project, sg_asset_type: type, description: `asset ${code}` });
    }
    shot = await site.create('shots', token, { code: 'sh010', project, assets: [{ type: 'Asset', id: assets.alpha }] });
    task = await site.create('tasks', token, { content: 'anim', project, entity: { type: 'Shot', id: shot } });
  });
  afterAll(async () => {
    await site?.close();
  });

  const codes = (r: { json: { data: Array<{ attributes: { code: string } }> } }) => r.json.data.map((d) => d.attributes.code);

  // ------------------------------------------------------------------ §1.1 paths

  it('§1.1 the entity path takes the CamelCase type (/entity/Asset)', async () => {
    const r = await site.api('GET', `/entity/Asset?filter[project.Project.id]=${project.id}&fields=code&sort=id`, { token });
    expect(r.status).toBe(200);
    expect(codes(r)).toEqual(['delta', 'alpha', 'charlie', 'bravo']);
  });

  it('§1.1 the entity path takes the plural snake_case form (/entity/assets) with the same answer', async () => {
    const a = await site.api('GET', `/entity/Asset?fields=code&sort=id`, { token });
    const b = await site.api('GET', `/entity/assets?fields=code&sort=id`, { token });
    expect(b.status).toBe(200);
    expect(b.json).toEqual(a.json);
  });

  it('§1.1 /entity/event_log_entries and /entity/human_users are the plural forms of EventLogEntry and HumanUser', async () => {
    const ev = await site.search('event_log_entries', token, { filters: [], fields: 'id', sort: '-id', page: { size: 1 } });
    expect(ev.status).toBe(200);
    expect(ev.json.data[0].type).toBe('EventLogEntry');
    const hu = await site.api('GET', '/entity/human_users?fields=login&page[size]=1', { token });
    expect(hu.status).toBe(200);
    expect(hu.json.data[0].type).toBe('HumanUser');
    const camel = await site.search('EventLogEntry', token, { filters: [], fields: 'id', sort: '-id', page: { size: 1 } });
    expect(camel.json.data[0].id).toBe(ev.json.data[0].id);
  });

  it('§1.1 returned links always use plural snake_case, even when asked with CamelCase', async () => {
    const r = await site.search('EventLogEntry', token, { filters: [['id', 'greater_than', 0]], fields: 'id,user', page: { size: 1 } });
    const rec = r.json.data[0];
    expect(rec.links.self).toBe(`/api/v1.1/entity/event_log_entries/${rec.id}`);
    expect(rec.relationships.user.links.self).toBe(`/api/v1.1/entity/event_log_entries/${rec.id}/relationships/user`);
    expect(r.json.links.self).toMatch(/^\/api\/v1\.1\/entity\/event_log_entries\/_search/);
    const hu = await site.api('GET', '/entity/HumanUser?fields=login&page[size]=1', { token });
    expect(hu.json.data[0].links.self).toBe(`/api/v1.1/entity/human_users/${hu.json.data[0].id}`);
    expect(hu.json.links.self).toMatch(/^\/api\/v1\.1\/entity\/human_users\?/);
  });

  // ------------------------------------------------------------------ §1.3 _search content types

  it('§1.3 _search with the api3_array content type takes [path, relation, value] triples (AND)', async () => {
    const r = await site.search('assets', token, {
      filters: [inProject, ['sg_asset_type', 'is', 'Prop']],
      fields: 'code',
      sort: 'code',
    });
    expect(r.status).toBe(200);
    expect(codes(r)).toEqual(['charlie', 'delta']);
  });

  it('§1.3 _search with the api3_hash content type takes {logical_operator, conditions} (here "or")', async () => {
    const r = await site.search(
      'assets',
      token,
      {
        filters: {
          logical_operator: 'or',
          conditions: [
            ['code', 'is', 'alpha'],
            ['code', 'is', 'bravo'],
          ],
        },
        fields: ['code'],
        sort: 'code',
      },
      HASH_TYPE,
    );
    expect(r.status).toBe(200);
    expect(codes(r)).toEqual(['alpha', 'bravo']);
  });

  it('§1.3 api3_hash conditions nest groups', async () => {
    const r = await site.search(
      'assets',
      token,
      {
        filters: {
          logical_operator: 'and',
          conditions: [
            inProject,
            {
              logical_operator: 'or',
              conditions: [
                ['code', 'starts_with', 'd'],
                ['code', 'ends_with', 'lie'],
              ],
            },
          ],
        },
        fields: 'code',
        sort: 'code',
      },
      HASH_TYPE,
    );
    expect(codes(r)).toEqual(['charlie', 'delta']);
  });

  it('§1.3 the recorded RB request body (fields "*", page, hash filters on project.Project.id) works', async () => {
    const r = await site.search(
      'assets',
      token,
      { fields: '*', page: { size: 1, number: 1 }, filters: { conditions: [['project.Project.id', 'is', project.id]], logical_operator: 'and' } },
      HASH_TYPE,
    );
    expect(r.status).toBe(200);
    expect(r.json.data).toHaveLength(1);
    expect(r.json.data[0].attributes.code).toBe('delta');
  });

  it('§1.3 _search with application/json → 415 whose source.content_type names both vendor types', async () => {
    const r = await site.search('assets', token, { filters: [] }, 'application/json');
    expect(r.status).toBe(415);
    const e = onlyError(r);
    expect(e).toMatchObject({ status: 415, code: 103, title: "Unsupported Content-Type 'application/json'" });
    expect(e.source.content_type).toEqual(expect.arrayContaining([ARRAY_TYPE, HASH_TYPE]));
  });

  it('§1.3 an api3-style {path, relation, values} condition in a hash body → 400 "Missing logical operator"', async () => {
    const r = await site.search(
      'assets',
      token,
      { filters: { logical_operator: 'and', conditions: [{ path: 'code', relation: 'is', values: ['alpha'] }] } },
      HASH_TYPE,
    );
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ status: 400, title: 'Missing logical operator' });
  });

  it('§1.3 filters: [] matches every row (array content type)', async () => {
    const all = await site.api('GET', '/entity/assets?fields=id&page[size]=5000', { token });
    const r = await site.search('assets', token, { filters: [], fields: 'id', page: { size: 5000 } });
    expect(r.status).toBe(200);
    expect(r.json.data.length).toBe(all.json.data.length);
    expect(r.json.data.length).toBeGreaterThanOrEqual(4);
  });

  it('§1.3 filters: [] matches every row (hash content type)', async () => {
    const all = await site.api('GET', '/entity/assets?fields=id&page[size]=5000', { token });
    const r = await site.search('assets', token, { filters: [], fields: 'id', page: { size: 5000 } }, HASH_TYPE);
    expect(r.status).toBe(200);
    expect(r.json.data.length).toBe(all.json.data.length);
  });

  // ------------------------------------------------------------------ §1.3 sort

  it('§1.3 sort is a field name string, ascending', async () => {
    const r = await site.search('assets', token, { filters: [inProject], fields: 'code', sort: 'code' });
    expect(codes(r)).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
  });

  it('§1.3 a "-" prefix sorts descending', async () => {
    const r = await site.search('assets', token, { filters: [inProject], fields: 'code', sort: '-code' });
    expect(codes(r)).toEqual(['delta', 'charlie', 'bravo', 'alpha']);
  });

  it('§1.3 sort is comma-separated, with id ascending as the implicit tiebreak', async () => {
    const r = await site.search('assets', token, { filters: [inProject], fields: 'code', sort: '-sg_asset_type' });
    // Prop (delta, charlie by id) before Character (alpha, bravo by id).
    expect(codes(r)).toEqual(['delta', 'charlie', 'alpha', 'bravo']);
    const r2 = await site.search('assets', token, { filters: [inProject], fields: 'code', sort: 'sg_asset_type,-code' });
    expect(codes(r2)).toEqual(['bravo', 'alpha', 'delta', 'charlie']);
  });

  it('§1.3 an unknown sort field is silently ignored (200, id order)', async () => {
    const r = await site.search('assets', token, { filters: [inProject], fields: 'code', sort: 'no_such_field' });
    expect(r.status).toBe(200);
    expect(codes(r)).toEqual(['delta', 'alpha', 'charlie', 'bravo']);
  });

  it('§2.1 / §6.8 sorting on meta is silently ignored (id ascending)', async () => {
    const r = await site.search('event_log_entries', token, { filters: [['id', 'greater_than', 0]], fields: 'id', sort: 'meta', page: { size: 20 } });
    expect(r.status).toBe(200);
    const ids = r.json.data.map((d: { id: number }) => d.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('§1.3 a sort array → 400 "sort array is not valid"', async () => {
    const r = await site.search('assets', token, { filters: [], sort: ['code'] });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ status: 400, title: 'sort array is not valid' });
  });

  it('§1.3 GET list takes sort=-id', async () => {
    const r = await site.api('GET', `/entity/assets?filter[project.Project.id]=${project.id}&fields=code&sort=-id`, { token });
    expect(codes(r)).toEqual(['bravo', 'charlie', 'alpha', 'delta']);
  });

  // ------------------------------------------------------------------ §3 page size

  it('§3 page size 5000 is accepted', async () => {
    const r = await site.search('assets', token, { filters: [], fields: 'id', page: { size: 5000, number: 1 } });
    expect(r.status).toBe(200);
  });

  it('§3 page size 5001 → 400 code 103 "Request Parameters invalid." with source.page.size', async () => {
    const r = await site.search('assets', token, { filters: [], page: { size: 5001, number: 1 } });
    expect(r.status).toBe(400);
    const e = onlyError(r);
    expect(e).toMatchObject({ status: 400, code: 103, title: 'Request Parameters invalid.' });
    expect(e.source).toEqual({ page: { size: ['size must be less than 5000'] } });
  });

  it('§3 page[size]=5001 on a GET list is the same 400', async () => {
    const r = await site.api('GET', '/entity/assets?page[size]=5001', { token });
    expect(r.status).toBe(400);
    expect(onlyError(r).source).toEqual({ page: { size: ['size must be less than 5000'] } });
  });

  it('§3 page size 0 → 400 "size must be greater than 0"', async () => {
    const r = await site.search('assets', token, { filters: [], page: { size: 0, number: 1 } });
    expect(r.status).toBe(400);
    const e = onlyError(r);
    expect(e).toMatchObject({ code: 103, title: 'Request Parameters invalid.' });
    expect(e.source).toEqual({ page: { size: ['size must be greater than 0'] } });
  });

  it('§3 a negative page size → 400 "size must be greater than 0"', async () => {
    const r = await site.api('GET', '/entity/assets?page[size]=-3', { token });
    expect(r.status).toBe(400);
    expect(onlyError(r).source).toEqual({ page: { size: ['size must be greater than 0'] } });
  });

  it('§1.4 / §3 with no page given the default size is 500 (links.next carries page[size]=500)', async () => {
    const r = await site.search('assets', token, { filters: [inProject], fields: 'code' });
    expect(r.status).toBe(200);
    const next = new URL(r.json.links.next, 'http://x');
    expect(next.searchParams.get('page[size]')).toBe('500');
    expect(next.searchParams.get('page[number]')).toBe('2');
    const g = await site.api('GET', '/entity/assets?fields=code', { token });
    expect(new URL(g.json.links.next, 'http://x').searchParams.get('page[size]')).toBe('500');
  });

  it('§1.4 pages: page[number]=2 of size 1 is the second row, with self/next/prev links', async () => {
    const q = `filter[project.Project.id]=${project.id}&fields=code&sort=code`;
    const r = await site.api('GET', `/entity/assets?${q}&page[number]=2&page[size]=1`, { token });
    expect(r.status).toBe(200);
    expect(codes(r)).toEqual(['bravo']);
    const num = (l: string) => new URL(l, 'http://x').searchParams.get('page[number]');
    expect(num(r.json.links.self)).toBe('2');
    expect(num(r.json.links.next)).toBe('3');
    expect(num(r.json.links.prev)).toBe('1');
    expect(new URL(r.json.links.self, 'http://x').searchParams.get('sort')).toBe('code');
  });

  it('§1.4 a paginated response is {data, links} only: no meta, no total', async () => {
    const r = await site.search('assets', token, { filters: [inProject], fields: 'code' });
    expect(Object.keys(r.json).sort()).toEqual(['data', 'links']);
  });

  it('§1.4 links.next is present even on an empty page', async () => {
    const r = await site.search('assets', token, { filters: [['code', 'is', 'no-such-asset']], fields: 'code' });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual([]);
    expect(typeof r.json.links.next).toBe('string');
    const far = await site.search('assets', token, { filters: [inProject], fields: 'code', page: { size: 10, number: 99 } });
    expect(far.json.data).toEqual([]);
    expect(new URL(far.json.links.next, 'http://x').searchParams.get('page[number]')).toBe('100');
  });

  it('§1.3 _search also accepts page, sort and fields in the query string (NODE)', async () => {
    const r = await site.api('POST', `/entity/assets/_search?page[size]=2&page[number]=1&sort=-code&fields=code`, {
      body: { filters: [inProject] },
      type: ARRAY_TYPE,
      token,
    });
    expect(r.status).toBe(200);
    expect(codes(r)).toEqual(['delta', 'charlie']);
    expect(Object.keys(r.json.data[0].attributes)).toEqual(['code']);
  });

  // ------------------------------------------------------------------ §1.3 fields

  it('§1.3 an unknown name in fields is dropped at 200', async () => {
    const r = await site.search('assets', token, { filters: [['id', 'is', assets.alpha]], fields: 'code,not_a_field' });
    expect(r.status).toBe(200);
    expect(r.json.data[0].attributes).toEqual({ code: 'alpha' });
  });

  it('§1.3 fields=* and no fields both return all fields', async () => {
    const star = await site.api('GET', `/entity/assets/${assets.alpha}?fields=*`, { token });
    const none = await site.api('GET', `/entity/assets/${assets.alpha}`, { token });
    expect(star.json.data).toEqual(none.json.data);
    expect(Object.keys(star.json.data.attributes)).toEqual(
      expect.arrayContaining(['code', 'description', 'sg_asset_type', 'sg_status_list', 'created_at', 'updated_at']),
    );
    expect(Object.keys(star.json.data.relationships)).toEqual(expect.arrayContaining(['project', 'created_by', 'shots', 'tasks']));
  });

  it('§1.3 an unknown dotted name in fields is dropped too; a valid path through an empty link is null', async () => {
    const r = await site.search('tasks', token, { filters: [['id', 'is', task]], fields: 'content,bogus.Shot.code,entity.Shot.nope,step.Step.code' });
    expect(r.status).toBe(200);
    expect(r.json.data[0].attributes).toEqual({ content: 'anim', 'step.Step.code': null });
  });

  it('§1.5 an unknown field in a filter → 400 code 103 "API read() Asset.not_existing_field doesn\'t exist."', async () => {
    const r = await site.search('assets', token, { filters: [['not_existing_field', 'is', 'NOPE']] });
    expect(r.status).toBe(400);
    const e = onlyError(r);
    expect(e).toMatchObject({ status: 400, code: 103, title: "API read() Asset.not_existing_field doesn't exist." });
    expect(Object.keys(e.source)).toEqual(['Asset.not_existing_field']);
  });

  it('§1.3 an unknown field in a GET filter[...] is the same 400 code 103', async () => {
    const r = await site.api('GET', '/entity/assets?filter[not_existing_field]=NOPE', { token });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ code: 103, title: "API read() Asset.not_existing_field doesn't exist." });
  });

  it('§2.1 a serializable field (meta) in a filter → 400 "…\'serializable\' data type cannot be used in a filter"', async () => {
    const r = await site.search('event_log_entries', token, { filters: [['meta', 'is', 'x']] });
    expect(r.status).toBe(400);
    const e = onlyError(r);
    expect(e.code).toBe(103);
    expect(e.title).toMatch(/'serializable' data type cannot be used in a filter/);
  });

  it('§3 a bogus relation → 400 listing the legal relations for that field', async () => {
    const r = await site.search('assets', token, { filters: [['id', 'sounds_like', 1]] });
    expect(r.status).toBe(400);
    const e = onlyError(r);
    expect(e.code).toBe(103);
    for (const rel of ['is', 'is_not', 'less_than', 'greater_than', 'between', 'not_between', 'in', 'not_in']) {
      expect(e.title).toContain(rel);
    }
    expect(e.title).toContain('sounds_like');
  });

  it('§3 "id in [...]" returns rows in id order, not list order', async () => {
    const r = await site.search('assets', token, {
      filters: [['id', 'in', [assets.bravo, assets.delta, assets.charlie]]],
      fields: 'code',
    });
    expect(r.json.data.map((d: { id: number }) => d.id)).toEqual([assets.delta, assets.charlie, assets.bravo]);
  });

  it('§1.3 GET filter[field]=v is equality; a comma list means in', async () => {
    const one = await site.api('GET', `/entity/assets?filter[code]=charlie&fields=code`, { token });
    expect(codes(one)).toEqual(['charlie']);
    const many = await site.api('GET', `/entity/assets?filter[code]=charlie,alpha&fields=code&sort=code`, { token });
    expect(codes(many)).toEqual(['alpha', 'charlie']);
  });

  it('§3 greater_than on id (the poller query) works through _search', async () => {
    const r = await site.search('assets', token, { filters: [inProject, ['id', 'greater_than', assets.alpha]], fields: 'code', sort: 'id' });
    expect(codes(r)).toEqual(['charlie', 'bravo']);
  });

  it('§3 multi_entity "is" means contains', async () => {
    const other = await site.create('shots', token, {
      code: 'sh020',
      project,
      assets: [
        { type: 'Asset', id: assets.bravo },
        { type: 'Asset', id: assets.alpha },
      ],
    });
    const r = await site.search('shots', token, { filters: [['assets', 'is', { type: 'Asset', id: assets.alpha }]], fields: 'code', sort: 'id' });
    expect(r.json.data.map((d: { id: number }) => d.id)).toEqual([shot, other]);
    await site.api('DELETE', `/entity/shots/${other}`, { token });
  });

  it('§3 entity relations type_is and name_contains', async () => {
    const t = await site.search('tasks', token, { filters: [inProject, ['entity', 'type_is', 'Shot']], fields: 'content' });
    expect(t.json.data.map((d: { id: number }) => d.id)).toEqual([task]);
    const n = await site.search('tasks', token, { filters: [inProject, ['entity', 'name_contains', 'h01']], fields: 'content' });
    expect(n.json.data.map((d: { id: number }) => d.id)).toEqual([task]);
    const none = await site.search('tasks', token, { filters: [inProject, ['entity', 'type_is', 'Asset']], fields: 'content' });
    expect(none.json.data).toEqual([]);
  });

  it('§3 date_time in_last [n, "DAY"] matches recent rows', async () => {
    const r = await site.search('assets', token, { filters: [inProject, ['created_at', 'in_last', [1, 'DAY']]], fields: 'code', sort: 'code' });
    expect(r.status).toBe(200);
    expect(codes(r)).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
  });

  it('§1.3 options include_archived_projects=false hides rows of archived projects', async () => {
    const archived = await site.create('projects', token, { name: 'Archived One', archived: true });
    const a = await site.create('assets', token, { code: 'in-archive', project: { type: 'Project', id: archived } });
    const withArchived = await site.search('assets', token, { filters: [['code', 'is', 'in-archive']], fields: 'code' });
    expect(withArchived.json.data.map((d: { id: number }) => d.id)).toEqual([a]);
    const without = await site.search('assets', token, {
      filters: [['code', 'is', 'in-archive']],
      fields: 'code',
      options: { include_archived_projects: false },
    });
    expect(without.json.data).toEqual([]);
    const viaGet = await site.api('GET', '/entity/assets?filter[code]=in-archive&options[include_archived_projects]=false', { token });
    expect(viaGet.json.data).toEqual([]);
  });

  // ------------------------------------------------------------------ §1.4 record shape

  it('§1.4 a record is {type, id, attributes, relationships, links:{self}}', async () => {
    const r = await site.search('assets', token, { filters: [['id', 'is', assets.alpha]], fields: 'code,project' });
    const rec = r.json.data[0];
    expect(Object.keys(rec).sort()).toEqual(['attributes', 'id', 'links', 'relationships', 'type']);
    expect(rec.type).toBe('Asset');
    expect(rec.id).toBe(assets.alpha);
    expect(rec.links).toEqual({ self: `/api/v1.1/entity/assets/${assets.alpha}` });
  });

  it('§1.4 an entity field appears only under relationships: data {id,name,type}, links self and related', async () => {
    const r = await site.search('assets', token, { filters: [['id', 'is', assets.alpha]], fields: 'code,project' });
    const rec = r.json.data[0];
    expect(rec.attributes).toEqual({ code: 'alpha' });
    expect(rec.relationships).toEqual({
      project: {
        data: { type: 'Project', id: project.id, name: 'Conformance Search' },
        links: {
          self: `/api/v1.1/entity/assets/${assets.alpha}/relationships/project`,
          related: `/api/v1.1/entity/projects/${project.id}`,
        },
      },
    });
  });

  it('§1.4 a multi-entity field is a relationship whose data is an array', async () => {
    const r = await site.search('shots', token, { filters: [['id', 'is', shot]], fields: 'assets,tasks' });
    const rel = r.json.data[0].relationships;
    expect(r.json.data[0].attributes).toEqual({});
    expect(rel.assets.data).toEqual([{ type: 'Asset', id: assets.alpha, name: 'alpha' }]);
    expect(rel.assets.links.self).toBe(`/api/v1.1/entity/shots/${shot}/relationships/assets`);
    expect(rel.tasks.data).toEqual([{ type: 'Task', id: task, name: 'anim' }]);
  });

  it('§1.4 an empty link is a relationship with data null', async () => {
    const r = await site.search('tasks', token, { filters: [['id', 'is', task]], fields: 'step' });
    expect(r.json.data[0].relationships.step.data).toBeNull();
    expect(r.json.data[0].relationships.step.links.self).toBe(`/api/v1.1/entity/tasks/${task}/relationships/step`);
  });

  it('§1.4 relationships is {} when no link field was requested', async () => {
    const r = await site.search('assets', token, { filters: [['id', 'is', assets.alpha]], fields: 'code,description' });
    expect(r.json.data[0].relationships).toEqual({});
    expect(r.json.data[0].attributes).toEqual({ code: 'alpha', description: 'asset alpha' });
  });

  it('§1.4 a dotted field comes back flat under attributes, keyed by the literal path', async () => {
    const r = await site.search('tasks', token, { filters: [['id', 'is', task]], fields: 'content,entity.Shot.code' });
    const rec = r.json.data[0];
    expect(rec.attributes).toEqual({ content: 'anim', 'entity.Shot.code': 'sh010' });
    expect(rec.relationships).toEqual({});
  });

  it('§1.4 reads return date-times as ISO 8601 UTC "…Z" at second resolution', async () => {
    const r = await site.search('assets', token, { filters: [['id', 'is', assets.alpha]], fields: 'created_at,updated_at' });
    expect(r.json.data[0].attributes.created_at).toMatch(ISO_Z);
    expect(r.json.data[0].attributes.updated_at).toMatch(ISO_Z);
  });

  it('§1.3 options.return_only "retired" finds retired rows; the default finds only active ones', async () => {
    const id = await site.create('assets', token, { code: 'echo', project });
    expect((await site.api('DELETE', `/entity/assets/${id}`, { token })).status).toBe(204);
    const active = await site.search('assets', token, { filters: [['code', 'is', 'echo']], fields: 'code' });
    expect(active.json.data).toEqual([]);
    const retired = await site.search('assets', token, { filters: [['code', 'is', 'echo']], fields: 'code', options: { return_only: 'retired' } });
    expect(retired.json.data.map((d: { id: number }) => d.id)).toEqual([id]);
    const viaGet = await site.api('GET', `/entity/assets?filter[code]=echo&options[return_only]=retired&fields=code`, { token });
    expect(viaGet.json.data.map((d: { id: number }) => d.id)).toEqual([id]);
  });
});
