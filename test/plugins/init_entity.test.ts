import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('init_entity', () => {
  it('fills the initial data of a new Asset, keeping values set at creation', async () => {
    run = await runPlugin('init_entity');
    const blank = await run.sg.create('Asset', { project: run.project, code: 'ie_blank' });
    const given = await run.sg.create('Asset', { project: run.project, code: 'ie_given', description: 'mine' });
    await run.settle();
    expect((await get(run, 'Asset', blank.id, ['description'])).description).toBe('Brand new Asset.');
    expect((await get(run, 'Asset', given.id, ['description'])).description).toBe('mine');
    expect(run.errors()).toEqual([]);
  });

  it('force overwrites, and filters restrict which entities qualify', async () => {
    run = await runPlugin('init_entity', { force: true, filters: [['sg_asset_type', 'is', 'Prop']] });
    const prop = await run.sg.create('Asset', { project: run.project, code: 'ie_prop', sg_asset_type: 'Prop', description: 'mine' });
    const chr = await run.sg.create('Asset', { project: run.project, code: 'ie_chr', sg_asset_type: 'Character' });
    await run.settle();
    expect((await get(run, 'Asset', prop.id, ['description'])).description).toBe('Brand new Asset.');
    expect((await get(run, 'Asset', chr.id, ['description'])).description).toBeNull();
  });
});
