// Conformance: the schema endpoints (docs/shotgrid-wire.md §1.3 table, §1.1 CamelCase schema paths,
// the field-schema shape of the RB cassettes and §7, and the §2.1 EventLogEntry types).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, onlyError, type Site } from './conformance-helpers.js';

const SCRIPT = { name: 'conf_schema', key: 'k3y-schema' };

describe('conformance §1.3: schema', () => {
  let site: Site;
  let token: string;

  beforeAll(async () => {
    site = await boot({ scripts: [SCRIPT], seed: 'none' });
    token = await site.scriptToken(SCRIPT.name, SCRIPT.key);
  });
  afterAll(async () => {
    await site?.close();
  });

  const fieldShape = {
    name: { value: expect.any(String), editable: expect.any(Boolean) },
    entity_type: { value: expect.any(String), editable: false },
    data_type: { value: expect.any(String), editable: false },
    editable: { value: expect.any(Boolean), editable: false },
    mandatory: { value: expect.any(Boolean), editable: false },
    unique: { value: expect.any(Boolean), editable: false },
    visible: { value: expect.any(Boolean), editable: false },
    properties: { default_value: { editable: false } },
  };

  it('§1.3 GET /schema → 200 {data: {Type: {name, visible}}, links: {self}}', async () => {
    const r = await site.api('GET', '/schema', { token });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['data', 'links']);
    expect(r.json.links).toEqual({ self: '/api/v1.1/schema' });
    expect(Object.keys(r.json.data)).toEqual(expect.arrayContaining(['Asset', 'Shot', 'Task', 'EventLogEntry', 'HumanUser', 'ApiUser', 'Project']));
    expect(r.json.data.Asset).toEqual({ name: { value: 'Asset', editable: false }, visible: { value: true, editable: false } });
  });

  it('§1.3 GET /schema/Asset is the recorded cassette body', async () => {
    const r = await site.raw('GET', '/api/v1/schema/Asset', { token });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      data: { name: { value: 'Asset', editable: false }, visible: { value: true, editable: false } },
      links: { self: '/api/v1/schema/Asset' },
    });
  });

  it('§1.3 GET /schema/{Type}/fields → every field in the schema_field_read shape', async () => {
    const r = await site.api('GET', '/schema/Asset/fields', { token });
    expect(r.status).toBe(200);
    expect(r.json.links).toEqual({ self: '/api/v1.1/schema/Asset/fields' });
    expect(Object.keys(r.json.data)).toEqual(expect.arrayContaining(['id', 'code', 'project', 'created_at', 'sg_status_list', 'shots']));
    for (const f of Object.values(r.json.data)) expect(f).toMatchObject(fieldShape);
    expect(r.json.data.code).toMatchObject({ entity_type: { value: 'Asset' }, data_type: { value: 'text' } });
    expect(r.json.data.shots.properties.valid_types).toEqual({ value: ['Shot'], editable: true });
    expect(r.json.data.created_at).toMatchObject({ data_type: { value: 'date_time' }, editable: { value: false } });
  });

  it('§1.3 GET /schema/{Type}/fields/{field} → that one field', async () => {
    const r = await site.api('GET', '/schema/Shot/fields/sg_status_list', { token });
    expect(r.status).toBe(200);
    expect(r.json.links).toEqual({ self: '/api/v1.1/schema/Shot/fields/sg_status_list' });
    expect(r.json.data).toMatchObject(fieldShape);
    expect(r.json.data.data_type).toEqual({ value: 'status_list', editable: false });
    expect(r.json.data.properties.default_value.value).toBe('wtg');
    expect(r.json.data.properties.valid_values.value).toEqual(expect.arrayContaining(['wtg', 'ip', 'fin']));
  });

  it('§1.3 an unknown field in a schema path → 400 code 103 "…doesn\'t exist."', async () => {
    const r = await site.api('GET', '/schema/Shot/fields/nope', { token });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ code: 103, title: expect.stringContaining("Shot.nope doesn't exist.") });
  });

  it('§1.3 ?project_id= is accepted on schema reads', async () => {
    const r = await site.api('GET', '/schema/Asset/fields/code?project_id=1', { token });
    expect(r.status).toBe(200);
    expect(r.json.data.data_type.value).toBe('text');
  });

  it('§2.1 EventLogEntry field data types: meta serializable, entity/project/user entity, session_uuid uuid, created_at date_time', async () => {
    const r = await site.api('GET', '/schema/EventLogEntry/fields', { token });
    const dt = (f: string) => r.json.data[f]?.data_type.value;
    expect(dt('id')).toBe('number');
    expect(dt('event_type')).toBe('text');
    expect(dt('attribute_name')).toBe('text');
    expect(dt('meta')).toBe('serializable');
    expect(dt('entity')).toBe('entity');
    expect(dt('project')).toBe('entity');
    expect(dt('user')).toBe('entity');
    expect(dt('session_uuid')).toBe('uuid');
    expect(dt('created_at')).toBe('date_time');
    expect(dt('description')).toBe('text');
    expect(r.json.data.user.properties.valid_types.value).toEqual(expect.arrayContaining(['HumanUser', 'ApiUser']));
    expect(r.json.data.updated_at).toBeUndefined();
    expect(r.json.data.created_by).toBeUndefined();
  });

  it('§6.3 ApiUser.generate_event_log_entries is an editable checkbox defaulting to false', async () => {
    const r = await site.api('GET', '/schema/ApiUser/fields/generate_event_log_entries', { token });
    expect(r.status).toBe(200);
    expect(r.json.data.data_type.value).toBe('checkbox');
    expect(r.json.data.editable.value).toBe(true);
    expect(r.json.data.properties.default_value.value).toBe(false);
  });
});
