// Conformance: a persisted sandbox is the same site after a restart: rows, scripts, the
// event log and the event id counter survive (the poller's cursor must stay valid, §6.1).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boot, type Site } from './conformance-helpers.js';

const LOUD = { name: 'conf_persist', key: 'k3y-persist' };

describe('conformance: persistPath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-conformance-'));
  const persistPath = join(dir, 'site.json');
  const open: Site[] = [];
  afterAll(async () => {
    for (const s of open) await s.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const lastEvents = async (site: Site, token: string, after: number) =>
    (
      await site.search('event_log_entries', token, {
        filters: [['id', 'greater_than', after]],
        fields: 'id,event_type,meta,created_at',
        sort: 'id',
      })
    ).json.data as Array<{ id: number; attributes: Record<string, unknown> }>;

  it('§6.1 restarting on the same file keeps rows, scripts and event ids; new ids continue after the old ones', async () => {
    const first = await boot({ scripts: [{ ...LOUD, generateEvents: true }], persistPath });
    open.push(first);
    let token = await first.scriptToken(LOUD.name, LOUD.key);
    const project = { type: 'Project', id: await first.create('projects', token, { name: 'Persisted' }) };
    const asset = await first.create('assets', token, { code: 'survivor', project });
    await first.api('PUT', `/entity/assets/${asset}`, { body: { description: 'kept' }, token });
    const projectsBefore = (await first.api('GET', '/entity/projects?fields=name&sort=id', { token })).json.data;
    const eventsBefore = await lastEvents(first, token, 0);
    const lastBefore = eventsBefore[eventsBefore.length - 1]!.id;
    await first.close();
    open.pop();

    // No scripts option this time: the script and its switch come from the file.
    const second = await boot({ persistPath });
    open.push(second);
    token = await second.scriptToken(LOUD.name, LOUD.key);
    const got = await second.api('GET', `/entity/assets/${asset}?fields=code,description`, { token });
    expect(got.status).toBe(200);
    expect(got.json.data.attributes).toEqual({ code: 'survivor', description: 'kept' });
    // The seed does not run again over a loaded site.
    expect((await second.api('GET', '/entity/projects?fields=name&sort=id', { token })).json.data).toEqual(projectsBefore);
    expect(await lastEvents(second, token, 0)).toEqual(eventsBefore);

    await second.create('assets', token, { code: 'newcomer', project });
    const fresh = await lastEvents(second, token, lastBefore);
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh[0]!.id).toBe(lastBefore + 1);
    expect(fresh[0]!.attributes.event_type).toBe('Shotgun_Asset_New');
    await second.close();
    open.pop();
  });

  it('§6.3 the generate_event_log_entries switch is site data: a restart that lists the script again keeps it', async () => {
    // The file from the test above has conf_persist with the switch on; name it again without the option.
    const third = await boot({ scripts: [LOUD], persistPath });
    open.push(third);
    const token = await third.scriptToken(LOUD.name, LOUD.key);
    const u = await third.search('api_users', token, { filters: [['firstname', 'is', LOUD.name]], fields: 'generate_event_log_entries' });
    expect(u.json.data[0].attributes.generate_event_log_entries).toBe(true);
    const last = (await third.api('GET', '/entity/event_log_entries?sort=-id&page[size]=1&fields=id', { token })).json.data[0].id as number;
    const project = (await third.api('GET', '/entity/projects?filter[name]=Persisted&fields=id', { token })).json.data[0];
    await third.create('assets', token, { code: 'third-run', project: { type: 'Project', id: project.id } });
    expect((await lastEvents(third, token, last)).length).toBeGreaterThan(0);
  });

  it('§6.3 a script added with the switch unset starts with it off', async () => {
    const site = await boot({ scripts: [{ name: 'conf_persist_new', key: 'k' }], seed: 'none' });
    open.push(site);
    const token = await site.scriptToken('conf_persist_new', 'k');
    const u = await site.search('api_users', token, { filters: [['firstname', 'is', 'conf_persist_new']], fields: 'generate_event_log_entries' });
    expect(u.json.data[0].attributes.generate_event_log_entries).toBe(false);
  });
});
