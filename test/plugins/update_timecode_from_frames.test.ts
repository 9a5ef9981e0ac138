import { afterEach, describe, expect, it } from 'vitest';
import { checkPlugin, runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('update_timecode_from_frames', () => {
  it("sets a Version's timecode in/out from its frames, at its own frame rate when it has one", async () => {
    run = await runPlugin('update_timecode_from_frames');
    const fields = ['sg_timecode_in', 'sg_timecode_out'];
    const v = await run.sg.create('Version', { project: run.project, code: 'utff_v001', sg_first_frame: 1001, sg_last_frame: 1048 });
    await run.settle();
    // At the default 24 fps: ceil(1001 / 24 * 1000), ceil(1048 / 24 * 1000).
    expect(await get(run, 'Version', v.id, fields)).toMatchObject({ sg_timecode_in: 41709, sg_timecode_out: 43667 });

    await run.sg.update('Version', v.id, { sg_last_frame: 1096 });
    await run.settle();
    expect(await get(run, 'Version', v.id, fields)).toMatchObject({ sg_timecode_in: 41709, sg_timecode_out: 45667 });

    await run.sg.update('Version', v.id, { sg_uploaded_movie_frame_rate: 25 });
    await run.settle();
    expect(await get(run, 'Version', v.id, fields)).toMatchObject({ sg_timecode_in: 40040, sg_timecode_out: 43840 });
    expect(run.errors()).toEqual([]);
  });

  it('a zero frame rate is a load error naming the setting', async () => {
    const r = await checkPlugin('update_timecode_from_frames', { fps: 0 });
    expect(r.code).toBe(1);
    expect(r.output).toContain('update_timecode_from_frames: setting "fps" must be greater than 0');
  });
});
