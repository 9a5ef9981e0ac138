// The Shotgun class against the sandbox over real HTTP: each shotgun_api3 method, paging,
// the two date-time formats, and flattening (docs/shotgrid-wire.md §1.3, §1.4, §3).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../electron/sandbox/index.js';
import { EVENT_FIELDS, NotFoundError, Shotgun, type EntityRecord, type EventLogEntry } from '../../electron/shotgun/index.js';
import { client, delta, sandbox, stats } from './helpers.js';

const SEARCH = (type: string) => `POST /entity/${type}/_search`;
const ISO_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let sb: Sandbox;
let sg: ReturnType<typeof client>;
let project: { type: 'Project'; id: number };

beforeAll(async () => {
  sb = await sandbox();
  sg = client(sb);
  const p = sb.store.rows('Project').find((r) => !r.retired)!;
  project = { type: 'Project', id: p.id };
});
afterAll(async () => {
  await sg.close();
  await sb.close();
});

describe('info and versions (§1.1)', () => {
  it('info() reads GET /api/v1.1/ without authenticating', async () => {
    const fresh = client(sb);
    const before = await stats(sb);
    const info = await fresh.info();
    const d = delta(before, await stats(sb));
    expect(info.api_version).toBe('v1.1');
    expect(typeof info.shotgun_version).toBe('string');
    expect(d.auth).toBe(0);
    expect(d.requests).toEqual({ 'GET /': 1 });
    await fresh.close();
  });

  it("apiVersion 'v1' talks to /api/v1", async () => {
    const v1 = client(sb, { apiVersion: 'v1' });
    expect(v1.baseUrl).toBe(`${sb.url}/api/v1`);
    expect((await v1.info()).api_version).toBe('v1');
    const rows = await v1.find('Project', [['id', 'is', project.id]], ['name']);
    expect(rows.map((r) => r.id)).toEqual([project.id]);
    await v1.close();
  });
});

describe('find / findOne (§1.3, §3)', () => {
  it('returns flat records equal to the store, links as {type,id,name}', async () => {
    const shots = sb.store.rows('Shot').filter((r) => !r.retired);
    expect(shots.length).toBeGreaterThan(0);
    const fields = ['code', 'sg_status_list', 'project', 'sg_sequence', 'created_at', 'assets', 'sg_sequence.Sequence.code'];
    const rows = await sg.find('Shot', [['project', 'is', project]], fields, [{ field_name: 'id', direction: 'asc' }]);
    expect(rows.map((r) => r.id)).toEqual(shots.filter((s) => (s.data.project as { id: number }).id === project.id).map((s) => s.id));
    for (const r of rows) {
      expect(r).toEqual(sb.store.read('Shot', r.id, fields));
      expect(r.type).toBe('Shot');
      expect(r.project).toMatchObject({ type: 'Project', id: project.id });
      expect(typeof (r.project as { name: unknown }).name).toBe('string');
      expect(r.created_at).toMatch(ISO_Z);
      expect(typeof r['sg_sequence.Sequence.code']).toBe('string');
    }
  });

  it('sends the array form for AND triples and the hash form for groups; both are understood', async () => {
    const all = sb.store.rows('Shot').filter((r) => !r.retired);
    const [a, b] = [all[0]!, all[all.length - 1]!];
    const either = await sg.find(
      'Shot',
      [
        {
          filter_operator: 'any',
          filters: [
            ['code', 'is', a.data.code],
            ['code', 'is', b.data.code],
          ],
        },
      ],
      ['code'],
    );
    expect(either.map((r) => r.id).sort((x, y) => x - y)).toEqual([...new Set([a.id, b.id])].sort((x, y) => x - y));
    const viaOperator = await sg.find(
      'Shot',
      [
        ['id', 'is', a.id],
        ['id', 'is', b.id],
      ],
      ['code'],
      undefined,
      0,
      { filterOperator: 'any' },
    );
    expect(viaOperator.map((r) => r.id).sort((x, y) => x - y)).toEqual(either.map((r) => r.id).sort((x, y) => x - y));
    const inList = await sg.find('Shot', [['id', 'in', a.id, b.id]], ['code']);
    expect(inList.map((r) => r.id).sort((x, y) => x - y)).toEqual(either.map((r) => r.id).sort((x, y) => x - y));
    const between = await sg.find('Shot', [['id', 'between', a.id, a.id]]);
    expect(between.map((r) => r.id)).toEqual([a.id]);
    const none = await sg.find(
      'Shot',
      [
        ['id', 'is', a.id],
        ['id', 'is', b.id === a.id ? -1 : b.id],
      ],
      ['code'],
    );
    expect(none).toEqual([]);
  });

  it("fields omitted → '*' (all fields); order desc is honoured", async () => {
    const rows = await sg.find('Shot', [], undefined, [{ field_name: 'id', direction: 'desc' }]);
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['code', 'description', 'project', 'created_at', 'updated_by']));
  });

  it('entity values in filters are reduced to {type,id} (a full link record works)', async () => {
    const full = (await sg.findOne('Project', [['id', 'is', project.id]], ['name', 'code']))!;
    const viaFull = await sg.find('Shot', [['project', 'is', full]], ['code']);
    const viaLink = await sg.find('Shot', [['project', 'is', project]], ['code']);
    expect(viaFull.length).toBeGreaterThan(0);
    expect(viaFull).toEqual(viaLink);
  });

  it('Date filter values go out as ISO UTC', async () => {
    const events = sb.store.rows('EventLogEntry');
    const mid = events[Math.floor(events.length / 2)]!;
    const t = Date.parse(mid.data.created_at as string);
    const rows = await sg.find<EventLogEntry>('EventLogEntry', [['created_at', 'greater_than', new Date(t - 1)]], ['created_at']);
    const expected = events.filter((e) => Date.parse(e.data.created_at as string) > t - 1000).map((e) => e.id);
    expect(rows.map((r) => r.id)).toEqual(expected);
  });

  it('findOne returns the first match or null', async () => {
    const first = await sg.findOne('Shot', [], ['code'], [{ column: 'id', direction: 'asc' }]);
    expect(first?.id).toBe(
      Math.min(
        ...sb.store
          .rows('Shot')
          .filter((r) => !r.retired)
          .map((r) => r.id),
      ),
    );
    expect(await sg.findOne('Shot', [['id', 'is', 987654321]])).toBeNull();
  });

  it('reads EventLogEntry rows with the poller fields (§3 poller query), meta untouched', async () => {
    const events = sb.store.rows('EventLogEntry');
    const head = events[3]!.id;
    const rows = await sg.find<EventLogEntry>(
      'EventLogEntry',
      [['id', 'greater_than', head]],
      [...EVENT_FIELDS],
      [{ field_name: 'id', direction: 'asc' }],
      50,
    );
    expect(rows.length).toBe(Math.min(50, events.filter((e) => e.id > head).length));
    for (const r of rows) {
      expect(r).toEqual(sb.store.read('EventLogEntry', r.id, [...EVENT_FIELDS]));
      expect(r.event_type).toMatch(/^Shotgun_/);
      expect(r.created_at).toMatch(ISO_Z);
    }
  });
});

