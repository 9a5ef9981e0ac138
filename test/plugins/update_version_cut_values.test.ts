import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;
const CUT = ['sg_cut_in', 'sg_cut_out', 'sg_cut_duration'];

describe('update_version_cut_values', () => {
  it('gives a new Version the cut of its Shot', async () => {
    run = await runPlugin('update_version_cut_values');
    const shot = await run.sg.create('Shot', { project: run.project, code: 'uvcv_010', sg_cut_in: 1009, sg_cut_out: 1056, sg_cut_duration: 48 });
    const v = await run.sg.create('Version', { project: run.project, code: 'uvcv_010_v001', entity: { type: 'Shot', id: shot.id } });
    const loose = await run.sg.create('Version', { project: run.project, code: 'loose_v001' });
    await run.settle();
    expect(await get(run, 'Version', v.id, CUT)).toMatchObject({ sg_cut_in: 1009, sg_cut_out: 1056, sg_cut_duration: 48 });
    expect(await get(run, 'Version', loose.id, CUT)).toMatchObject({ sg_cut_in: null, sg_cut_out: null, sg_cut_duration: null });

    // By default a later change to the Shot's cut is not copied.
    await run.sg.update('Shot', shot.id, { sg_cut_out: 1060 });
    await run.settle();
    expect((await get(run, 'Version', v.id, CUT)).sg_cut_out).toBe(1056);
    expect(run.errors()).toEqual([]);
  });

  it("with followEntityChanges, copies the Shot's new cut to its Versions", async () => {
    run = await runPlugin('update_version_cut_values', { followEntityChanges: true });
    const shot = await run.sg.create('Shot', { project: run.project, code: 'uvcv_020', sg_cut_in: 1001, sg_cut_out: 1024 });
    const link = { type: 'Shot', id: shot.id };
    const v1 = await run.sg.create('Version', { project: run.project, code: 'uvcv_020_v001', entity: link });
    const v2 = await run.sg.create('Version', { project: run.project, code: 'uvcv_020_v002', entity: link });
    await run.settle();
    expect((await get(run, 'Version', v2.id, CUT)).sg_cut_out).toBe(1024);
    await run.sg.update('Shot', shot.id, { sg_cut_out: 1030, sg_cut_duration: 30 });
    await run.settle();
    for (const v of [v1, v2]) expect(await get(run, 'Version', v.id, CUT)).toMatchObject({ sg_cut_in: 1001, sg_cut_out: 1030, sg_cut_duration: 30 });
    expect(run.errors()).toEqual([]);
  });
});
