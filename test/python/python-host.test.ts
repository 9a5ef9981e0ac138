import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testPlugin, type PluginTest } from '../../electron/testing/index.js';

const fixture = (n: string) => path.resolve(import.meta.dirname, 'fixtures', n);

let t: PluginTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('a .py plugin through shotgun-events/testing', () => {
  it('loads with the original API, gets datetimes, keeps module state, writes through the stand-in sg', async () => {
    t = await testPlugin({ file: fixture('py_basic.py'), useApi3: false });
    expect(t.callbacks.map((c) => [c.name, c.scriptName, c.stopOnError])).toEqual([
      ['onShot', 'py_basic', true],
      ['Counter', 'py_basic', false],
    ]);
    expect(t.messages().join('\n')).toMatch(/registering \(logger plugin\.py_basic\)/);
    expect(t.messages().join('\n')).toMatch(/sg is the shotgun-events stand-in/);
    const project = await t.sg.create('Project', { name: 'P' });
    const shot = await t.sg.create('Shot', { code: 'sh1', project });
    await t.sg.update('Shot', shot.id, { code: 'sh1b' });
    await t.settle();
    await t.sg.update('Shot', shot.id, { code: 'sh1c' });
    await t.settle();
    const back = await t.sg.findOne('Shot', [['id', 'is', shot.id]], ['description']);
    // A create makes a Change event per field set, as ShotGrid does: count the calls made.
    const calls = t.outcomes.filter((o) => o.name === 'onShot').length;
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(back!.description).toBe(`seen ${calls} call(s) tag=x by StandInShotgun`);
    expect(t.errors.map((e) => e.error?.message)).toEqual([]);
  });
});
