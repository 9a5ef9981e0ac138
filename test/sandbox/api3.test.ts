// The shotgun_api3 JSON-RPC endpoint (docs/shotgrid-wire.md §4): request/reply shapes as shotgun.py
// builds and parses them, driven through handleApi3 and once over real HTTP.
import type { Group } from '../../electron/sandbox/query.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultApi3Info, handleApi3, type Api3Deps } from '../../electron/sandbox/api3.js';
import { Auth } from '../../electron/sandbox/auth.js';
import { startSandbox } from '../../electron/sandbox/index.js';
import { seedDemo, type SeedResult } from '../../electron/sandbox/seed.js';
import { SandboxStore } from '../../electron/sandbox/store.js';

const API3_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const SCRIPT = { script_name: 'bot', script_key: 'k3y' };

/** The api3 filter form shotgun.py's `_translate_filters` sends. */
const and = (...conditions: Array<[string, string, ...unknown[]]>): Group => ({
  op: 'and',
  conditions: conditions.map(([path, relation, ...values]) => ({ path, relation, values })),
});

describe('api3 JSON-RPC (§4)', () => {
  let store: SandboxStore;
  let auth: Auth;
  let seed: SeedResult;
  let deps: Api3Deps;
  const call = (method: string, args?: unknown, a: unknown = SCRIPT): any =>
    handleApi3({ method_name: method, params: args === undefined ? [a] : [a, args] }, deps);
  const ok = (method: string, args?: unknown, a: unknown = SCRIPT): any => {
    const r = call(method, args, a);
    expect(r.exception, JSON.stringify(r)).toBeUndefined();
    expect(r).toHaveProperty('results');
    return r.results;
  };
  const project = () => seed.projects[0]!;

  beforeEach(() => {
    store = new SandboxStore();
    auth = new Auth(store);
    seed = seedDemo(store, auth, { size: 'minimal' });
    auth.addScript('bot', 'k3y', { generateEvents: true });
    deps = { store, auth, serverInfo: () => ({ site_name: 'test' }) };
  });

  it('info takes no auth and answers what shotgun_api3 needs (version ≥ 2.4, page size)', () => {
    const r = handleApi3({ method_name: 'info', params: [] }, deps) as any;
    expect(r.results.version).toEqual([8, 26, 0]);
    expect(r.results.full_version.slice(0, 3)).toEqual([8, 26, 0]);
    expect(r.results.user_authentication_method).toBe('default');
    expect(r.results.s3_uploads_enabled).toBe(false);
    expect(r.results.api_max_entities_per_page).toBe(500);
    expect(r.results.site_name).toBe('test');
    // A REST-shaped override does not break the version triple.
    deps.serverInfo = () => ({ version: 'v8.26', api_max_entities_per_page: 200 });
    const r2 = handleApi3({ method_name: 'info', params: [] }, deps) as any;
    expect(r2.results.version).toEqual(defaultApi3Info().version);
    expect(r2.results.api_max_entities_per_page).toBe(200);
  });

  it('bad or missing credentials are error_code 102 (AuthenticationFault), HTTP-200 style', () => {
    for (const a of [{ script_name: 'bot', script_key: 'nope' }, { user_login: 'ada', user_password: 'x' }, {}, null]) {
      const r = call('read', { type: 'Shot', filters: and() }, a);
      expect(r).toMatchObject({ exception: true, error_code: 102 });
      expect(typeof r.message).toBe('string');
    }
    // A seeded person logs in with the seed password.
    expect(ok('read', { type: 'Shot', filters: and() }, { user_login: 'ada', user_password: 'sandbox' }).entities.length).toBe(2);
  });

  it('an unknown method is a fault', () => {
    expect(call('frobnicate', {})).toMatchObject({ exception: true, error_code: 103 });
    expect(call('toString', {})).toMatchObject({ exception: true, error_code: 103 });
    expect(handleApi3('not an object', deps)).toMatchObject({ exception: true });
  });

  it('read: flat entities, links with names, api3 date-times, entity_count', () => {
    const r = ok('read', {
      type: 'Shot',
      return_fields: ['code', 'sg_cut_in', 'sg_cut_out', 'project', 'sg_sequence', 'created_at', 'tasks', 'sg_sequence.Sequence.code'],
      filters: and(['project', 'is', { type: 'Project', id: project().id }]),
      return_only: 'active',
      paging: { entities_per_page: 500, current_page: 1 },
      api_return_image_urls: true,
      return_paging_info_without_counts: false,
    });
    expect(r.paging_info).toEqual({ entity_count: 2 });
    expect(r.entities).toHaveLength(2);
    const s = r.entities[0];
    expect(s).toMatchObject({ type: 'Shot', code: 'bbb_010_0010', sg_cut_in: 1001 });
    expect(s.project).toEqual({ type: 'Project', id: project().id, name: 'Big Buck Bunny' });
    expect(s.created_at).toMatch(API3_DATE);
    expect(s['sg_sequence.Sequence.code']).toBe('bbb_010');
    expect(s.tasks.length).toBe(2);
  });

  it('read: paging, has_next_page, sorts, in-filters', () => {
    const base = { type: 'Task', return_fields: ['content', 'entity'], filters: and(['content', 'in', 'Animation', 'Comp']) };
    const p1 = ok('read', { ...base, paging: { entities_per_page: 3, current_page: 1 }, return_paging_info_without_counts: true });
    expect(p1.entities).toHaveLength(3);
    expect(p1.paging_info).toEqual({ has_next_page: true });
    const p2 = ok('read', { ...base, paging: { entities_per_page: 3, current_page: 2 }, return_paging_info_without_counts: true });
    expect(p2.entities).toHaveLength(1);
    expect(p2.paging_info).toEqual({ has_next_page: false });
    const sorted = ok('read', {
      ...base,
      sorts: [
        { field_name: 'content', direction: 'desc' },
        { field_name: 'id', direction: 'asc' },
      ],
    });
    expect(sorted.entities.map((t: any) => t.content)).toEqual(['Comp', 'Comp', 'Animation', 'Animation']);
    // shotgun.py's poller query: the event log after an id, ascending.
    const ev = ok('read', {
      type: 'EventLogEntry',
      return_fields: ['id', 'event_type', 'attribute_name', 'meta', 'entity', 'user', 'project', 'session_uuid', 'created_at'],
      filters: and(['id', 'greater_than', seed.lastEventId - 5]),
      sorts: [{ field_name: 'id', direction: 'asc' }],
      paging: { entities_per_page: 500, current_page: 1 },
    });
    expect(ev.entities.map((e: any) => e.id)).toEqual([1, 2, 3, 4, 5].map((i) => seed.lastEventId - 5 + i));
    expect(ev.paging_info.entity_count).toBe(5);
    expect(ev.entities[0].created_at).toMatch(API3_DATE);
  });

  it('read: a bare list of triples is honoured as filters; retired reads count retired rows', () => {
    const r = ok('read', { type: 'Shot', return_fields: ['code'], filters: [['code', 'is', 'bbb_010_0020']] });
    expect(r.entities.map((e: any) => e.code)).toEqual(['bbb_010_0020']);
    const v = store.rows('Version')[0]!;
    ok('delete', { type: 'Version', id: v.id });
    const retired = ok('read', { type: 'Version', return_fields: ['code'], filters: and(), return_only: 'retired', return_paging_info: true });
    expect(retired.paging_info).toEqual({ entity_count: 1 });
    const active = ok('read', { type: 'Version', filters: and() });
    expect(active.paging_info).toEqual({ entity_count: store.rows('Version').length - 1 });
  });

  it('read errors: unknown type, unknown field, unfilterable field', () => {
    expect(call('read', { type: 'Nope', filters: and() })).toMatchObject({ exception: true, error_code: 103 });
    expect(call('read', { type: 'Shot', filters: and(['bogus', 'is', 1]) })).toMatchObject({ exception: true, error_code: 103 });
    expect(call('read', { type: 'EventLogEntry', filters: and(['meta', 'is', 1]) })).toMatchObject({ exception: true, error_code: 103 });
  });

  it('create returns the fields set plus return_fields, and writes events (with session_uuid)', () => {
    const before = store.lastEventId;
    const r = ok(
      'create',
      {
        type: 'Shot',
        fields: [
          { field_name: 'code', value: 'bbb_010_0030' },
          { field_name: 'project', value: { type: 'Project', id: project().id, name: 'ignored' } },
          { field_name: 'sg_cut_in', value: 1001 },
        ],
        return_fields: ['sg_status_list', 'created_at'],
      },
      { ...SCRIPT, session_uuid: 'abc-123' },
    );
    expect(r).toMatchObject({ type: 'Shot', code: 'bbb_010_0030', sg_cut_in: 1001, sg_status_list: 'wtg' });
    expect(r.project).toEqual({ type: 'Project', id: project().id, name: 'Big Buck Bunny' });
    expect(r.created_at).toMatch(API3_DATE);
    const ev = store.find('EventLogEntry', { filters: and(['id', 'greater_than', before]), fields: ['event_type', 'session_uuid', 'user'] });
    expect(ev[0]).toMatchObject({ event_type: 'Shotgun_Shot_New', session_uuid: 'abc-123' });
    expect((ev[0]!.user as any).type).toBe('ApiUser');
    expect(ev.length).toBeGreaterThan(3);
    // Validation failures are faults with the store's code.
    expect(call('create', { type: 'Shot', fields: [{ field_name: 'code', value: 'x' }] })).toMatchObject({ exception: true, error_code: 103 });
  });

  it('update: fields and multi_entity_update_mode add/remove; returns the fields updated', () => {
    const task = store.rows('Task')[0]!;
    const ada = seed.users[1]!;
    const admin = seed.admin;
    const r = ok('update', {
      type: 'Task',
      id: task.id,
      fields: [
        { field_name: 'sg_status_list', value: 'ip' },
        { field_name: 'task_assignees', value: [{ type: 'HumanUser', id: admin.id }], multi_entity_update_mode: 'add' },
      ],
    });
    expect(Object.keys(r).sort()).toEqual(['id', 'sg_status_list', 'task_assignees', 'type']);
    expect(r.task_assignees.map((l: any) => l.id).sort()).toEqual([ada.id, admin.id].sort());
    const r2 = ok('update', {
      type: 'Task',
      id: task.id,
      fields: [{ field_name: 'task_assignees', value: [{ type: 'HumanUser', id: ada.id }], multi_entity_update_mode: 'remove' }],
    });
    expect(r2.task_assignees.map((l: any) => l.id)).toEqual([admin.id]);
    const last = store.find('EventLogEntry', { filters: and(['id', 'is', store.lastEventId]), fields: ['meta'] })[0]!;
    expect(last.meta).toMatchObject({ attribute_name: 'task_assignees', added: [], removed: [{ type: 'HumanUser', id: ada.id }] });
    expect(call('update', { type: 'Task', id: 99999, fields: [] })).toMatchObject({ exception: true, error_code: 104 });
  });

  it('delete and revive answer booleans; deleting a missing record is a fault', () => {
    const v = store.rows('Version')[0]!;
    expect(ok('delete', { type: 'Version', id: v.id })).toBe(true);
    expect(ok('delete', { type: 'Version', id: v.id })).toBe(false);
    const retired = ok('read', { type: 'Version', return_fields: ['code'], filters: and(['id', 'is', v.id]), return_only: 'retired' });
    expect(retired.entities).toHaveLength(1);
    expect(ok('revive', { type: 'Version', id: v.id })).toBe(true);
    expect(ok('revive', { type: 'Version', id: v.id })).toBe(false);
    expect(call('delete', { type: 'Version', id: 424242 })).toMatchObject({ exception: true, error_code: 104 });
    expect(call('delete', { type: 'EventLogEntry', id: 1 })).toMatchObject({ exception: true, error_code: 104 });
  });

  it('batch runs shotgun.py batch() requests in order, all or nothing', () => {
    const shot = store.rows('Shot')[0]!;
    const note = store.rows('Note')[0]!;
    const r = ok('batch', [
      {
        request_type: 'create',
        type: 'Shot',
        fields: [
          { field_name: 'code', value: 'b1' },
          { field_name: 'project', value: project() },
        ],
        return_fields: ['id'],
      },
      { request_type: 'update', type: 'Shot', id: shot.id, fields: [{ field_name: 'sg_cut_out', value: 1200 }] },
      { request_type: 'delete', type: 'Note', id: note.id },
    ]);
    expect(r).toHaveLength(3);
    expect(r[0]).toMatchObject({ type: 'Shot', code: 'b1' });
    expect(r[1]).toEqual({ type: 'Shot', id: shot.id, sg_cut_out: 1200 });
    expect(r[2]).toBe(true);

    const shots = store.rows('Shot').length;
    const events = store.eventCount;
    const bad = call('batch', [
      {
        request_type: 'create',
        type: 'Shot',
        fields: [
          { field_name: 'code', value: 'b2' },
          { field_name: 'project', value: project() },
        ],
      },
      { request_type: 'update', type: 'Shot', id: shot.id, fields: [{ field_name: 'sg_status_list', value: 'bogus' }] },
    ]);
    expect(bad).toMatchObject({ exception: true, error_code: 103 });
    expect(store.rows('Shot').length).toBe(shots);
    expect(store.eventCount).toBe(events);
    expect(call('batch', [{ request_type: 'explode', type: 'Shot' }])).toMatchObject({ exception: true });
  });

  it('summarize, schema_field_read, schema_entity_read', () => {
    const s = ok('summarize', {
      type: 'Task',
      filters: and(),
      summaries: [{ field: 'id', type: 'count' }],
      grouping: [{ field: 'content', type: 'exact', direction: 'asc' }],
    });
    expect(s.summaries).toEqual({ id: 4 });
    expect(s.groups).toHaveLength(2);
    const f = ok('schema_field_read', { type: 'Shot', field_name: 'sg_cut_in' });
    expect(f.sg_cut_in.data_type).toEqual({ value: 'number', editable: false });
    expect(Object.keys(ok('schema_field_read', { type: 'Shot' }))).toContain('sg_sequence');
    expect(ok('schema_entity_read')).toHaveProperty('EventLogEntry');
    expect(call('schema_field_read', { type: 'Shot', field_name: 'nope' })).toMatchObject({ exception: true, error_code: 103 });
  });

  it('get_session_token hands out a token that authenticates as session_token', () => {
    const { session_id } = ok('get_session_token', undefined, { user_login: 'ada', user_password: 'sandbox' });
    expect(typeof session_id).toBe('string');
    const r = ok('read', { type: 'Project', return_fields: ['name'], filters: and() }, { session_token: session_id, reject_if_expired: true });
    expect(r.entities[0].name).toBe('Big Buck Bunny');
    expect(call('read', { type: 'Project', filters: and() }, { session_token: 'bogus' })).toMatchObject({ exception: true, error_code: 102 });
  });
});

describe('api3 over HTTP (startSandbox)', () => {
  it('POST /api3/json: info, read, and a fault at HTTP 200', async () => {
    const sb = await startSandbox({ port: 0, seed: 'minimal', scripts: [{ name: 'bot', key: 'k3y' }] });
    try {
      const post = async (body: unknown) => {
        const res = await fetch(`${sb.url}/api3/json`, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'shotgun-json (3.10.0)' },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(200);
        return await res.json();
      };
      const info = await post({ method_name: 'info', params: [] });
      expect(info.results.version).toEqual([8, 26, 0]);
      const read = await post({
        method_name: 'read',
        params: [
          SCRIPT,
          { type: 'Shot', return_fields: ['code'], filters: and(), paging: { entities_per_page: 500, current_page: 1 }, return_only: 'active' },
        ],
      });
      expect(read.results.entities.map((e: any) => e.code)).toEqual(['bbb_010_0010', 'bbb_010_0020']);
      const bad = await post({ method_name: 'read', params: [{ script_name: 'bot', script_key: 'wrong' }, { type: 'Shot' }] });
      expect(bad).toMatchObject({ exception: true, error_code: 102 });
    } finally {
      await sb.close();
    }
  });
});
