import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('update_version_task_field', () => {
  it("links a Version to its entity's Task assigned to the Version's user, in the configured steps", async () => {
    run = await runPlugin('update_version_task_field', { taskStepShortNames: ['comp'] });
    const sg = run.sg;
    const step = async (short: string) => (await sg.findOne('Step', [['short_name', 'is', short]], ['id']))!;
    const [anim, comp] = [await step('anim'), await step('comp')];
    const users = await sg.find('HumanUser', [], ['login'], [{ field_name: 'id', direction: 'asc' }]);
    const artist = { type: 'HumanUser', id: users[users.length - 1]!.id };
    const shot = await sg.create('Shot', { project: run.project, code: 'uvtf_010' });
    const link = { type: 'Shot', id: shot.id };
    // The artist's anim Task is not in the configured steps; their comp Task is.
    await sg.create('Task', { project: run.project, content: 'anim', entity: link, step: { type: 'Step', id: anim.id }, task_assignees: [artist] });
    const compTask = await sg.create('Task', {
      project: run.project,
      content: 'comp',
      entity: link,
      step: { type: 'Step', id: comp.id },
      task_assignees: [artist],
    });
    const otherShot = await sg.create('Shot', { project: run.project, code: 'uvtf_020' });

    const v = await sg.create('Version', { project: run.project, code: 'uvtf_010_v001', entity: link, user: artist });
    const elsewhere = await sg.create('Version', {
      project: run.project,
      code: 'uvtf_020_v001',
      entity: { type: 'Shot', id: otherShot.id },
      user: artist,
    });
    await run.settle();
    expect((await get(run, 'Version', v.id, ['sg_task'])).sg_task).toMatchObject({ type: 'Task', id: compTask.id });
    expect((await get(run, 'Version', elsewhere.id, ['sg_task'])).sg_task).toBeNull();

    // A Task assigned later picks up the Version that had none.
    const otherComp = await sg.create('Task', {
      project: run.project,
      content: 'comp',
      entity: { type: 'Shot', id: otherShot.id },
      step: { type: 'Step', id: comp.id },
    });
    await run.settle();
    expect((await get(run, 'Version', elsewhere.id, ['sg_task'])).sg_task).toBeNull();
    await sg.update('Task', otherComp.id, { task_assignees: [artist] });
    await run.settle();
    expect((await get(run, 'Version', elsewhere.id, ['sg_task'])).sg_task).toMatchObject({ type: 'Task', id: otherComp.id });

    // A Version made with its Task keeps it.
    const given = await sg.create('Version', {
      project: run.project,
      code: 'uvtf_010_v002',
      entity: link,
      user: artist,
      sg_task: { type: 'Task', id: otherComp.id },
    });
    await run.settle();
    expect((await get(run, 'Version', given.id, ['sg_task'])).sg_task).toMatchObject({ id: otherComp.id });
    expect(run.errors()).toEqual([]);
  });
});
