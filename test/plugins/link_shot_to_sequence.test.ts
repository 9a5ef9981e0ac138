import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('link_shot_to_sequence', () => {
  it('links a Shot to the Sequence its code names, only when it has none', async () => {
    run = await runPlugin('link_shot_to_sequence');
    const seq = await run.sg.create('Sequence', { project: run.project, code: 'ABC' });
    const other = await run.sg.create('Sequence', { project: run.project, code: 'XYZ' });
    const shot = await run.sg.create('Shot', { project: run.project, code: 'ABC0010' });
    const linked = await run.sg.create('Shot', { project: run.project, code: 'ABC0020', sg_sequence: { type: 'Sequence', id: other.id } });
    const odd = await run.sg.create('Shot', { project: run.project, code: 'weird_name' });
    await run.settle();
    expect((await get(run, 'Shot', shot.id, ['sg_sequence'])).sg_sequence).toMatchObject({ type: 'Sequence', id: seq.id });
    expect((await get(run, 'Shot', linked.id, ['sg_sequence'])).sg_sequence).toMatchObject({ id: other.id });
    expect((await get(run, 'Shot', odd.id, ['sg_sequence'])).sg_sequence).toBeNull();

    // Renaming an unlinked Shot links it too.
    await run.sg.update('Shot', odd.id, { code: 'XYZ0100' });
    await run.settle();
    expect((await get(run, 'Shot', odd.id, ['sg_sequence'])).sg_sequence).toMatchObject({ id: other.id });
    expect(run.errors()).toEqual([]);
  });
});
