import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('task_status_update_entity_status', () => {
  it("rolls the Tasks' statuses up to their Shot", async () => {
    run = await runPlugin('task_status_update_entity_status', { enabled: true });
    const shot = await run.sg.create('Shot', { project: run.project, code: 'tsues_010' });
    const link = { type: 'Shot', id: shot.id };
    const t1 = await run.sg.create('Task', { project: run.project, content: 'anim', entity: link });
    const t2 = await run.sg.create('Task', { project: run.project, content: 'comp', entity: link });
    const status = async () => (await get(run!, 'Shot', shot.id, ['sg_status_list'])).sg_status_list;

    await run.sg.update('Task', t1.id, { sg_status_list: 'ip' });
    await run.settle();
    expect(await status()).toBe('ip');

    await run.sg.update('Task', t1.id, { sg_status_list: 'fin' });
    await run.settle();
    expect(await status()).toBe('ip'); // t2 is still waiting

    await run.sg.update('Task', t2.id, { sg_status_list: 'na' });
    await run.settle();
    expect(await status()).toBe('fin');

    // A Task reopened: the final Shot goes back to in progress.
    await run.sg.update('Task', t2.id, { sg_status_list: 'wtg' });
    await run.settle();
    expect(await status()).toBe('ip');
    expect(run.errors()).toEqual([]);
  });
});
