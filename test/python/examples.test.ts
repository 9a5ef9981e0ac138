// The original daemon's 27 example plugin files (../shared/peer, loaded unchanged, with the
// SGDAEMON_* variables they read) under the real `shotgun-events` CLI: once with shotgun_api3
// importable (PYTHONPATH) and once without (the stand-in sg). `check` shows every plugin that
// is not inert registering its callbacks; a running daemon then makes them write to the
// sandbox, and the writes are read back.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, until, type Site } from '../daemon/harness.js';
import { fieldChanges } from '../daemon/helpers.js';
import { PEER_API3, PEER_PLUGINS, peerEnv, peerPlugins } from './peer.js';

// Debian's interpreter has python3-tz (three examples import pytz; .ci/run installs it).
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * Examples whose default settings name fields or entity types the sandbox's schema does not
 * have: they log "Plugin is not valid, will not register callback." and register nothing, as
 * they would on a real site without those fields (convert_currency raises instead).
 */
const INERT_ON_SANDBOX = new Set([
  'calc_summaries', // Asset.sg_source_id
  'convert_currency', // CustomEntity02 (raises)
  'datestamp', // its default date field
  'update_task_template_entities', // its project_ids [97]: no such Project (its TaskTemplate and Task schema checks pass)
  'update_timecode_from_frames', // Shot.sg_cut_length_tc
  'update_timecode_values', // Version.sg_head_duration
  'update_version_cut_values', // Version.sg_cut_length
]);

let site: Site | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});

async function peerSite(api3: boolean): Promise<{ site: Site; env: NodeJS.ProcessEnv }> {
  const probe = peerEnv('http://127.0.0.1');
  const s = await makeSite({ scripts: probe.scripts });
  const env: NodeJS.ProcessEnv = { ...peerEnv(s.sandbox.url).env, PYTHONPATH: api3 ? PEER_API3 : '' };
  s.writeConfig({ plugins: { paths: PEER_PLUGINS, python: PYTHON }, daemon: { logging: 20, retry_backoff: '0.3' } });
  return { site: s, env };
}

