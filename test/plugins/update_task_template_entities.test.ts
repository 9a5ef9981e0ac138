import { afterEach, describe, expect, it } from 'vitest';
import { checkPlugin, runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

type Link = { type: string; id: number };
const ref = (type: string, id: number): Link => ({ type, id });
const SWITCH = { sg_plugins: 'Update linked entities' };
/** The minimal site's only Project (ids start at 1 per type; the first test checks it). */
const PROJECT = 1;

/** A template with three Tasks (the minimal site's Animation step on the first). */
async function template(r: PluginRun) {
  const tpl = await r.sg.create('TaskTemplate', { code: 'Asset - Basic', entity_type: 'Asset' });
  const step = (await r.sg.findOne('Step', [['code', 'is', 'Animation']], ['id']))!;
  const t = ref('TaskTemplate', tpl.id);
  const model = await r.sg.create('Task', {
    task_template: t,
    content: 'Model',
    step: ref('Step', step.id),
    est_in_mins: 100,
    sg_description: 'model it',
    start_date: '2025-02-02',
  });
  const rig = await r.sg.create('Task', { task_template: t, content: 'Rig', est_in_mins: 200 });
  const surf = await r.sg.create('Task', { task_template: t, content: 'Surfacing', est_in_mins: 300 });
  return { tpl: t, model, rig, surf, step: ref('Step', step.id) };
}

const tasksOf = (r: PluginRun, entity: Link) =>
  r.sg.find(
    'Task',
    [['entity', 'is', entity]],
    ['content', 'est_in_mins', 'sg_description', 'start_date', 'step', 'template_task', 'project'],
    [{ field_name: 'id', direction: 'asc' }],
  );

describe('update_task_template_entities', () => {
  it("flipping a template's switch updates, creates and trashes its entities' Tasks, then resets the switch", async () => {
    run = await runPlugin('update_task_template_entities', { projectIds: [PROJECT] });
    const { sg, project } = run;
    expect(project.id).toBe(PROJECT);
    const { tpl, model, rig, surf, step } = await template(run);
    const asset = await sg.create('Asset', { project, code: 'hero', task_template: tpl });
    const a = ref('Asset', asset.id);
    const made = await sg.create('Task', {
      project,
      entity: a,
      content: 'Model',
      template_task: ref('Task', model.id),
      est_in_mins: 50,
      start_date: '2025-01-01',
    });
    const old = await sg.create('Task', { project, entity: a, content: 'Old' });
    // Linked, but in a Project that is not in projectIds; and one not linked at all.
    const other = await sg.create('Project', { name: 'Elsewhere' });
    const away = await sg.create('Asset', { project: ref('Project', other.id), code: 'away', task_template: tpl });
    const awayTask = await sg.create('Task', { project: ref('Project', other.id), entity: ref('Asset', away.id), content: 'Old' });
    const plain = await sg.create('Asset', { project, code: 'plain' });
    const plainTask = await sg.create('Task', { project, entity: ref('Asset', plain.id), content: 'Old' });
    await run.settle();
    expect(await tasksOf(run, a)).toHaveLength(2);

    await sg.update('TaskTemplate', tpl.id, SWITCH);
    await run.settle();

    const tasks = await tasksOf(run, a);
    expect(tasks.map((t) => t.content)).toEqual(['Model', 'Rig', 'Surfacing']);
    // Updated: set values overwritten, empty ones filled, excluded ones (start_date) kept.
    expect(tasks[0]).toMatchObject({
      id: made.id,
      est_in_mins: 100,
      sg_description: 'model it',
      start_date: '2025-01-01',
      step: { type: 'Step', id: step.id },
    });
    // Created from the template's other Tasks, in the entity's Project.
    expect(tasks[1]).toMatchObject({ est_in_mins: 200, template_task: { type: 'Task', id: rig.id }, project: { type: 'Project', id: project.id } });
    expect(tasks[2]).toMatchObject({ est_in_mins: 300, template_task: { type: 'Task', id: surf.id } });
    // Trashed: the Task not made from the template.
    expect(await sg.findOne('Task', [['id', 'is', old.id]], ['id'], undefined, { retiredOnly: true })).toMatchObject({ id: old.id });
    // Untouched: the other Project's entity, the unlinked one, and the template itself.
    expect((await tasksOf(run, ref('Asset', away.id))).map((t) => t.id)).toEqual([awayTask.id]);
    expect((await tasksOf(run, ref('Asset', plain.id))).map((t) => t.id)).toEqual([plainTask.id]);
    expect(await sg.find('Task', [['task_template', 'is', tpl]], ['id'])).toHaveLength(3);
    expect((await sg.findOne('TaskTemplate', [['id', 'is', tpl.id]], ['sg_plugins']))!.sg_plugins).toBe('N/A');
    expect(run.logs().join('\n')).toContain(
      `TaskTemplate ${tpl.id} (Asset - Basic): 1 linked entity; 2 Task(s) created, 1 updated, 1 trashed; sg_plugins reset to N/A`,
    );

    // Again: everything already matches, nothing is written.
    const before = await sg.find('EventLogEntry', [['event_type', 'starts_with', 'Shotgun_Task_']], ['id']);
    await sg.update('TaskTemplate', tpl.id, SWITCH);
    await run.settle();
    expect(await sg.find('EventLogEntry', [['event_type', 'starts_with', 'Shotgun_Task_']], ['id'])).toHaveLength(before.length);
    expect(run.logs().join('\n')).toContain('1 linked entity; 0 Task(s) created, 0 updated, 0 trashed');
    expect(run.errors()).toEqual([]);
  });

  it('without overwriteFieldValues only empty fields are filled; trashOldTasks false keeps other Tasks', async () => {
    run = await runPlugin('update_task_template_entities', { projectIds: [PROJECT], overwriteFieldValues: false, trashOldTasks: false });
    const { sg, project } = run;
    const { tpl, model } = await template(run);
    const asset = await sg.create('Asset', { project, code: 'hero', task_template: tpl });
    const a = ref('Asset', asset.id);
    const made = await sg.create('Task', { project, entity: a, content: 'Model', template_task: ref('Task', model.id), est_in_mins: 50 });
    const old = await sg.create('Task', { project, entity: a, content: 'Old' });
    await sg.update('TaskTemplate', tpl.id, SWITCH);
    await run.settle();
    const tasks = await tasksOf(run, a);
    expect(tasks.map((t) => t.content)).toEqual(['Model', 'Old', 'Rig', 'Surfacing']);
    expect(tasks.find((t) => t.id === made.id)).toMatchObject({ est_in_mins: 50, sg_description: 'model it' });
    expect(tasks.some((t) => t.id === old.id)).toBe(true);
    expect(run.errors()).toEqual([]);
  });

  it('a Project that does not exist fails the event with a message naming projectIds; the switch stays', async () => {
    run = await runPlugin('update_task_template_entities', { projectIds: [97] });
    const tpl = await run.sg.create('TaskTemplate', { code: 'T', entity_type: 'Asset' });
    await run.sg.update('TaskTemplate', tpl.id, SWITCH);
    await run.settle();
    expect(run.errors().join('\n')).toContain('update_task_template_entities: setting "projectIds": no Project with id 97 on the site');
    expect((await run.sg.findOne('TaskTemplate', [['id', 'is', tpl.id]], ['sg_plugins']))!.sg_plugins).toBe('Update linked entities');
  });

  it('a switch value the field does not accept fails the event naming pluginsField', async () => {
    run = await runPlugin('update_task_template_entities', { projectIds: [PROJECT], pluginsFieldValue: 'Sync tasks' });
    const tpl = await run.sg.create('TaskTemplate', { code: 'T', entity_type: 'Asset' });
    await run.sg.update('TaskTemplate', tpl.id, { description: 'x' });
    await run.sg.update('TaskTemplate', tpl.id, { sg_plugins: 'Update linked entities' });
    await run.settle();
    expect(run.errors().join('\n')).toContain('TaskTemplate.sg_plugins (setting "pluginsField") does not accept "Sync tasks"');
  });

  it('"N/A" as the switch value is a load error naming the setting', async () => {
    const r = await checkPlugin('update_task_template_entities', { pluginsFieldValue: 'N/A' });
    expect(r.code).toBe(1);
    expect(r.output).toContain('update_task_template_entities: setting "pluginsFieldValue" must not be "N/A"');
  });
});
