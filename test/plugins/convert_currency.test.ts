import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('convert_currency', () => {
  it('converts the amount with the exchange rate, and leaves ignored statuses alone', async () => {
    run = await runPlugin('convert_currency');
    const shot = await run.sg.create('Shot', { project: run.project, code: 'cc_010', sg_bid_cost: 100, sg_exchange_rate: 1.5 });
    await run.settle();
    expect((await get(run, 'Shot', shot.id, ['sg_bid_cost_local'])).sg_bid_cost_local).toBe(150);

    await run.sg.update('Shot', shot.id, { sg_exchange_rate: 2 });
    await run.settle();
    expect((await get(run, 'Shot', shot.id, ['sg_bid_cost_local'])).sg_bid_cost_local).toBe(200);

    // An ignored status: amount changes are not converted until the entity leaves it.
    await run.sg.update('Shot', shot.id, { sg_status_list: 'na' });
    await run.sg.update('Shot', shot.id, { sg_bid_cost: 300 });
    await run.settle();
    expect((await get(run, 'Shot', shot.id, ['sg_bid_cost_local'])).sg_bid_cost_local).toBe(200);
    await run.sg.update('Shot', shot.id, { sg_status_list: 'ip' });
    await run.settle();
    expect((await get(run, 'Shot', shot.id, ['sg_bid_cost_local'])).sg_bid_cost_local).toBe(600);
    expect(run.errors()).toEqual([]);
  });
});
