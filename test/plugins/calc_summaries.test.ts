import { afterEach, describe, expect, it } from 'vitest';
import { checkPlugin, runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const value = async (r: PluginRun, id: number, field: string) => (await r.sg.findOne('Shot', [['id', 'is', id]], [field]))![field];
const shot = (id: number) => ({ type: 'Shot', id });

describe('calc_summaries', () => {
  it('keeps Shot.sg_version_count at the number of live Versions linking the Shot', async () => {
    run = await runPlugin('calc_summaries');
    const { sg, project } = run;
    const a = await sg.create('Shot', { project, code: 'sh010' });
    const b = await sg.create('Shot', { project, code: 'sh020' });
    const v1 = await sg.create('Version', { project, code: 'v1', entity: shot(a.id) });
    await sg.create('Version', { project, code: 'v2', entity: shot(a.id) });
    await run.settle();
    expect(await value(run, a.id, 'sg_version_count')).toBe(2);

    await sg.update('Version', v1.id, { entity: shot(b.id) }); // moves: both Shots change
    await run.settle();
    expect(await value(run, a.id, 'sg_version_count')).toBe(1);
    expect(await value(run, b.id, 'sg_version_count')).toBe(1);

    await sg.delete('Version', v1.id);
    await run.settle();
    expect(await value(run, b.id, 'sg_version_count')).toBe(0);

    await sg.revive('Version', v1.id);
    await run.settle();
    expect(await value(run, b.id, 'sg_version_count')).toBe(1);
    expect(run.errors()).toEqual([]);
  });

  it('sums a field of the matching children', async () => {
    run = await runPlugin('calc_summaries', {
      mode: 'sum',
      sumField: 'frame_count',
      parentField: 'sg_working_duration',
      filters: [['sg_status_list', 'is_not', 'rej']],
    });
    const { sg, project } = run;
    const a = await sg.create('Shot', { project, code: 'sh030' });
    await sg.create('Version', { project, code: 'v1', entity: shot(a.id), frame_count: 10 });
    const v2 = await sg.create('Version', { project, code: 'v2', entity: shot(a.id), frame_count: 5 });
    await run.settle();
    expect(await value(run, a.id, 'sg_working_duration')).toBe(15);

    await sg.update('Version', v2.id, { frame_count: 7 });
    await run.settle();
    expect(await value(run, a.id, 'sg_working_duration')).toBe(17);

    await sg.update('Version', v2.id, { sg_status_list: 'rej' });
    await run.settle();
    expect(await value(run, a.id, 'sg_working_duration')).toBe(10);
    expect(run.errors()).toEqual([]);
  });

  it('a wrong setting is a load error naming it', async () => {
    const r = await checkPlugin('calc_summaries', { mode: 'sum', sumField: null });
    expect(r.code).toBe(1);
    expect(r.output).toContain('calc_summaries: setting "sumField" is required when mode is "sum" (got null)');
  });
});
