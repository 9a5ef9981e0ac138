// Plugins that fail to load: a syntax error, no registerCallbacks, a bad matchEvents, a
// throw inside registerCallbacks, the Python original's argument order (matchEvents 4th). The daemon logs each error naming the file and runs the
// other plugins; `check` prints every plugin's callbacks and filters and exits 1 when any
// plugin fails to load, 0 when all load.
//
// Documented behaviour: a plugin that fails to load keeps its cursor where it was (nothing
// is skipped without a record); once its file is fixed it reloads and catches up from there.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, recorderPlugin, until, type Site } from './harness.js';
import { cursorsReach, ids, shotId } from './helpers.js';

let site: Site;
afterEach(async () => site?.close());

const BROKEN: Record<string, string> = {
  'syntax.mjs': `export function registerCallbacks(reg) {\n  reg.registerCallback('plugins', 'plugins-key', () => {}, null\n`,
  'noreg.mjs': `export const helper = 1;\n`,
  'badmatch.mjs': `export function registerCallbacks(reg) {
  reg.registerCallback('plugins', 'plugins-key', function onShot() {}, null, { matchEvents: { Shotgun_Shot_Change: 5 } });
}\n`,
  'throwreg.mjs': `export function registerCallbacks(reg) {\n  throw new Error('no settings for this site');\n}\n`,
  'origorder.mjs': `export function registerCallbacks(reg) {
  reg.registerCallback('plugins', 'plugins-key', function onTask() {}, { Shotgun_Task_Change: ['sg_status_list'] }, null);
}\n`,
};

const GOOD = `export function registerCallbacks(reg) {
  reg.registerCallback('plugins', 'plugins-key', function onShot() {}, null,
    { matchEvents: { Shotgun_Shot_Change: ['sg_cut_in', 'sg_cut_out'], Shotgun_Shot_New: null } });
  reg.registerCallback('plugins', 'plugins-key', function everything() {}, null, { stopOnError: false, timeoutMs: 5000 });
}
`;

/** The error each broken plugin gets, in `check` and in the daemon log. */
function errors(dir: string): Record<string, string> {
  const f = (n: string) => path.join(dir, n);
  return {
    syntax: `Could not load the plugin at ${f('syntax.mjs')}: SyntaxError: missing ) after argument list`,
    noreg: `Did not find a registerCallbacks function in plugin at ${f('noreg.mjs')} (its exports: helper). Export registerCallbacks(reg), or a default export object that has it.`,
    badmatch:
      `Error running registerCallbacks from plugin at ${f('badmatch.mjs')}: TypeError: Invalid matchEvents for callback onShot (registerCallback #1): ` +
      `matchEvents["Shotgun_Shot_Change"] must be null or '*' (any attribute), an attribute name, or a list of names, got number 5`,
    throwreg: `Error running registerCallbacks from plugin at ${f('throwreg.mjs')}: Error: no settings for this site`,
    origorder:
      `Error running registerCallbacks from plugin at ${f('origorder.mjs')}: TypeError: registerCallback #1 (onTask): the 4th argument looks like ` +
      `a matchEvents map ({"Shotgun_Task_Change":["sg_status_list"]}) but it is args, and no options.matchEvents is given, so the callback ` +
      `would receive every event. The order here is registerCallback(scriptName, scriptKey, callback, args, { matchEvents }) (the Python ` +
      `original had matchEvents 4th): write registerCallback(..., callback, null, { matchEvents: {"Shotgun_Task_Change":["sg_status_list"]} })`,
  };
}

describe('plugins that fail to load', () => {
  it('check prints callbacks and filters, names each broken file, exits 1; 0 once all load', async () => {
    site = await makeSite();
    site.writePlugin('good.mjs', GOOD);
    for (const [f, src] of Object.entries(BROKEN)) site.writePlugin(f, src);
    const r = await site.cli(['check', '--config', site.configPath]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const out = r.stdout;
    expect(out).toContain(
      `plugin good (${path.join(site.pluginsDir, 'good.mjs')}): 2 callback(s)\n` +
        `  - onShot as script plugins; stopOnError=true; timeout 300 s\n` +
        `    matches: Shotgun_Shot_Change: sg_cut_in, sg_cut_out; Shotgun_Shot_New: any attribute\n` +
        `  - everything as script plugins; stopOnError=false; timeout 5 s\n` +
        `    matches: every event\n`,
    );
    for (const [name, error] of Object.entries(errors(site.pluginsDir))) {
      expect(out).toContain(`plugin ${name} (${path.join(site.pluginsDir, `${name}.mjs`)}): ERROR ${error}\n`);
    }
    expect(out).toMatch(/\n5 problem\(s\) found\n$/);

    for (const f of Object.keys(BROKEN)) site.writePlugin(f, GOOD);
    const ok = await site.cli(['check', '--config', site.configPath]);
    expect(ok.stdout).toMatch(/\nall good\n$/);
    expect(ok.stdout).not.toContain('ERROR');
    expect(ok.code).toBe(0);
  });

  it('the daemon logs each load error naming the file and runs the other plugins; a fixed file loads and catches up', async () => {
    site = await makeSite();
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    for (const [f, src] of Object.entries(BROKEN)) site.writePlugin(f, src);
    const d = site.run();
    await d.waitFor(/Polling every event type/);
    for (const [name, error] of Object.entries(errors(site.pluginsDir))) {
      await d.waitFor(new RegExp(`CRITICAL:plugin\\.${name}:${error.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
    }
    const before = site.sandbox.store.lastEventId;
    const shot = await shotId(site);
    for (let i = 0; i < 3; i++) await site.sg.update('Shot', shot, { sg_cut_in: 300 + i });
    const first = [before + 1, before + 2, before + 3];
    await until(() => ids(site, 'rec').length === 3, 'rec got 3 events');
    expect(ids(site, 'rec')).toEqual(first);

    // Fix one: it reloads, and gets the events it could not take while broken, then new ones.
    site.writePlugin('syntax.mjs', recorderPlugin(site.recordsDir, 'syntax'));
    await d.waitFor(/Reloading plugin at .*syntax\.mjs/);
    await until(() => ids(site, 'syntax').length === 3, 'fixed plugin caught up');
    await site.sg.update('Shot', shot, { sg_cut_in: 400 });
    await cursorsReach(site, ['rec', 'syntax'], before + 4);
    expect(ids(site, 'syntax')).toEqual([...first, before + 4]);
    expect(ids(site, 'rec')).toEqual([...first, before + 4]);
    expect(d.proc.exitCode).toBeNull();
    expect(await d.stop()).toBe(0);
  });
});
