import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('init_shot_handles', () => {
  it('gives a new Shot default handles where they are empty', async () => {
    run = await runPlugin('init_shot_handles');
    const shot = await run.sg.create('Shot', { project: run.project, code: 'ish_010' });
    const partly = await run.sg.create('Shot', { project: run.project, code: 'ish_020', smart_head_in: 990 });
    await run.settle();
    const fields = ['smart_head_in', 'smart_head_duration', 'smart_tail_duration'];
    expect(await get(run, 'Shot', shot.id, fields)).toMatchObject({ smart_head_in: 1001, smart_head_duration: 8, smart_tail_duration: 8 });
    expect(await get(run, 'Shot', partly.id, fields)).toMatchObject({ smart_head_in: 990, smart_head_duration: 8, smart_tail_duration: 8 });
    expect(run.errors()).toEqual([]);
  });
});
