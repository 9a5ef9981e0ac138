import { afterEach, describe, expect, it } from 'vitest';
import { checkPlugin, runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('update_timecode_values', () => {
  it("keeps a Shot's cut in/out frames and timecodes in sync both ways", async () => {
    run = await runPlugin('update_timecode_values');
    const fields = ['sg_cut_in', 'sg_cut_out', 'sg_timecode_in', 'sg_timecode_out'];
    const shot = await run.sg.create('Shot', { project: run.project, code: 'utv_010', sg_cut_in: 1001, sg_cut_out: 1048 });
    await run.settle();
    // Frames → timecode at 24 fps: ceil(1001 / 24 * 1000), ceil(1048 / 24 * 1000).
    expect(await get(run, 'Shot', shot.id, fields)).toMatchObject({
      sg_cut_in: 1001,
      sg_cut_out: 1048,
      sg_timecode_in: 41709,
      sg_timecode_out: 43667,
    });

    // Timecode → frame: 00:00:42:00 is frame 1008.
    await run.sg.update('Shot', shot.id, { sg_timecode_in: 42000 });
    await run.settle();
    expect(await get(run, 'Shot', shot.id, fields)).toMatchObject({ sg_cut_in: 1008, sg_timecode_in: 42000, sg_timecode_out: 43667 });

    // A new frame rate: the timecodes follow the frames.
    await run.sg.update('Shot', shot.id, { sg_frame_rate: 25 });
    await run.settle();
    expect(await get(run, 'Shot', shot.id, fields)).toMatchObject({
      sg_cut_in: 1008,
      sg_cut_out: 1048,
      sg_timecode_in: 40320,
      sg_timecode_out: 41920,
    });
    expect(run.errors()).toEqual([]);
  });

  it('a field named twice is a load error naming the setting', async () => {
    const r = await checkPlugin('update_timecode_values', { fields: { sg_cut_in: 'sg_timecode_in', sg_cut_out: 'sg_timecode_in' } });
    expect(r.code).toBe(1);
    expect(r.output).toContain('update_timecode_values: setting "fields" names sg_timecode_in twice');
  });
});