describe('paging (§1.4, §6.4): never trusts links.next', () => {
  it('a limit within one page makes exactly one request of that size', async () => {
    const before = await stats(sb);
    const rows = await sg.find('EventLogEntry', [], ['id'], [{ field_name: 'id', direction: 'asc' }], 5);
    const d = delta(before, await stats(sb));
    expect(rows.map((r) => r.id)).toEqual(
      sb.store
        .rows('EventLogEntry')
        .slice(0, 5)
        .map((r) => r.id),
    );
    expect(d.requests).toEqual({ [SEARCH('EventLogEntry')]: 1 });
  });

  it('without a limit it pages until a short page', async () => {
    const small = client(sb, { pageSize: 7 });
    await small.info();
    await small.findOne('Project', []); // authenticate first so the count below is the search only
    const all = sb.store.rows('EventLogEntry').map((r) => r.id);
    const before = await stats(sb);
    const rows = await small.find('EventLogEntry', [], ['id'], [{ field_name: 'id', direction: 'asc' }]);
    const d = delta(before, await stats(sb));
    expect(rows.map((r) => r.id)).toEqual(all);
    // n rows at 7 per page: ceil(n/7) pages, plus one empty page when n is a multiple of 7.
    expect(d.requests[SEARCH('EventLogEntry')]).toBe(Math.floor(all.length / 7) + 1);
    await small.close();
  });

  it('page option fetches only that page', async () => {
    const all = sb.store.rows('EventLogEntry').map((r) => r.id);
    const before = await stats(sb);
    const rows = await sg.find('EventLogEntry', [], ['id'], [{ field_name: 'id', direction: 'asc' }], 4, { page: 3 });
    expect(rows.map((r) => r.id)).toEqual(all.slice(8, 12));
    expect(delta(before, await stats(sb)).requests).toEqual({ [SEARCH('EventLogEntry')]: 1 });
  });

  it('a limit above 5000 pages at 5000 and stops at the limit', async () => {
    // 5,105 more Shots written straight into the store (in-process) so the page math is real.
    const admin = { type: 'HumanUser' as const, id: sb.store.rows('HumanUser')[0]!.id };
    for (let i = 0; i < 5105; i++) sb.store.create('Shot', { code: `bulk_${i}`, project }, admin);
    const total = sb.store.rows('Shot').filter((r) => !r.retired).length;
    expect(total).toBeGreaterThan(5100);
    const before = await stats(sb);
    const rows = await sg.find('Shot', [], ['code'], [{ field_name: 'id', direction: 'asc' }], 5050);
    expect(rows.length).toBe(5050);
    expect(new Set(rows.map((r) => r.id)).size).toBe(5050);
    expect(delta(before, await stats(sb)).requests).toEqual({ [SEARCH('Shot')]: 2 });
    const everything = await sg.find('Shot', [], ['code']);
    expect(everything.length).toBe(total);
  });
});

