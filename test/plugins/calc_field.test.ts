import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../daemon/harness.js';
import { checkPlugin, runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

describe('calc_field', () => {
  it('writes fieldA <op> fieldB when an operand changes, once', async () => {
    run = await runPlugin('calc_field', {
      entityType: 'Shot',
      fieldA: 'sg_tail_out',
      fieldB: 'sg_head_in',
      operator: '-',
      fieldToUpdate: 'sg_working_duration',
    });
    const shot = await run.sg.create('Shot', { project: run.project, code: 'calc_010', sg_head_in: 993 });
    await run.sg.update('Shot', shot.id, { sg_tail_out: 1100 });
    await run.settle();
    expect((await run.sg.findOne('Shot', [['id', 'is', shot.id]], ['sg_working_duration']))!.sg_working_duration).toBe(107);

    const before = run.sandbox.store.lastEventId;
    await run.sg.update('Shot', shot.id, { sg_head_in: 1000 });
    await run.settle();
    expect((await run.sg.findOne('Shot', [['id', 'is', shot.id]], ['sg_working_duration']))!.sg_working_duration).toBe(100);
    // The person's change and the plugin's one write: no echo.
    expect(run.sandbox.store.lastEventId - before).toBe(2);
    expect(run.errors()).toEqual([]);
  });

  it('a wrong setting is a load error naming it', async () => {
    const r = await checkPlugin('calc_field', { operator: '%' });
    expect(r.code).toBe(1);
    expect(r.output).toContain('calc_field: setting "operator" must be one of "+", "-", "*", "/" (got "%")');
  });

  it('a field missing from the site fails the event with a message naming the setting', async () => {
    run = await runPlugin('calc_field', { entityType: 'Shot', fieldA: 'sg_tail_out', fieldB: 'sg_head_in', operator: '-', fieldToUpdate: 'sg_nope' });
    const shot = (await run.sg.findOne('Shot', [], ['id']))!;
    await run.sg.update('Shot', shot.id, { sg_tail_out: 1200 });
    await until(
      () => run!.errors().some((l) => l.includes('calc_field: setting "fieldToUpdate" names Shot.sg_nope, which does not exist')),
      'the error',
      8000,
    );
  });
});
