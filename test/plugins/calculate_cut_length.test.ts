import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('calculate_cut_length', () => {
  it('keeps the cut duration and its running time in step with cut in/out', async () => {
    run = await runPlugin('calculate_cut_length');
    const shot = await run.sg.create('Shot', { project: run.project, code: 'ccl_010', sg_cut_in: 1001 });
    await run.sg.update('Shot', shot.id, { sg_cut_out: 1048 });
    await run.settle();
    const fields = ['sg_cut_duration', 'sg_cut_length_r_t'];
    expect(await get(run, 'Shot', shot.id, fields)).toMatchObject({ sg_cut_duration: 48, sg_cut_length_r_t: 2000 });

    // A duration typed by hand: only the running time follows.
    await run.sg.update('Shot', shot.id, { sg_cut_duration: 37 });
    await run.settle();
    expect(await get(run, 'Shot', shot.id, fields)).toMatchObject({ sg_cut_duration: 37, sg_cut_length_r_t: 1542 });
    expect(run.errors()).toEqual([]);
  });
});
