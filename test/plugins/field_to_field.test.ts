import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('field_to_field', () => {
  it('zeroes a Task bid when the Task is set to na, and nothing else', async () => {
    run = await runPlugin('field_to_field');
    const task = await run.sg.create('Task', { project: run.project, content: 'f2f', est_in_mins: 480 });
    await run.sg.update('Task', task.id, { sg_status_list: 'ip' });
    await run.settle();
    expect((await get(run, 'Task', task.id, ['est_in_mins'])).est_in_mins).toBe(480);

    await run.sg.update('Task', task.id, { sg_status_list: 'na' });
    await run.settle();
    expect((await get(run, 'Task', task.id, ['est_in_mins'])).est_in_mins).toBe(0);
    expect(run.errors()).toEqual([]);
  });
});
