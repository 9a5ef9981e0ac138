// The original update_task_template_entities.py against the sandbox, with shotgun_api3
// importable: its default project_ids ([97]) names no sandbox Project, so as a studio would,
// the copy here names the sandbox's. Its registration checks (TaskTemplate.sg_plugins a list
// with "N/A" and "Update linked entities", the Task fields it excludes, Asset readable) then
// pass and it registers its callback; flipping the switch makes it reset the switch (its
// first write, read back) and then fail the event on Python 3 (it passes dict.keys() where a
// list is needed), which the daemon reports. plugins/update_task_template_entities.ts is the
// working port.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, until, type Site } from '../daemon/harness.js';
import { PEER_API3, PEER_PLUGINS, peerEnv } from './peer.js';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const FILE = 'update_task_template_entities.py';

let site: Site | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});

describe('the original update_task_template_entities.py on the sandbox', () => {
  it('passes its checks and registers; a flip resets the switch, then fails on Python 3, reported', { timeout: 240_000 }, async () => {
    site = await makeSite({ scripts: peerEnv('http://127.0.0.1').scripts });
    const s = site;
    const env = { ...peerEnv(s.sandbox.url).env, PYTHONPATH: PEER_API3 };
    const project = (await s.sg.findOne('Project', [], ['id']))!;
    const source = readFileSync(path.join(PEER_PLUGINS, FILE), 'utf8');
    expect(source).toContain('"project_ids": [97]');
    writeFileSync(path.join(s.pluginsDir, FILE), source.replace('"project_ids": [97]', `"project_ids": [${project.id}]`));
    s.writeConfig({ plugins: { python: PYTHON }, daemon: { logging: 20, retry_backoff: '600' } });

    const check = await s.cli(['check', '--config', s.configPath], env);
    expect(check.stdout).toMatch(/sg is a real shotgun_api3\.Shotgun/);
    expect(check.stdout).toMatch(/^plugin update_task_template_entities \([^)]*\): 1 callback\(s\)$/m);
    expect(check.stdout).toContain('matches: Shotgun_TaskTemplate_Change: sg_plugins');

    const d = s.run([], env);
    await d.waitFor(/plugin\.update_task_template_entities.*Loaded in/, 120_000);
    const tpl = await s.sg.create('TaskTemplate', { code: 'Asset - Basic', entity_type: 'Asset' });
    await s.sg.create('Task', { task_template: { type: 'TaskTemplate', id: tpl.id }, content: 'Model' });
    await s.sg.create('Asset', { project: { type: 'Project', id: project.id }, code: 'hero', task_template: { type: 'TaskTemplate', id: tpl.id } });
    await s.sg.update('TaskTemplate', tpl.id, { sg_plugins: 'Update linked entities' });
    await until(
      async () => (await s.sg.findOne('TaskTemplate', [['id', 'is', tpl.id]], ['sg_plugins']))!.sg_plugins === 'N/A',
      'the switch reset by the original',
      60_000,
    );
    await d.waitFor(/ERROR.*update_task_template_entities[\s\S]*TypeError/, 60_000);
    expect(await d.stop()).toBe(0);
  });
});
