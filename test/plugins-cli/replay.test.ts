// `shotgun-events replay` through the real CLI: one event through one plugin now, its log
// lines and outcomes printed, the state and cursors untouched (so it runs beside a daemon).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, PLUGIN_SCRIPT, type Site } from '../daemon/harness.js';
import { cursorsReach, eventsAfter, shotId } from '../daemon/helpers.js';

let site: Site;
afterEach(async () => site?.close());

const S = `${JSON.stringify(PLUGIN_SCRIPT.name)}, ${JSON.stringify(PLUGIN_SCRIPT.key)}`;
const PLUGIN = `export function registerCallbacks(reg) {
  reg.registerCallback(${S}, async function stamp(sg, event, args, ctx) {
    ctx.logger.info('replaying %d late=%s attempt=%d', event.id, ctx.late, ctx.attempt);
    await sg.update('Shot', event.entity.id, { description: 'stamped by ' + event.id });
  }, null, { matchEvents: { Shotgun_Shot_Change: ['sg_status_list'] } });
  reg.registerCallback(${S}, async function explode(sg, event, args, ctx) {
    ctx.logger.warning('about to fail on %d', event.id);
    throw new Error('kaboom ' + event.id);
  }, null, { matchEvents: { Custom_Explode: null }, stopOnError: false });
}
`;

async function statusEvent(s: Site): Promise<{ id: number; shot: number }> {
  const shot = await shotId(s);
  const before = s.sandbox.store.lastEventId;
  await s.sg.update('Shot', shot, { sg_status_list: 'omt' });
  const ev = (await eventsAfter(s, before)).find((e) => e.attribute_name === 'sg_status_list')!;
  return { id: ev.id, shot };
}

describe('replay', () => {
  it('runs the matching callbacks, prints their log lines and outcomes, and touches no state', async () => {
    site = await makeSite();
    site.writePlugin('stamper.mjs', PLUGIN);
    const { id, shot } = await statusEvent(site);
    const r = await site.cli(['replay', '--config', site.configPath, '--plugin', 'stamper', '--event', String(id)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`INFO:plugin.stamper.stamp [event ${id}]: replaying ${id} late=false attempt=1`);
    expect(r.stdout).toMatch(/callback stamp: matches/);
    expect(r.stdout).toMatch(/callback explode: skipped — no key matches/);
    expect(r.stdout).toMatch(/stamp: ok \(\d+ ms\)/);
    expect(r.stdout).toContain('done: every callback succeeded');
    const back = await site.sg.findOne<{ description: string }>('Shot', [['id', 'is', shot]], ['description']);
    expect(back?.description).toBe(`stamped by ${id}`);
    expect(existsSync(path.join(site.dir, 'state'))).toBe(false);
  });

  it('exits 1 when a callback fails; --force runs callbacks that do not match', async () => {
    site = await makeSite();
    site.writePlugin('stamper.mjs', PLUGIN);
    const { id } = await statusEvent(site);
    const r = await site.cli(['replay', '--config', site.configPath, '--plugin', 'stamper', '--event', String(id), '--force']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/callback explode: does not match, run anyway \(--force\)/);
    expect(r.stdout).toContain(`WARNING:plugin.stamper.explode [event ${id}]: about to fail on ${id}`);
    expect(r.stdout).toMatch(new RegExp(`explode: FAILED \\(\\d+ ms\\): Error: kaboom ${id}`));
    expect(r.stdout).toContain('1 failure(s)');

    const none = await site.cli(['replay', '--config', site.configPath, '--plugin', 'nope', '--event', String(id)]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no plugin 'nope'");
  });

  it('works while a daemon runs and leaves its cursor alone', async () => {
    // The plugin's writes make no events here, so the daemon's cursor stays put unless the replay moved it.
    site = await makeSite({ scripts: [{ ...PLUGIN_SCRIPT, generateEvents: false }] });
    site.writePlugin('stamper.mjs', PLUGIN);
    const d = site.run();
    await d.waitFor(/Pushing an event_type filter|Polling every event type/);
    const { id } = await statusEvent(site);
    // the daemon processes it (and holds the state lock); the replay runs it again
    const stateFile = path.join(site.dir, 'state', 'daemon.id.json');
    await cursorsReach(site, ['stamper'], id);
    const saved = readFileSync(stateFile, 'utf8');
    expect(existsSync(`${stateFile}.lock`)).toBe(true); // the daemon holds the state
    const r = await site.cli(['replay', '--config', site.configPath, '--plugin', 'stamper', '--event', String(id), '--late']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`replaying ${id} late=true attempt=1`);
    const after = JSON.parse(readFileSync(stateFile, 'utf8')) as { plugins: Record<string, { lastId: number }> };
    expect(after.plugins.stamper!.lastId).toBe((JSON.parse(saved) as { plugins: Record<string, { lastId: number }> }).plugins.stamper!.lastId);
    expect(after.plugins.stamper!.lastId).toBe(id);
    expect(await d.stop()).toBe(0);
  });
});
