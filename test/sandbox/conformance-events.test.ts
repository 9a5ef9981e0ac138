// Conformance: the EventLogEntry stream every write makes (docs/shotgrid-wire.md §2.1–§2.3, §3 poller
// query, §6.2 retirement nulling, §6.3 the generate_event_log_entries switch).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, FORM_TYPE, ISO_Z, SPACED_UTC, type Site } from './conformance-helpers.js';

const LOUD = { name: 'conf_loud', key: 'k3y-loud' };
const QUIET = { name: 'conf_quiet', key: 'k3y-quiet' };
const ANN = { login: 'conf_ann', password: 'pw-ann' };
const POLLER_FIELDS = 'id,event_type,attribute_name,meta,entity,user,project,session_uuid,created_at';

type Link = { type: string; id: number; name?: string | null } | null;
interface Ev {
  id: number;
  event_type: string;
  attribute_name: string | null;
  meta: Record<string, unknown>;
  entity: Link;
  user: Link;
  project: Link;
  session_uuid: string | null;
  created_at: string;
}

describe('conformance §2 / §6: EventLogEntry', () => {
  let site: Site;
  let loud: string;
  let quiet: string;
  let ann: string;
  let loudUser: { type: string; id: number };
  let project: { type: 'Project'; id: number };

  beforeAll(async () => {
    site = await boot({ scripts: [{ ...LOUD, generateEvents: true }, QUIET], users: [ANN] });
    loud = await site.scriptToken(LOUD.name, LOUD.key);
    quiet = await site.scriptToken(QUIET.name, QUIET.key);
    ann = await site.userToken(ANN.login, ANN.password);
    const u = await site.search('api_users', loud, { filters: [['firstname', 'is', LOUD.name]], fields: 'id' });
    loudUser = { type: 'ApiUser', id: u.json.data[0].id };
    project = { type: 'Project', id: await site.create('projects', loud, { name: 'Conformance Events' }) };
  });
  afterAll(async () => {
    await site?.close();
  });

  /** The poller query of §3, flattened. */
  const eventsAfter = async (after: number, token = loud): Promise<Ev[]> => {
    const r = await site.search('event_log_entries', token, {
      filters: [['id', 'greater_than', after]],
      fields: POLLER_FIELDS,
      sort: 'id',
      page: { size: 500, number: 1 },
    });
    expect(r.status).toBe(200);
    return r.json.data.map((d: { id: number; attributes: Record<string, unknown>; relationships: Record<string, { data: Link }> }) => ({
      id: d.id,
      ...d.attributes,
      entity: d.relationships.entity?.data ?? null,
      user: d.relationships.user?.data ?? null,
      project: d.relationships.project?.data ?? null,
    }));
  };

  const lastId = async (): Promise<number> => {
    const r = await site.api('GET', '/entity/event_log_entries?sort=-id&page[size]=1&fields=id', { token: loud });
    return r.json.data[0]?.id ?? 0;
  };

  // ------------------------------------------------------------------ creation

  it('§2.3 a create writes `_New` first (lowest id), meta {type:"new_entity", entity_type, entity_id}', async () => {
    const before = await lastId();
    const shot = await site.create('shots', loud, { code: 'ev010', project, description: 'first' });
    const evs = await eventsAfter(before);
    expect(evs.length).toBeGreaterThan(1);
    const first = evs[0]!;
    expect(first.event_type).toBe('Shotgun_Shot_New');
    expect(first.attribute_name).toBeNull();
    expect(first.meta).toEqual({ type: 'new_entity', entity_type: 'Shot', entity_id: shot });
    expect(first.entity).toEqual({ type: 'Shot', id: shot, name: 'ev010' });
    expect(Math.min(...evs.map((e) => e.id))).toBe(first.id);
  });

  it('§2.3 …then one in_create `_Change` per populated field, server defaults included', async () => {
    const before = await lastId();
    const shot = await site.create('shots', loud, { code: 'ev020', project, description: 'second' });
    const evs = await eventsAfter(before);
    const changes = evs.filter((e) => e.event_type === 'Shotgun_Shot_Change');
    expect(evs).toHaveLength(1 + changes.length);
    // 3 keys sent + the sg_status_list default → 4 rows.
    expect(changes.map((e) => e.attribute_name).sort()).toEqual(['code', 'description', 'project', 'sg_status_list']);
    for (const c of changes) {
      expect(c.meta).toMatchObject({
        type: 'attribute_change',
        entity_type: 'Shot',
        entity_id: shot,
        in_create: true,
        attribute_name: c.attribute_name,
      });
      expect(c.entity).toEqual({ type: 'Shot', id: shot, name: 'ev020' });
    }
    const status = changes.find((c) => c.attribute_name === 'sg_status_list')!;
    expect(status.meta).toEqual({
      type: 'attribute_change',
      attribute_name: 'sg_status_list',
      entity_type: 'Shot',
      entity_id: shot,
      field_data_type: 'status_list',
      old_value: null,
      new_value: 'wtg',
      in_create: true,
    });
  });

  it("§2.1 a script's events name its ApiUser as user, with session_uuid null", async () => {
    const before = await lastId();
    await site.create('assets', loud, { code: 'who', project });
    const evs = await eventsAfter(before);
    expect(evs.length).toBeGreaterThan(0);
    for (const e of evs) {
      expect(e.user).toEqual({ ...loudUser, name: LOUD.name });
      expect(e.session_uuid).toBeNull();
    }
  });

  it("§2.1 project is set on a Shot's events and null on a Project's events", async () => {
    const before = await lastId();
    const p = await site.create('projects', loud, { name: 'Another Project' });
    await site.create('shots', loud, { code: 'ev030', project: { type: 'Project', id: p } });
    const evs = await eventsAfter(before);
    const projectEvents = evs.filter((e) => e.event_type.startsWith('Shotgun_Project_'));
    const shotEvents = evs.filter((e) => e.event_type.startsWith('Shotgun_Shot_'));
    expect(projectEvents.map((e) => e.event_type)[0]).toBe('Shotgun_Project_New');
    for (const e of projectEvents) expect(e.project).toBeNull();
    expect(shotEvents.length).toBeGreaterThan(0);
    for (const e of shotEvents) expect(e.project).toEqual({ type: 'Project', id: p, name: 'Another Project' });
  });

  // ------------------------------------------------------------------ the switch

  it('§6.3 a script with generate_event_log_entries off (the default) writes no events, silently', async () => {
    const before = await lastId();
    const r = await site.api('POST', '/entity/assets', { body: { code: 'silent', project }, token: quiet });
    expect(r.status).toBe(201);
    const u = await site.api('PUT', `/entity/assets/${r.json.data.id}`, { body: { description: 'still silent' }, token: quiet });
    expect(u.status).toBe(200);
    expect((await site.api('DELETE', `/entity/assets/${r.json.data.id}`, { token: quiet })).status).toBe(204);
    expect(await lastId()).toBe(before);
    expect(await eventsAfter(before)).toEqual([]);
  });

  it('§6.3 the switch is an ordinary ApiUser checkbox a client updates through the API; then events appear', async () => {
    const found = await site.search('api_users', ann, { filters: [['firstname', 'is', QUIET.name]], fields: 'generate_event_log_entries' });
    const quietId = found.json.data[0].id as number;
    expect(found.json.data[0].attributes.generate_event_log_entries).toBe(false);

    const on = await site.api('PUT', `/entity/api_users/${quietId}`, { body: { generate_event_log_entries: true }, token: ann });
    expect(on.status).toBe(200);
    expect(on.json.data.attributes.generate_event_log_entries).toBe(true);

    const before = await lastId();
    const asset = await site.create('assets', quiet, { code: 'loud-now', project });
    const evs = await eventsAfter(before);
    expect(evs[0]).toMatchObject({ event_type: 'Shotgun_Asset_New', entity: { type: 'Asset', id: asset }, user: { type: 'ApiUser', id: quietId } });

    const off = await site.api('PUT', `/entity/api_users/${quietId}`, { body: { generate_event_log_entries: false }, token: ann });
    expect(off.status).toBe(200);
    const mid = await lastId();
    await site.create('assets', quiet, { code: 'quiet-again', project });
    expect(await lastId()).toBe(mid);
  });

  it("§6.3 a HumanUser's writes are always logged", async () => {
    const before = await lastId();
    const a = await site.create('assets', ann, { code: 'by-ann', project });
    const evs = await eventsAfter(before);
    expect(evs[0]).toMatchObject({ event_type: 'Shotgun_Asset_New', entity: { id: a }, user: { type: 'HumanUser', name: ANN.login } });
  });

  // ------------------------------------------------------------------ updates

  it('§2.3 a scalar update writes `_Change` with old_value/new_value and field_data_type', async () => {
    const shot = await site.create('shots', loud, { code: 'ev040', project });
    const before = await lastId();
    expect((await site.api('PUT', `/entity/shots/${shot}`, { body: { sg_status_list: 'ip' }, token: loud })).status).toBe(200);
    const evs = await eventsAfter(before);
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({ event_type: 'Shotgun_Shot_Change', attribute_name: 'sg_status_list', entity: { type: 'Shot', id: shot } });
    expect(evs[0]!.meta).toEqual({
      type: 'attribute_change',
      attribute_name: 'sg_status_list',
      entity_type: 'Shot',
      entity_id: shot,
      field_data_type: 'status_list',
      old_value: 'wtg',
      new_value: 'ip',
    });
  });

  it('§2.3 an update writes one `_Change` per changed field, none for unchanged values', async () => {
    const shot = await site.create('shots', loud, { code: 'ev045', project, sg_cut_in: 1001 });
    const before = await lastId();
    await site.api('PUT', `/entity/shots/${shot}`, { body: { sg_cut_in: 1001, sg_cut_out: 1100, code: 'ev045b' }, token: loud });
    const evs = await eventsAfter(before);
    expect(evs.map((e) => e.attribute_name).sort()).toEqual(['code', 'sg_cut_out']);
    const cut = evs.find((e) => e.attribute_name === 'sg_cut_out')!;
    expect(cut.meta).toMatchObject({ field_data_type: 'number', old_value: null, new_value: 1100 });
  });

  it('§2.3 a multi-entity change carries added/removed and no old_value/new_value', async () => {
    const a1 = await site.create('assets', loud, { code: 'me-a1', project });
    const a2 = await site.create('assets', loud, { code: 'me-a2', project });
    const shot = await site.create('shots', loud, { code: 'ev050', project, assets: [{ type: 'Asset', id: a1 }] });
    const before = await lastId();
    await site.api('PUT', `/entity/shots/${shot}`, { body: { assets: [{ type: 'Asset', id: a2 }] }, token: loud });
    const evs = await eventsAfter(before);
    expect(evs).toHaveLength(1);
    const m = evs[0]!.meta;
    expect(Object.keys(m).sort()).toEqual(['added', 'attribute_name', 'entity_id', 'entity_type', 'field_data_type', 'removed', 'type']);
    expect(m).toMatchObject({
      type: 'attribute_change',
      attribute_name: 'assets',
      entity_type: 'Shot',
      entity_id: shot,
      field_data_type: 'multi_entity',
    });
    expect(m.added).toEqual([expect.objectContaining({ type: 'Asset', id: a2, name: 'me-a2' })]);
    expect(m.removed).toEqual([expect.objectContaining({ type: 'Asset', id: a1, name: 'me-a1' })]);
  });

  it('§2.3 a back-reference change: setting Task.entity logs Shot.tasks with actual_attribute_changed "Task.entity"', async () => {
    const shot = await site.create('shots', loud, { code: 'ev060', project });
    const before = await lastId();
    const task = await site.create('tasks', loud, { content: 'comp', project, entity: { type: 'Shot', id: shot } });
    const evs = await eventsAfter(before);
    const forward = evs.find((e) => e.event_type === 'Shotgun_Task_Change' && e.attribute_name === 'entity')!;
    expect(forward.meta).toMatchObject({ field_data_type: 'entity', old_value: null, new_value: { type: 'Shot', id: shot } });
    const back = evs.find((e) => e.event_type === 'Shotgun_Shot_Change')!;
    expect(back).toMatchObject({ attribute_name: 'tasks', entity: { type: 'Shot', id: shot } });
    expect(back.meta).toMatchObject({
      type: 'attribute_change',
      attribute_name: 'tasks',
      entity_type: 'Shot',
      entity_id: shot,
      field_data_type: 'multi_entity',
      actual_attribute_changed: 'Task.entity',
      original_event_log_entry_id: forward.id,
      removed: [],
    });
    expect(back.meta.added).toEqual([expect.objectContaining({ type: 'Task', id: task })]);
    expect(back.meta.old_value).toBeUndefined();
  });

  it('§2.3 re-pointing Task.entity logs removed on the old Shot and added on the new one', async () => {
    const s1 = await site.create('shots', loud, { code: 'ev070', project });
    const s2 = await site.create('shots', loud, { code: 'ev071', project });
    const task = await site.create('tasks', loud, { content: 'lgt', project, entity: { type: 'Shot', id: s1 } });
    const before = await lastId();
    await site.api('PUT', `/entity/tasks/${task}`, { body: { entity: { type: 'Shot', id: s2 } }, token: loud });
    const evs = await eventsAfter(before);
    const onS1 = evs.find((e) => e.event_type === 'Shotgun_Shot_Change' && e.meta.entity_id === s1)!;
    const onS2 = evs.find((e) => e.event_type === 'Shotgun_Shot_Change' && e.meta.entity_id === s2)!;
    expect(onS1.meta).toMatchObject({
      added: [],
      removed: [expect.objectContaining({ type: 'Task', id: task })],
      actual_attribute_changed: 'Task.entity',
    });
    expect(onS2.meta).toMatchObject({
      removed: [],
      added: [expect.objectContaining({ type: 'Task', id: task })],
      actual_attribute_changed: 'Task.entity',
    });
  });

  // ------------------------------------------------------------------ retirement / revival

  it('§2.3 a retirement writes a retirement_date `_Change` then `_Retirement` with the documented meta', async () => {
    const asset = await site.create('assets', loud, { code: 'to-retire', project });
    const before = await lastId();
    expect((await site.api('DELETE', `/entity/assets/${asset}`, { token: loud })).status).toBe(204);
    const evs = await eventsAfter(before);
    expect(evs.map((e) => e.event_type)).toEqual(['Shotgun_Asset_Change', 'Shotgun_Asset_Retirement']);
    const [change, retirement] = evs as [Ev, Ev];
    expect(change.attribute_name).toBe('retirement_date');
    expect(change.meta).toMatchObject({
      type: 'attribute_change',
      attribute_name: 'retirement_date',
      entity_type: 'Asset',
      entity_id: asset,
      field_data_type: 'date_time',
      old_value: null,
    });
    expect(change.meta.new_value).toMatch(SPACED_UTC);
    expect(retirement.attribute_name).toBeNull();
    expect(retirement.entity).toBeNull();
    expect(retirement.meta).toEqual({
      type: 'entity_retirement',
      entity_type: 'Asset',
      entity_id: asset,
      id: asset,
      class_name: 'Asset',
      display_name: 'to-retire',
      retirement_date: change.meta.new_value,
    });
  });

  it('§2.1 / §6.2 once the target is retired, entity reads null on ALL its earlier events', async () => {
    const before = await lastId();
    const asset = await site.create('assets', loud, { code: 'nulled', project });
    await site.api('PUT', `/entity/assets/${asset}`, { body: { description: 'changed' }, token: loud });
    const live = (await eventsAfter(before)).filter((e) => e.meta.entity_id === asset);
    expect(live.length).toBeGreaterThan(2);
    for (const e of live) expect(e.entity).toEqual({ type: 'Asset', id: asset, name: 'nulled' });

    await site.api('DELETE', `/entity/assets/${asset}`, { token: loud });
    const after = (await eventsAfter(before)).filter((e) => e.meta.entity_id === asset);
    expect(after.length).toBe(live.length + 2);
    for (const e of after) {
      expect(e.entity).toBeNull();
      expect(e.meta.entity_type).toBe('Asset');
    }
  });

  it('§2.3 a revival writes `_Revival` whose meta has no "type" key; entity is set again on read', async () => {
    const before = await lastId();
    const asset = await site.create('assets', loud, { code: 'lazarus', project });
    await site.api('DELETE', `/entity/assets/${asset}`, { token: loud });
    const mid = await lastId();
    expect((await site.api('POST', `/entity/assets/${asset}?revive=true`, { token: loud })).status).toBe(200);
    const revival = await eventsAfter(mid);
    expect(revival).toHaveLength(1);
    expect(revival[0]).toMatchObject({
      event_type: 'Shotgun_Asset_Revival',
      attribute_name: null,
      entity: { type: 'Asset', id: asset, name: 'lazarus' },
    });
    expect(revival[0]!.meta).toEqual({ class_name: 'Asset', display_name: 'lazarus', entity_id: asset, entity_type: 'Asset', id: asset });
    expect('type' in revival[0]!.meta).toBe(false);
    const all = (await eventsAfter(before)).filter((e) => e.meta.entity_id === asset);
    for (const e of all) expect(e.entity).toEqual({ type: 'Asset', id: asset, name: 'lazarus' });
  });

  // ------------------------------------------------------------------ wire shape

  it('§2.1 / §6.6 created_at on reads is ISO 8601 UTC "…Z"', async () => {
    const before = await lastId();
    await site.create('assets', loud, { code: 'dated-ev', project });
    const evs = await eventsAfter(before);
    for (const e of evs) expect(e.created_at).toMatch(ISO_Z);
  });

  it('§1.4 meta (serializable) comes back as decoded JSON under attributes', async () => {
    const before = await lastId();
    await site.create('assets', loud, { code: 'meta-json', project });
    const r = await site.search('event_log_entries', loud, {
      filters: [['id', 'greater_than', before]],
      fields: 'meta',
      sort: 'id',
      page: { size: 1 },
    });
    expect(typeof r.json.data[0].attributes.meta).toBe('object');
    expect(r.json.data[0].attributes.meta.type).toBe('new_entity');
    expect(r.json.data[0].relationships).toEqual({});
  });

  it('§3 the poller query returns exactly its fields: link fields as relationships, the rest as attributes', async () => {
    const before = await lastId();
    await site.create('assets', loud, { code: 'poll', project });
    const r = await site.search('event_log_entries', loud, {
      filters: [['id', 'greater_than', before]],
      fields: POLLER_FIELDS,
      sort: 'id',
      page: { size: 500, number: 1 },
    });
    const rec = r.json.data[0];
    expect(Object.keys(rec.attributes).sort()).toEqual(['attribute_name', 'created_at', 'event_type', 'meta', 'session_uuid']);
    expect(Object.keys(rec.relationships).sort()).toEqual(['entity', 'project', 'user']);
    expect(rec.relationships.entity.links.related).toBe(`/api/v1.1/entity/assets/${rec.relationships.entity.data.id}`);
  });

  it('§2.1 id filters: is, less_than, between and in work on the event log', async () => {
    const before = await lastId();
    await site.create('shots', loud, { code: 'ids', project });
    const ids = (await eventsAfter(before)).map((e) => e.id);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    const q = async (f: unknown[]) =>
      (await site.search('event_log_entries', loud, { filters: [f], fields: 'id', sort: 'id' })).json.data.map((d: { id: number }) => d.id);
    expect(await q(['id', 'is', ids[1]])).toEqual([ids[1]]);
    expect(await q(['id', 'between', [ids[0], ids[1]]])).toEqual([ids[0], ids[1]]);
    expect(await q(['id', 'in', [ids[2], ids[0]]])).toEqual([ids[0], ids[2]]);
    // `in` is read by id lookup: duplicates, unknown ids and a second id bound still apply.
    const many = async (fs: unknown[]) =>
      (await site.search('event_log_entries', loud, { filters: fs, fields: 'id', sort: 'id' })).json.data.map((d: { id: number }) => d.id);
    expect(await many([['id', 'in', [ids[2], 999_999_999, ids[0], ids[2]]]])).toEqual([ids[0], ids[2]]);
    expect(
      await many([
        ['id', 'in', [ids[2], ids[0], ids[1]]],
        ['id', 'greater_than', ids[0]],
      ]),
    ).toEqual([ids[1], ids[2]]);
    expect(
      await many([
        ['id', 'in', [ids[0], ids[1]]],
        ['id', 'in', [ids[1], ids[2]]],
      ]),
    ).toEqual([ids[1]]);
    expect((await q(['id', 'less_than', ids[0]])).every((x: number) => x < ids[0]!)).toBe(true);
  });

  it('§6.8 the log filters on event_type, attribute_name and entity', async () => {
    const shot = await site.create('shots', loud, { code: 'filterme', project });
    await site.api('PUT', `/entity/shots/${shot}`, { body: { sg_status_list: 'fin' }, token: loud });
    const r = await site.search('event_log_entries', loud, {
      filters: [
        ['event_type', 'is', 'Shotgun_Shot_Change'],
        ['attribute_name', 'is', 'sg_status_list'],
        ['entity', 'is', { type: 'Shot', id: shot }],
      ],
      fields: 'meta',
      sort: 'id',
    });
    expect(r.json.data.map((d: { attributes: { meta: { new_value: string } } }) => d.attributes.meta.new_value)).toEqual(['wtg', 'fin']);
  });

  it('§2.3 sudo_as_login: events show the impersonated user, and meta carries sudo_actual_user', async () => {
    const r = await site.api('POST', '/auth/access_token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: QUIET.name,
        client_secret: QUIET.key,
        scope: `sudo_as_login:${ANN.login}`,
      }),
      type: FORM_TYPE,
    });
    expect(r.status).toBe(200);
    const found = await site.search('api_users', loud, { filters: [['firstname', 'is', QUIET.name]], fields: 'id' });
    const quietId = found.json.data[0].id as number;
    const before = await lastId();
    const asset = await site.create('assets', r.json.access_token, { code: 'sudo-made', project });
    const evs = await eventsAfter(before);
    expect(evs.length).toBeGreaterThan(0);
    expect(evs[0]).toMatchObject({ event_type: 'Shotgun_Asset_New', entity: { type: 'Asset', id: asset } });
    for (const e of evs) {
      expect(e.user).toMatchObject({ type: 'HumanUser', name: ANN.login });
      expect(e.meta.sudo_actual_user).toEqual({ type: 'ApiUser', id: quietId, name: QUIET.name });
    }
  });

  it("§1.2 [inferred] a session_uuid given with the token travels onto that token's events", async () => {
    const uuid = '6a9a4f3c-7a43-4f1e-9d1c-2f6f0b9e1a11';
    const r = await site.api('POST', '/auth/access_token', {
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: LOUD.name, client_secret: LOUD.key, session_uuid: uuid }),
      type: FORM_TYPE,
    });
    const before = await lastId();
    await site.create('assets', r.json.access_token, { code: 'with-session', project });
    const evs = await eventsAfter(before);
    expect(evs.length).toBeGreaterThan(0);
    for (const e of evs) expect(e.session_uuid).toBe(uuid);
  });
});