describe.each([
  ['with shotgun_api3 importable', true],
  ['without shotgun_api3 (the stand-in sg)', false],
])('the original example plugins, unchanged, %s', (_label, api3) => {
  it('load: every plugin that is not inert on this site registers its callbacks', { timeout: 240_000 }, async () => {
    const p = await peerSite(api3);
    site = p.site;
    const r = await site.cli(['check', '--config', site.configPath], p.env);
    const out = r.stdout;
    const files = peerPlugins();
    expect(files.length).toBe(27);
    for (const f of files) {
      const name = f.replace(/\.py$/, '');
      const line = new RegExp(`^plugin ${name} \\([^)]*\\): (.*)$`, 'm').exec(out);
      expect(line, `${name} in check output:\n${out}`).not.toBeNull();
      if (INERT_ON_SANDBOX.has(name)) {
        expect(line![1], name).toMatch(/^0 callback|ERROR/);
      } else {
        expect(line![1], `${name}: ${line![1]}`).toMatch(/^[1-9]\d* callback\(s\)$/);
      }
    }
    // An inert example says why, as the UI's "Inert" does (electron/engine/inert-reason.ts).
    expect(out).toContain('warning: registerCallbacks registered no callback; it logged: Plugin is not valid, will not register callback.');
    const kind = api3 ? /sg is a real shotgun_api3\.Shotgun \(shotgun_api3 3\.10\.0/ : /sg is the shotgun-events stand-in/;
    expect(out).toMatch(kind);
  });

  it('run: at least 8 of them write to the sandbox, read back', { timeout: 240_000 }, async () => {
    const p = await peerSite(api3);
    site = p.site;
    const { sg } = site;
    const d = site.run([], p.env);
    await d.waitFor(/New plugin version_status_update_task_status/, 120_000);
    // Every plugin has loaded (or said why not) before the first write: its log file says so
    // (plugin lines go to the files and the UI, not the terminal).
    const names = peerPlugins().map((f) => f.replace(/\.py$/, ''));
    const settled = (name: string) => {
      const log = path.join(site!.dir, 'logs', `plugin.${name}`);
      return existsSync(log) && /Loaded in|CRITICAL|ERROR/.test(readFileSync(log, 'utf8'));
    };
    await until(() => names.every(settled), 'every plugin loaded or refused', 120_000);
    const project = (await sg.findOne<{ type: 'Project'; id: number }>('Project', [], ['id']))!;
    const P = { type: 'Project', id: project.id };
    const ref = (type: string, id: number) => ({ type, id });
    const get = async (type: string, id: number, fields: string[]) => (await sg.findOne(type, [['id', 'is', id]], fields))!;

    // Writes made by a person; each triggers one example plugin.
    const asset = await sg.create('Asset', { project: P, code: 'hero' }); // init_entity
    const shot = await sg.create('Shot', { project: P, code: 'ish_010' }); // init_shot_handles
    await sg.update('Shot', shot.id, { sg_cut_in: 1001, sg_cut_out: 1048 }); // calculate_cut_length
    const seq = await sg.create('Sequence', { project: P, code: 'ABC' });
    const shot2 = await sg.create('Shot', { project: P, code: 'ABC0010' }); // link_shot_to_sequence
    const assetTask = await sg.create('Task', { project: P, content: 'model', entity: ref('Asset', asset.id), sg_status_list: 'ip' });
    await sg.update('Asset', asset.id, { sg_status_list: 'hld' }); // entity_status_update_task_status
    // With a project: the sandbox returns null, not [], for an empty multi-entity field, which assign_to_project iterates.
    const user = await sg.create('HumanUser', {
      name: 'Ada Lovelace',
      firstname: 'Ada',
      login: 'ada',
      projects: [ref('Project', (await sg.create('Project', { name: 'Other' })).id)],
    });
    const shotTask = await sg.create('Task', { project: P, content: 'comp', entity: ref('Shot', shot2.id) });
    await sg.update('Task', shotTask.id, { task_assignees: [ref('HumanUser', user.id)] }); // assign_to_project
    await sg.update('Task', shotTask.id, { sg_status_list: 'ip' }); // task_status_update_entity_status
    const version = await sg.create('Version', {
      project: P,
      code: 'v001',
      entity: ref('Shot', shot2.id),
      user: ref('HumanUser', user.id),
      sg_status_list: 'rev',
    });
    await sg.create('Note', { project: P, subject: 'n', content: 'ok', note_links: [ref('Version', version.id)] }); // update_status_when_note_is_created
    const version2 = await sg.create('Version', { project: P, code: 'v002', entity: ref('Shot', shot2.id), user: ref('HumanUser', user.id) });
    await sg.update('Version', version2.id, { description: 'Fix the flicker' }); // create_note_from_version_field
    const shot3 = await sg.create('Shot', { project: P, code: 'ftf_010' });
    const naTask = await sg.create('Task', { project: P, content: 'fx', entity: ref('Shot', shot3.id), duration: 600 });
    await sg.update('Task', naTask.id, { sg_status_list: 'na' }); // field_to_field

    const checks: Record<string, () => Promise<boolean>> = {
      // The event log, not the field: entity_status_update_task_status also fills an empty
      // Asset description, and when it reads the Asset before init_entity writes, its write
      // lands last (two plugins racing on one field, as on a real site).
      init_entity: async () =>
        (await fieldChanges(p.site, ref('Asset', asset.id), 'description')).some((e) => e.meta.new_value === 'Brand new Asset.'),
      init_shot_handles: async () => (await get('Shot', shot.id, ['smart_head_in'])).smart_head_in === 1001,
      calculate_cut_length: async () => (await get('Shot', shot.id, ['sg_cut_duration'])).sg_cut_duration === 48,
      link_shot_to_sequence: async () => ((await get('Shot', shot2.id, ['sg_sequence'])).sg_sequence as { id: number } | null)?.id === seq.id,
      entity_status_update_task_status: async () => (await get('Task', assetTask.id, ['sg_status_list'])).sg_status_list === 'hld',
      assign_to_project: async () =>
        ((await get('HumanUser', user.id, ['projects'])).projects as Array<{ id: number }>).some((p) => p.id === project.id),
      task_status_update_entity_status: async () => (await get('Shot', shot2.id, ['sg_status_list'])).sg_status_list === 'ip',
      update_status_when_note_is_created: async () => (await get('Version', version.id, ['sg_status_list'])).sg_status_list === 'vwd',
      field_to_field: async () => (await get('Task', naTask.id, ['duration'])).duration === 0,
      create_note_from_version_field: async () =>
        (await sg.find('Note', [['note_links', 'is', ref('Version', version2.id)]], ['content'])).some((n) => n.content === 'Fix the flicker'),
    };
    const passed = new Set<string>();
    await until(
      async () => {
        for (const [name, ok] of Object.entries(checks)) if (!passed.has(name) && (await ok())) passed.add(name);
        // With shotgun_api3 one may never come (see below): 8 is what is asserted there.
        return passed.size === Object.keys(checks).length || (api3 && passed.size >= 8);
      },
      'every example wrote',
      120_000,
    ).catch(() => undefined);
    let why = d
      .output()
      .split('\n')
      .filter((l) => /WARNING|ERROR|CRITICAL|Fault|Error/.test(l))
      .slice(-60)
      .join('\n');
    const missing = Object.keys(checks).filter((n) => !passed.has(n));
    // A plugin that did not write: its own log says whether its callback ran.
    for (const n of missing) {
      const log = path.join(site.dir, 'logs', `plugin.${n}`);
      why += `\n--- ${log}:\n${existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '(none)'}`;
    }
    expect(passed.size, `missing: ${missing.join(', ')}\n${why}`).toBeGreaterThanOrEqual(8);
    // Through the stand-in, every one; through the real shotgun_api3 (the sandbox's /api3/json
    // endpoint) entity_status_update_task_status has been seen not to write (a sandbox gap).
    if (!api3) expect(missing, why).toEqual([]);
    expect(await d.stop()).toBe(0);
  });
});
