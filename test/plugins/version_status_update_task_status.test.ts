import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('version_status_update_task_status', () => {
  it("maps a Version's status onto its Task and stamps the approval date", async () => {
    run = await runPlugin('version_status_update_task_status', { enabled: true, dateApprovedField: 'sg_date_finaled', dateApprovedTimezone: 'UTC' });
    const task = await run.sg.create('Task', { project: run.project, content: 'comp', sg_status_list: 'ip' });
    const version = await run.sg.create('Version', { project: run.project, code: 'v001', sg_task: { type: 'Task', id: task.id } });
    await run.settle();
    // Created as "rev": the Task follows.
    expect((await get(run, 'Task', task.id, ['sg_status_list'])).sg_status_list).toBe('rev');

    await run.sg.update('Version', version.id, { sg_status_list: 'apr' });
    await run.settle();
    expect((await get(run, 'Task', task.id, ['sg_status_list'])).sg_status_list).toBe('apr');
    const ev = (await run.sg.findOne<{ created_at: string }>(
      'EventLogEntry',
      [
        ['event_type', 'is', 'Shotgun_Version_Change'],
        ['attribute_name', 'is', 'sg_status_list'],
        ['entity', 'is', { type: 'Version', id: version.id }],
      ],
      ['created_at'],
      [{ field_name: 'id', direction: 'desc' }],
    ))!;
    expect((await get(run, 'Version', version.id, ['sg_date_finaled'])).sg_date_finaled).toBe(ev.created_at.slice(0, 10));

    await run.sg.update('Version', version.id, { sg_status_list: 'rej' });
    await run.settle();
    expect((await get(run, 'Task', task.id, ['sg_status_list'])).sg_status_list).toBe('ip');
    expect(run.errors()).toEqual([]);
  });
});
