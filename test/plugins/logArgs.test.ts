import { afterEach, describe, expect, it } from 'vitest';
import { checkPlugin, runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

describe('logArgs', () => {
  it('logs each event it gets, with its args, and writes nothing', async () => {
    run = await runPlugin('logArgs', { matchEvents: { Shotgun_Shot_Change: ['sg_cut_in'] } });
    const shot = (await run.sg.findOne<{ id: number; sg_cut_in: number | null }>('Shot', [], ['sg_cut_in']))!;
    const before = run.sandbox.store.lastEventId;
    await run.sg.update('Shot', shot.id, { sg_cut_in: (shot.sg_cut_in ?? 0) + 7, description: 'not matched' });
    await run.settle();
    const logged = run.logs().map((l) => JSON.parse(l) as { event: { id: number; attribute_name: string }; args: unknown });
    expect(logged.map((l) => l.event.attribute_name)).toEqual(['sg_cut_in']);
    expect(logged[0]!.event.id).toBeGreaterThan(before);
    expect(logged[0]!.args).toEqual({ plugin: 'logArgs' });
    // Two events from the update, none from the plugin.
    expect(run.sandbox.store.lastEventId - before).toBe(2);
    expect(run.errors()).toEqual([]);
  });

  it('refuses a bad setting with a message naming it', async () => {
    const r = await checkPlugin('logArgs', { enabled: 'yes' });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/logArgs: setting "enabled"/);
  });
});
