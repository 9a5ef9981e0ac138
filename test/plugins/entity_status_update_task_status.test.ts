import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('entity_status_update_task_status', () => {
  it('an Asset put on hold puts its open Tasks on hold, skipping finished ones', async () => {
    run = await runPlugin('entity_status_update_task_status');
    const { sg, project } = run;
    const asset = await sg.create('Asset', { project, code: 'hero' });
    const other = await sg.create('Asset', { project, code: 'other' });
    const open = await sg.create('Task', { project, content: 'model', entity: { type: 'Asset', id: asset.id }, sg_status_list: 'ip' });
    const done = await sg.create('Task', { project, content: 'rig', entity: { type: 'Asset', id: asset.id }, sg_status_list: 'fin' });
    const elsewhere = await sg.create('Task', { project, content: 'model', entity: { type: 'Asset', id: other.id }, sg_status_list: 'ip' });

    await sg.update('Asset', asset.id, { sg_status_list: 'ip' });
    await run.settle();
    expect((await get(run, 'Task', open.id, ['sg_status_list'])).sg_status_list).toBe('ip');

    await sg.update('Asset', asset.id, { sg_status_list: 'hld' });
    await run.settle();
    expect((await get(run, 'Task', open.id, ['sg_status_list'])).sg_status_list).toBe('hld');
    expect((await get(run, 'Task', done.id, ['sg_status_list'])).sg_status_list).toBe('fin');
    expect((await get(run, 'Task', elsewhere.id, ['sg_status_list'])).sg_status_list).toBe('ip');
    expect((await get(run, 'Asset', asset.id, ['description'])).description).toMatch(/ set this Asset to hld\.$/);
    expect(run.errors()).toEqual([]);
  });

  it('follows statusMapping and leaves a filled description alone', async () => {
    run = await runPlugin('entity_status_update_task_status', { entityType: 'Shot', statusMapping: { omt: 'omt' }, skipStatuses: [] });
    const { sg, project } = run;
    const shot = await sg.create('Shot', { project, code: 'sh010', description: 'keep me' });
    const task = await sg.create('Task', { project, content: 'comp', entity: { type: 'Shot', id: shot.id }, sg_status_list: 'fin' });
    await sg.update('Shot', shot.id, { sg_status_list: 'omt' });
    await run.settle();
    expect((await get(run, 'Task', task.id, ['sg_status_list'])).sg_status_list).toBe('omt');
    expect((await get(run, 'Shot', shot.id, ['description'])).description).toBe('keep me');
    expect(run.errors()).toEqual([]);
  });
});
