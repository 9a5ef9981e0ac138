import { afterEach, describe, expect, it } from 'vitest';
import { checkPlugin, runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('version_finaled', () => {
  it("pushes a final Version to its Shot and supersedes the Shot's other Versions", async () => {
    run = await runPlugin('version_finaled', { enabled: true, timezone: 'UTC', supersededStatus: 'na' });
    const shot = await run.sg.create('Shot', { project: run.project, code: 'vf_010', sg_status_list: 'ip' });
    const link = { type: 'Shot', id: shot.id };
    const v1 = await run.sg.create('Version', { project: run.project, code: 'vf_010_v001', entity: link, sg_status_list: 'fin' });
    const v2 = await run.sg.create('Version', { project: run.project, code: 'vf_010_v002', entity: link });
    const elsewhere = await run.sg.create('Version', { project: run.project, code: 'other_v001' });
    await run.settle();
    // v1 was created final, so v2 was marked superseded; finaling v2 now turns that around.
    expect((await get(run, 'Version', v2.id, ['sg_superseded'])).sg_superseded).toBe(true);
    await run.sg.update('Version', v2.id, { sg_status_list: 'fin' });
    await run.settle();

    const ev = (await run.sg.findOne<{ created_at: string }>(
      'EventLogEntry',
      [
        ['event_type', 'is', 'Shotgun_Version_Change'],
        ['attribute_name', 'is', 'sg_status_list'],
        ['entity', 'is', { type: 'Version', id: v2.id }],
      ],
      ['created_at'],
      [{ field_name: 'id', direction: 'desc' }],
    ))!;
    const day = ev.created_at.slice(0, 10);
    expect(await get(run, 'Shot', shot.id, ['sg_status_list', 'sg_date_finaled'])).toMatchObject({ sg_status_list: 'fin', sg_date_finaled: day });
    expect(await get(run, 'Version', v2.id, ['sg_status_list', 'sg_superseded', 'sg_date_finaled'])).toMatchObject({
      sg_status_list: 'fin',
      sg_superseded: false,
      sg_date_finaled: day,
    });
    // The earlier final Version is superseded: flagged, and moved off its final status.
    expect(await get(run, 'Version', v1.id, ['sg_status_list', 'sg_superseded'])).toMatchObject({ sg_status_list: 'na', sg_superseded: true });
    expect((await get(run, 'Version', elsewhere.id, ['sg_superseded'])).sg_superseded).toBe(false);

    // Not final: nothing happens.
    const v3 = await run.sg.create('Version', { project: run.project, code: 'vf_010_v003', entity: link });
    await run.sg.update('Version', v3.id, { sg_status_list: 'apr' });
    await run.settle();
    expect((await get(run, 'Version', v2.id, ['sg_superseded'])).sg_superseded).toBe(false);
    expect(run.errors()).toEqual([]);
  });

  it('a final supersededStatus is a load error naming the setting', async () => {
    const r = await checkPlugin('version_finaled', { enabled: true, supersededStatus: 'fin' });
    expect(r.code).toBe(1);
    expect(r.output).toContain('version_finaled: setting "supersededStatus" must not be one of finalStatuses');
  });
});