describe('writes (§1.3) and the two date-time formats (§1.4)', () => {
  let shotId = 0;

  it('create → 201, flat record, "… UTC" date-times normalized to …Z', async () => {
    const raw = await sg.request<{ data: { attributes: Record<string, unknown> } }>('POST', '/entity/Shot', {
      body: { code: 'raw_probe', project },
    });
    // The sandbox really sends the write-reply shape, so the typed call below is a real test.
    expect(raw.data.attributes.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);

    const created = await sg.create('Shot', {
      code: 'sh_created',
      project,
      description: 'hello',
      sg_status_changed_at: new Date(Date.UTC(2024, 1, 3, 4, 5, 6, 789)),
    });
    shotId = created.id;
    expect(created.type).toBe('Shot');
    expect(created.code).toBe('sh_created');
    expect(created.project).toMatchObject(project);
    expect(created.created_at).toMatch(ISO_Z);
    expect(created.sg_status_changed_at).toBe('2024-02-03T04:05:06Z');
    const reread = (await sg.findOne('Shot', [['id', 'is', shotId]], ['created_at', 'sg_status_changed_at']))!;
    expect(reread.created_at).toBe(created.created_at);
    expect(reread.sg_status_changed_at).toBe('2024-02-03T04:05:06Z');
    expect(sb.store.get('Shot', shotId)?.data.code).toBe('sh_created');
  });

  it('create with returnFields returns them, dotted paths included', async () => {
    const seq = sb.store.rows('Sequence').find((r) => !r.retired)!;
    const r = await sg.create('Shot', { code: 'sh_rf', project, sg_sequence: { type: 'Sequence', id: seq.id } }, [
      'sg_sequence.Sequence.code',
      'created_by',
    ]);
    expect(r['sg_sequence.Sequence.code']).toBe(seq.data.code);
    expect(r.created_by).toMatchObject({ type: 'ApiUser' });
  });

  it('date fields (YYYY-MM-DD) are left as they are', async () => {
    const r = await sg.update('Shot', shotId, { sg_date_finaled: '2024-05-06' });
    expect(r.sg_date_finaled).toBe('2024-05-06');
  });

  it('update → PUT, returns the record with updated_at normalized', async () => {
    const updated = await sg.update('Shot', shotId, { description: 'changed', sg_status_list: 'ip' });
    expect(updated).toMatchObject({ type: 'Shot', id: shotId, description: 'changed', sg_status_list: 'ip' });
    expect(updated.updated_at).toMatch(ISO_Z);
    expect(sb.store.get('Shot', shotId)?.data.description).toBe('changed');
  });

  // Skipped until the sandbox accepts the body form. The client sends what real sites honour,
  // {field: {multi_entity_update_mode, value}} in the PUT body; the sandbox only reads
  // ?options[multi_entity_update_modes][field]=..., which real sites ignore (replacing the
  // whole link set). Reported to the lead.
  it('update with multiEntityUpdateModes adds and removes links', async () => {
    const assets = sb.store.rows('Asset').filter((r) => !r.retired);
    const admin = { type: 'HumanUser' as const, id: sb.store.rows('HumanUser')[0]!.id };
    while (assets.length < 2) assets.push(sb.store.create('Asset', { code: `as_${assets.length}`, project }, admin));
    const [a1, a2] = [
      { type: 'Asset', id: assets[0]!.id },
      { type: 'Asset', id: assets[1]!.id },
    ];
    await sg.update('Shot', shotId, { assets: [a1] });
    const added = await sg.update('Shot', shotId, { assets: [a2] }, { assets: 'add' });
    expect((added.assets as EntityRecord[]).map((l) => l.id).sort()).toEqual([a1.id, a2.id].sort());
    const removed = await sg.update('Shot', shotId, { assets: [a1] }, { assets: 'remove' });
    expect((removed.assets as EntityRecord[]).map((l) => l.id)).toEqual([a2.id]);
  });

  it('delete → 204 → true; revive → did_revive', async () => {
    expect(await sg.delete('Shot', shotId)).toBe(true);
    expect(sb.store.get('Shot', shotId)?.retired).toBe(true);
    expect(await sg.find('Shot', [['id', 'is', shotId]])).toEqual([]);
    expect((await sg.find('Shot', [['id', 'is', shotId]], ['code'], undefined, 0, { retiredOnly: true })).map((r) => r.id)).toEqual([shotId]);
    await expect(sg.delete('Shot', shotId)).rejects.toBeInstanceOf(NotFoundError);
    expect(await sg.revive('Shot', shotId)).toBe(true);
    expect(sb.store.get('Shot', shotId)?.retired).toBe(false);
    expect(await sg.revive('Shot', shotId)).toBe(false);
  });

  it('batch: create, update, delete in one transactional call (shotgun_api3 input shape)', async () => {
    const victim = await sg.create('Shot', { code: 'batch_victim', project });
    const before = await stats(sb);
    const res = await sg.batch([
      { request_type: 'create', entity_type: 'Shot', data: { code: 'batch_a', project } },
      { request_type: 'update', entity_type: 'Shot', entity_id: shotId, data: { description: 'from batch' } },
      { request_type: 'delete', entity_type: 'Shot', entity_id: victim.id },
    ]);
    expect(delta(before, await stats(sb)).requests).toEqual({ 'POST /entity/_batch': 1 });
    expect(res).toHaveLength(3);
    const made = res[0] as EntityRecord;
    expect(made).toMatchObject({ type: 'Shot', code: 'batch_a' });
    expect(sb.store.get('Shot', made.id)?.data.code).toBe('batch_a');
    expect(res[1]).toMatchObject({ type: 'Shot', id: shotId, description: 'from batch' });
    expect(res[2]).toBe(true);
    expect(sb.store.get('Shot', victim.id)?.retired).toBe(true);
    expect(await sg.batch([])).toEqual([]);
  });

  it('custom EventLogEntry rows can be created by a script (§2.1)', async () => {
    const e = await sg.create<EventLogEntry>('EventLogEntry', { event_type: 'Custom_Test_Event', description: 'x', project });
    expect(e.event_type).toBe('Custom_Test_Event');
    expect(sb.store.get('EventLogEntry', e.id)).toBeDefined();
  });
});

