import { afterEach, describe, expect, it } from 'vitest';
import { checkPlugin, runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const status = async (r: PluginRun, type: string, id: number) => (await r.sg.findOne(type, [['id', 'is', id]], ['sg_status_list']))!.sg_status_list;
const t = (id: number) => ({ type: 'Task', id });

describe('tasks_approved', () => {
  it('readies a downstream Task once all its upstream Tasks are approved, and closes their Notes', async () => {
    run = await runPlugin('tasks_approved', { enabled: true });
    const { sg, project } = run;
    const anim = await sg.create('Task', { project, content: 'anim', sg_status_list: 'rev' });
    const light = await sg.create('Task', { project, content: 'light', sg_status_list: 'ip' });
    const comp = await sg.create('Task', { project, content: 'comp', upstream_tasks: [t(anim.id), t(light.id)] });
    // Skipped (na) Task: the one after it is considered instead.
    const fx = await sg.create('Task', { project, content: 'fx', sg_status_list: 'na', upstream_tasks: [t(light.id)] });
    const dmp = await sg.create('Task', { project, content: 'dmp', upstream_tasks: [t(fx.id)] });
    const animNote = await sg.create('Note', { project, subject: 'anim notes', tasks: [t(anim.id)] });
    const bothNote = await sg.create('Note', { project, subject: 'shared notes', tasks: [t(anim.id), t(light.id)] });

    await sg.update('Task', anim.id, { sg_status_list: 'apr' });
    await run.settle();
    expect(await status(run, 'Task', comp.id)).toBe('wtg'); // light is not approved yet
    expect(await status(run, 'Note', animNote.id)).toBe('clsd');
    expect(await status(run, 'Note', bothNote.id)).toBe('opn');

    await sg.update('Task', light.id, { sg_status_list: 'apr' });
    await run.settle();
    expect(await status(run, 'Task', comp.id)).toBe('rdy');
    expect(await status(run, 'Task', dmp.id)).toBe('rdy');
    expect(await status(run, 'Task', fx.id)).toBe('na');
    expect(await status(run, 'Note', bothNote.id)).toBe('clsd');
    expect(run.errors()).toEqual([]);
  });

  it('a wrong setting is a load error naming it', async () => {
    const r = await checkPlugin('tasks_approved', { enabled: true, activeStatus: 'apr' });
    expect(r.code).toBe(1);
    expect(r.output).toContain('tasks_approved: setting "activeStatus" must not be one of approvedStatuses (it would trigger itself) (got "apr")');
  });
});
