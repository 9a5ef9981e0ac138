// Plugin files are watched while the daemon runs: an edit reloads the plugin keeping its
// cursor, a new file loads at the head, a deleted file unloads (its cursor stays in the
// state file), and a file re-added under the same name resumes from that saved cursor.
//
// Documented behaviour (as the original): a re-added plugin is NOT treated as new. Its
// saved cursor is used, so it receives the events written while its file was gone. Delete
// the plugin's entry (or use `cursor --to-latest`) to skip those instead.
import { unlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, until, type Site } from './harness.js';
import { cursorsReach, readState, shotId } from './helpers.js';

let site: Site;
afterEach(async () => site?.close());

/** Records {id, v} per event, so a test sees which version of the code ran. */
function versioned(recordsDir: string, name: string, v: number): string {
  const file = JSON.stringify(path.join(recordsDir, `${name}.jsonl`));
  return `import { appendFileSync } from 'node:fs';
export function registerCallbacks(reg) {
  reg.logger.info('version ${v} registered');
  reg.registerCallback('plugins', 'plugins-key', (sg, event) => {
    appendFileSync(${file}, JSON.stringify({ id: event.id, v: ${v} }) + '\\n');
  }, null, { matchEvents: { Shotgun_Shot_Change: ['sg_cut_in'] } });
}
`;
}

const recs = (s: Site, n: string) => s.records(n) as unknown as Array<{ id: number; v: number }>;

describe('plugin reload', () => {
  it('edit reloads keeping the cursor; add loads at the head; delete unloads keeping state; re-add resumes', async () => {
    site = await makeSite();
    site.writePlugin('rel.mjs', versioned(site.recordsDir, 'rel', 1));
    const d = site.run();
    await d.waitFor(/Polling every event type|Pushing an event_type filter/);
    const shot = await shotId(site);
    const write = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        await site.sg.update('Shot', shot, { sg_cut_in: Math.floor(Math.random() * 1e9) });
        out.push(site.sandbox.store.lastEventId);
      }
      return out;
    };

    const a = await write(3);
    await until(() => recs(site, 'rel').length === 3, 'v1 got 3 events');
    await cursorsReach(site, ['rel'], a[2]!);

    // Edit: reload, same cursor, new code for the next events, nothing replayed.
    site.writePlugin('rel.mjs', versioned(site.recordsDir, 'rel', 2));
    await d.waitFor(/INFO:engine:Reloading plugin at .*rel\.mjs/);
    await d.waitFor(/version 2 registered/);
    expect(readState(site)!.plugins.rel!.lastId).toBe(a[2]);
    const b = await write(3);
    await until(() => recs(site, 'rel').length >= 6, 'v2 got 3 events');

    // Add: a new file starts at the head and gets only later events.
    const head = site.sandbox.store.lastEventId;
    site.writePlugin('added.mjs', versioned(site.recordsDir, 'added', 1));
    await d.waitFor(new RegExp(`New plugin added: starting after event ${head}\\.`));
    await d.waitFor(/version 1 registered[\s\S]*version 1 registered/); // rel's first load, then added's
    const c = await write(2);
    await until(() => recs(site, 'added').length === 2 && recs(site, 'rel').length === 8, 'added and rel got 2 more');
    expect(recs(site, 'added').map((r) => r.id)).toEqual(c);

    // Delete: unloaded, its cursor stays in the state file.
    unlinkSync(path.join(site.pluginsDir, 'rel.mjs'));
    await d.waitFor(/Unloaded plugin rel \(its file was removed; its cursor is kept in the state\)/);
    const gone = await write(2);
    await until(() => recs(site, 'added').length === 4, 'added got the events written while rel was gone');
    await cursorsReach(site, ['added'], gone[1]!);
    expect(readState(site)!.plugins.rel!.lastId).toBe(c[1]);
    expect(recs(site, 'rel').length).toBe(8);

    // Re-add under the same name: resumes from the saved cursor (not the head), so the
    // events written while it was gone are delivered, once, by the new code.
    site.writePlugin('rel.mjs', versioned(site.recordsDir, 'rel', 3));
    await d.waitFor(/version 3 registered/);
    const e = await write(1);
    await until(() => recs(site, 'rel').length === 11, 'rel caught up after re-add');
    await cursorsReach(site, ['rel', 'added'], e[0]!);

    expect(recs(site, 'rel')).toEqual([
      ...a.map((id) => ({ id, v: 1 })),
      ...b.map((id) => ({ id, v: 2 })),
      ...c.map((id) => ({ id, v: 2 })),
      ...gone.map((id) => ({ id, v: 3 })),
      ...e.map((id) => ({ id, v: 3 })),
    ]);
    expect(recs(site, 'added').map((r) => r.id)).toEqual([...c, ...gone, ...e]);
    // Known to the state: announced as new only at the first start, not on re-add.
    expect(d.output().match(/New plugin rel: starting/g)).toHaveLength(1);
    expect(await d.stop()).toBe(0);
  });
});