describe('summarize and schema', () => {
  it('summarize counts like the store', async () => {
    const live = sb.store.rows('Shot').filter((r) => !r.retired && (r.data.project as { id: number } | null)?.id === project.id);
    const r = await sg.summarize('Shot', [['project', 'is', project]], [{ field: 'id', type: 'count' }]);
    expect(r.summaries.id).toBe(live.length);
    expect(Array.isArray(r.groups)).toBe(true);
    const grouped = await sg.summarize('Shot', [['project', 'is', project]], [{ field: 'id', type: 'count' }], 'all', [
      { field: 'sg_status_list', type: 'exact', direction: 'asc' },
    ]);
    expect(grouped.groups.length).toBe(new Set(live.map((s) => s.data.sg_status_list)).size);
  });

  it('schemaEntityRead / schemaFieldRead / schemaRead', async () => {
    const entities = await sg.schemaEntityRead();
    expect(Object.keys(entities)).toEqual(expect.arrayContaining(['Shot', 'EventLogEntry', 'Project']));
    const one = await sg.schemaFieldRead('Shot', 'code');
    expect(Object.keys(one)).toEqual(['code']);
    expect((one.code as { data_type: { value: string } }).data_type.value).toBe('text');
    const shotFields = await sg.schemaFieldRead('Shot');
    expect(Object.keys(shotFields)).toEqual(Object.keys(sb.store.schema.Shot!.fields));
    const everything = await sg.schemaRead();
    expect(Object.keys(everything)).toEqual(Object.keys(entities));
    expect(Object.keys(everything.Shot!)).toEqual(Object.keys(shotFields));
  });
});

describe('construction', () => {
  it('rejects a server that is not an http(s) URL and a bad page size', () => {
    expect(() => new Shotgun({ server: 'shotgrid.example.com', credentials: { scriptName: 'a', scriptKey: 'b' } })).toThrow(TypeError);
    expect(() => new Shotgun({ server: 'http://x', credentials: { scriptName: 'a', scriptKey: 'b' }, pageSize: 5001 })).toThrow(RangeError);
  });
});
