import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('task_status_update_version_status', () => {
  it("maps a Task's status onto its latest Version only", async () => {
    run = await runPlugin('task_status_update_version_status', { enabled: true });
    const task = await run.sg.create('Task', { project: run.project, content: 'comp' });
    const link = { type: 'Task', id: task.id };
    const older = await run.sg.create('Version', { project: run.project, code: 'v001', sg_task: link, sg_status_list: 'rej' });
    const latest = await run.sg.create('Version', { project: run.project, code: 'v002', sg_task: link });
    const status = async (id: number) => (await get(run!, 'Version', id, ['sg_status_list'])).sg_status_list;

    await run.sg.update('Task', task.id, { sg_status_list: 'ip' }); // not mapped
    await run.settle();
    expect(await status(latest.id)).toBe('rev');

    await run.sg.update('Task', task.id, { sg_status_list: 'apr' });
    await run.settle();
    expect(await status(latest.id)).toBe('apr');
    expect(await status(older.id)).toBe('rej');
    expect(run.errors()).toEqual([]);
  });
});
