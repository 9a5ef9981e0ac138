// Loop protection: with `[daemon] ignore_own_events = on`, events made by the daemon's own
// scripts (its [shotgun] name, and every callback's script name) are not delivered; off
// (the default, as the original), they are. The plugins' script has
// generate_event_log_entries on (harness PLUGIN_SCRIPT), so a callback's write makes an
// event that, without protection, comes back to the plugins.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Shotgun } from '../../electron/shotgun/client.js';
import { ENGINE_SCRIPT, makeSite, PLUGIN_SCRIPT, recorderPlugin, until, type Site } from './harness.js';
import { cursorsReach, eventsAfter, ids, shotId } from './helpers.js';

let site: Site;
afterEach(async () => site?.close());

/** On each sg_cut_in change, writes the shot's description as its own script; records what it gets. */
function writer(recordsDir: string): string {
  const file = JSON.stringify(path.join(recordsDir, 'writer.jsonl'));
  return `import { appendFileSync } from 'node:fs';
export function registerCallbacks(reg) {
  reg.registerCallback(${JSON.stringify(PLUGIN_SCRIPT.name)}, ${JSON.stringify(PLUGIN_SCRIPT.key)}, async (sg, event) => {
    appendFileSync(${file}, JSON.stringify({ id: event.id }) + '\\n');
    if (event.attribute_name === 'sg_cut_in') await sg.update('Shot', event.entity.id, { description: 'touched by ' + event.id });
  }, null, { matchEvents: { Shotgun_Shot_Change: ['sg_cut_in', 'description'] } });
}
`;
}

describe('loop protection', () => {
  it.each([
    { setting: 'on', ignored: true },
    { setting: 'off', ignored: false },
  ])('ignore_own_events = $setting', async ({ setting, ignored }) => {
    site = await makeSite();
    // Let the daemon's own polling script make events too, to cover its [shotgun] name.
    site.sandbox.auth.addScript(ENGINE_SCRIPT.name, ENGINE_SCRIPT.key, { generateEvents: true });
    site.writeConfig({ daemon: { ignore_own_events: setting } });
    site.writePlugin('writer.mjs', writer(site.recordsDir));
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    const d = site.run();
    await d.waitFor(/Polling every event type/);
    const before = site.sandbox.store.lastEventId;
    const shot = await shotId(site);

    await site.sg.update('Shot', shot, { sg_cut_in: 7 }); // a person
    const human1 = site.sandbox.store.lastEventId;
    await until(async () => (await eventsAfter(site, human1)).some((e) => e.attribute_name === 'description'), "the writer plugin's own write");
    const asDaemon = new Shotgun({ server: site.sandbox.url, credentials: { scriptName: ENGINE_SCRIPT.name, scriptKey: ENGINE_SCRIPT.key } });
    try {
      await asDaemon.update('Shot', shot, { sg_cut_out: 70 }); // the daemon's own script
    } finally {
      await asDaemon.close();
    }
    await site.sg.update('Shot', shot, { sg_cut_out: 71 }); // a person again
    const last = site.sandbox.store.lastEventId;
    await cursorsReach(site, ['writer', 'rec'], last);

    const events = await eventsAfter(site, before);
    const by = (name: string) => events.filter((e) => e.user?.type === 'ApiUser' && e.user.name === name).map((e) => e.id);
    const own = [...by(PLUGIN_SCRIPT.name), ...by(ENGINE_SCRIPT.name)];
    expect(by(PLUGIN_SCRIPT.name)).toHaveLength(1);
    expect(by(ENGINE_SCRIPT.name)).toHaveLength(1);
    expect(events).toHaveLength(4);
    const people = events.filter((e) => e.user?.type === 'HumanUser').map((e) => e.id);
    expect(people).toEqual([human1, last]);

    if (ignored) {
      expect(ids(site, 'rec')).toEqual(people);
      expect(ids(site, 'writer')).toEqual([human1]);
    } else {
      expect(ids(site, 'rec')).toEqual(events.map((e) => e.id));
      expect(ids(site, 'writer')).toEqual([human1, ...by(PLUGIN_SCRIPT.name)]);
    }
    expect(own.every((id) => ids(site, 'rec').includes(id))).toBe(!ignored);
    expect(await d.stop()).toBe(0);
  });
});
