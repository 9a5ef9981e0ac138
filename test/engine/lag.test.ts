// Lag in every state (issue 10), the engine in-process against a sandbox over HTTP: a plugin
// that does not consume (load error, paused, disabled, held) falls behind the shared window
// at once, and before it had processed anything its "age of the oldest unprocessed event"
// read 0 s. It must be head minus cursor (events) and the age of the event after its
// cursor (seconds), whatever the state.
import { afterEach, describe, expect, it } from 'vitest';
import type { PluginView } from '../../electron/contract.js';
import { loadConfig } from '../../electron/engine/config.js';
import { Engine } from '../../electron/engine/engine.js';
import { makeSite, recorderPlugin, until, type Site } from '../daemon/harness.js';
import { shotId } from '../daemon/helpers.js';

let site: Site | null = null;
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.stop(1000).catch(() => {});
  engine = null;
  await site?.close();
  site = null;
});

describe('lag of a plugin that is not consuming', () => {
  it('is head minus cursor and the age of the event after its cursor, for load-error, paused, disabled and held plugins', async () => {
    site = await makeSite();
    const s = site;
    // Held stays held: its next automatic retry is far away.
    s.writeConfig({ daemon: { retry_backoff: '600' } });
    s.writePlugin('rec.mjs', recorderPlugin(s.recordsDir, 'rec'));
    s.writePlugin('broken.mjs', `export function registerCallbacks(reg) { throw new Error('broken on purpose'); }\n`);
    s.writePlugin('paused.mjs', recorderPlugin(s.recordsDir, 'paused'));
    s.writePlugin('off.mjs', recorderPlugin(s.recordsDir, 'off'));
    s.writePlugin('held.mjs', recorderPlugin(s.recordsDir, 'held', { body: `throw new Error('held on purpose');` }));
    const e = await Engine.create({ config: loadConfig(s.configPath) });
    engine = e;
    await e.start();
    const view = (name: string): PluginView => e.snapshot().plugins.find((p) => p.name === name)!;
    await until(() => view('broken').state === 'load_error' && view('rec').state === 'running', 'the plugins loaded');
    await e.command('pause', { plugin: 'paused' });
    await e.command('setEnabled', { plugin: 'off', enabled: false });

    const shot = await shotId(s);
    const start = s.sandbox.store.lastEventId;
    for (let i = 0; i < 3; i++) await s.sg.update('Shot', shot, { sg_cut_in: 1000 + i });
    await until(() => s.records('rec').length === 3, 'rec took the three events');
    // The next poll's events evict from the window what every consuming plugin has passed:
    // the stalled plugins' next events are then only on the site.
    await s.sg.update('Shot', shot, { sg_cut_in: 2000 });
    const head = s.sandbox.store.lastEventId;
    await until(() => s.records('rec').length === 4, 'rec took the fourth event');
    await until(() => view('held').state === 'holding', 'held holding');
    const first = (await s.sg.findOne<{ created_at: string }>('EventLogEntry', [['id', 'is', start + 1]], ['created_at']))!;

    for (const name of ['broken', 'paused', 'off', 'held']) {
      // The age is a whole number of seconds old at least once a second has passed since the write.
      await until(() => view(name).lagSeconds >= 1, `${name}'s lag age`, 30_000);
      const v = view(name);
      expect(v.cursor, name).toBe(start);
      expect(v.lagEvents, name).toBe(head - start);
      // The oldest unprocessed event is the first write (created_at has whole seconds).
      const age = (Date.now() - Date.parse(first.created_at)) / 1000;
      expect(v.lagSeconds, name).toBeGreaterThan(age - 2);
      expect(v.lagSeconds, name).toBeLessThanOrEqual(age + 0.5);
    }
    // It keeps growing while the plugin stays behind.
    const before = view('broken').lagSeconds;
    await until(() => view('broken').lagSeconds >= before + 1, "broken's age growing", 30_000);
    expect(view('rec').lagEvents).toBe(0);
    expect(view('rec').lagSeconds).toBe(0);
  }, 90_000);
});
