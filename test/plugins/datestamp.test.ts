import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('datestamp', () => {
  it('stamps the date a Shot goes final, in the configured time zone, without overwriting', async () => {
    run = await runPlugin('datestamp');
    const shot = await run.sg.create('Shot', { project: run.project, code: 'ds_010' });
    const kept = await run.sg.create('Shot', { project: run.project, code: 'ds_020', sg_date_finaled: '2020-01-02' });
    await run.sg.update('Shot', shot.id, { sg_status_list: 'ip' });
    await run.settle();
    expect((await get(run, 'Shot', shot.id, ['sg_date_finaled'])).sg_date_finaled).toBeNull();

    await run.sg.update('Shot', shot.id, { sg_status_list: 'fin' });
    await run.sg.update('Shot', kept.id, { sg_status_list: 'fin' });
    await run.settle();
    const ev = (await run.sg.findOne<{ created_at: string }>(
      'EventLogEntry',
      [
        ['event_type', 'is', 'Shotgun_Shot_Change'],
        ['attribute_name', 'is', 'sg_status_list'],
        ['entity', 'is', { type: 'Shot', id: shot.id }],
      ],
      ['created_at'],
      [{ field_name: 'id', direction: 'desc' }],
    ))!;
    const expected = new Intl.DateTimeFormat('en-CA', { timeZone: 'US/Pacific' }).format(new Date(ev.created_at));
    expect((await get(run, 'Shot', shot.id, ['sg_date_finaled'])).sg_date_finaled).toBe(expected);
    expect((await get(run, 'Shot', kept.id, ['sg_date_finaled'])).sg_date_finaled).toBe('2020-01-02');
    expect(run.errors()).toEqual([]);
  });
});

describe('datestamp settings', () => {
  it('an unknown time zone is a load error naming the setting', async () => {
    const { checkPlugin } = await import('./helpers.js');
    const r = await checkPlugin('datestamp', { timezone: 'Mars/Olympus' });
    expect(r.code).toBe(1);
    expect(r.output).toContain('datestamp: setting "timezone" must be an IANA time zone');
  });
});
