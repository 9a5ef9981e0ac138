// `shotgun-events explain` through the real CLI: which plugins and callbacks would get an
// event, and why (Matcher.explain's words), by id from the site or from a JSON file.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, PLUGIN_SCRIPT, type Site } from '../daemon/harness.js';
import { eventsAfter, shotId } from '../daemon/helpers.js';

let site: Site;
afterEach(async () => site?.close());

const S = `${JSON.stringify(PLUGIN_SCRIPT.name)}, ${JSON.stringify(PLUGIN_SCRIPT.key)}`;

const STATUS = `export function registerCallbacks(reg) {
  reg.registerCallback(${S}, function onStatus() {}, null, { matchEvents: { Shotgun_Shot_Change: ['sg_status_list'] } });
  reg.registerCallback(${S}, function onStarAndNote() {}, null, { matchEvents: { '*': ['sg_status_list'], Shotgun_Note_New: null } });
}
`;
// The original matched 'status' as a substring of sg_status_list; now names are exact.
const SUBSTRING = `export function registerCallbacks(reg) {
  reg.registerCallback(${S}, function onStatusish() {}, null, { matchEvents: { Shotgun_Shot_Change: 'status' } });
}
`;

describe('explain', () => {
  it('says, per plugin and callback, whether an event from the site would be delivered and why', async () => {
    site = await makeSite();
    site.writePlugin('status.mjs', STATUS);
    site.writePlugin('substring.mjs', SUBSTRING);
    const shot = await shotId(site);
    const before = site.sandbox.store.lastEventId;
    await site.sg.update('Shot', shot, { sg_status_list: 'omt' });
    const ev = (await eventsAfter(site, before)).find((e) => e.attribute_name === 'sg_status_list')!;

    const r = await site.cli(['explain', '--config', site.configPath, '--event', String(ev.id)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`event ${ev.id} Shotgun_Shot_Change (sg_status_list) on Shot ${shot}`);
    expect(r.stdout).toContain('plugin status: WOULD GET the event');
    expect(r.stdout).toMatch(
      /onStatus \(script plugins\): yes — key Shotgun_Shot_Change matches Shotgun_Shot_Change and lists attribute sg_status_list/,
    );
    expect(r.stdout).toMatch(/onStarAndNote \(script plugins\): yes — key \* matches Shotgun_Shot_Change/);
    expect(r.stdout).toContain('plugin substring: would not get the event');
    expect(r.stdout).toMatch(
      /onStatusish \(script plugins\): no — attribute sg_status_list is not listed by the matching keys \(Shotgun_Shot_Change: \[status\]\)/,
    );
    // The one-line verdict comes first.
    expect(r.stdout.split('\n')[0]).toBe(`1 plugin(s) of 2 would get event ${ev.id}`);
  });

  it("reads the event from a JSON file; '*' no longer hides the other keys", async () => {
    site = await makeSite();
    site.writePlugin('status.mjs', STATUS);
    const file = path.join(site.dir, 'event.json');
    writeFileSync(file, JSON.stringify({ id: 424242, event_type: 'Shotgun_Note_New', attribute_name: null, entity: { type: 'Note', id: 3 } }));
    const r = await site.cli(['explain', '--config', site.configPath, '--event', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('event 424242 Shotgun_Note_New on Note 3');
    expect(r.stdout).toMatch(/onStatus \(script plugins\): no — no key matches event type Shotgun_Note_New \(keys: Shotgun_Shot_Change\)/);
    expect(r.stdout).toMatch(/onStarAndNote \(script plugins\): yes — key Shotgun_Note_New matches Shotgun_Note_New and accepts any attribute/);
  });

  it('says when loop protection (ignore_own_events) would drop the event', async () => {
    site = await makeSite();
    site.writePlugin('status.mjs', STATUS);
    const file = path.join(site.dir, 'event.json');
    const own = {
      id: 7,
      event_type: 'Shotgun_Shot_Change',
      attribute_name: 'sg_status_list',
      user: { type: 'ApiUser', id: 9, name: PLUGIN_SCRIPT.name },
    };
    writeFileSync(file, JSON.stringify(own));

    let r = await site.cli(['explain', '--config', site.configPath, '--event', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("made by the daemon's own script plugins, but [daemon] ignore_own_events is off: delivered");
    expect(r.stdout).toContain('plugin status: WOULD GET the event');

    site.writeConfig({ daemon: { ignore_own_events: 'on' } });
    r = await site.cli(['explain', '--config', site.configPath, '--event', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("loop protection: made by the daemon's own script plugins and [daemon] ignore_own_events is on");
    expect(r.stdout).toContain('plugin status: would not get the event');
    expect(r.stdout).toContain('(but loop protection drops it)');
    expect(r.stdout).toContain('0 plugin(s) of 1 would get event 7');
  });

  it('exits non-zero on load problems and on a missing event', async () => {
    site = await makeSite();
    site.writePlugin('status.mjs', STATUS);
    site.writePlugin(
      'broken.mjs',
      `export function registerCallbacks(reg) { reg.registerCallback(${S}, () => {}, null, { matchEvents: { Shotgun_Shot_Change: [] } }); }\n`,
    );
    const file = path.join(site.dir, 'event.json');
    writeFileSync(file, JSON.stringify({ id: 1, event_type: 'Shotgun_Shot_Change', attribute_name: 'sg_status_list' }));
    let r = await site.cli(['explain', '--config', site.configPath, '--event', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/plugin broken .*LOAD ERROR .*empty list/);
    expect(r.stdout).toContain('plugin status: WOULD GET the event');

    r = await site.cli(['explain', '--config', site.configPath, '--event', '99999999']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no EventLogEntry 99999999');
  });
});
