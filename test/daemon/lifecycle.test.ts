// The daemon process: SIGINT/SIGTERM stop it cleanly (exit 0, state saved), a callback
// still running after the grace period is abandoned (and runs again next start), and
// SHOTGUN_EVENTS_CONFIG names the config when --config is not given.
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, readState, recorderPlugin, spawnDaemon, until, type Site } from './harness.js';
import { shotId, writeCut } from './helpers.js';

let site: Site;
afterEach(async () => site?.close());

describe('graceful stop', () => {
  it('SIGINT and SIGTERM exit 0 with the state saved at once', async () => {
    site = await makeSite();
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    const shot = await shotId(site);
    const ids: number[] = [];
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const d = site.run();
      await d.waitFor(/Polling every event type/);
      const id = await writeCut(site, shot, ids.length);
      ids.push(id);
      await until(() => site.records('rec').length === ids.length, `event ${id}`);
      // Signalled right after the callback: the saved cursor cannot come from the
      // periodic flush alone.
      const t = Date.now();
      expect(await d.stop(signal)).toBe(0);
      expect(Date.now() - t).toBeLessThan(5000);
      expect(d.output()).toMatch(new RegExp(`${signal}: stopping`));
      expect(d.output()).toMatch(/Stopped; state saved/);
      expect(readState(site)!.plugins.rec!.lastId).toBe(id);
      expect(existsSync(path.join(site.dir, 'state', 'daemon.id.json.lock'))).toBe(false);
    }
    expect(site.records('rec').map((r) => r.id)).toEqual(ids);
  });

  it('a callback still running after --grace is abandoned; the process exits 0 promptly and the event runs again next start', async () => {
    site = await makeSite();
    const flag = path.join(site.dir, 'hang.flag');
    writeFileSync(flag, '');
    const hangIf = `event.meta && event.meta.new_value === 999 && existsSync(${JSON.stringify(flag)})`;
    // Each plugin notes here when it enters its hanging callback.
    const inside = path.join(site.dir, 'inside-hang');
    const enter = (name: string) => `appendFileSync(${JSON.stringify(inside)}, '${name}\\n');`;
    // One plugin blocks its thread (busy loop); the other awaits forever-ish, and has
    // stopOnError=false: an abandoned event must not land in its failed list and be passed.
    site.writePlugin(
      'spin.mjs',
      recorderPlugin(site.recordsDir, 'spin', {
        header: `import { existsSync } from 'node:fs';`,
        body: `if (${hangIf}) { ${enter('spin')} const end = Date.now() + 60000; while (Date.now() < end) {} }`,
      }),
    );
    site.writePlugin(
      'wait.mjs',
      recorderPlugin(site.recordsDir, 'wait', {
        stopOnError: false,
        header: `import { existsSync } from 'node:fs';`,
        body: `if (${hangIf}) { ${enter('wait')} await new Promise((r) => setTimeout(r, 60000)); }`,
      }),
    );
    const shot = await shotId(site);
    let d = site.run(['--grace', '1']);
    await d.waitFor(/Polling every event type/);
    const e1 = await writeCut(site, shot, 1);
    const hang = await writeCut(site, shot, 999);
    await until(() => ['spin', 'wait'].every((n) => site.records(n).length === 1), 'the event before the hanging one');
    await until(
      () => existsSync(inside) && readFileSync(inside, 'utf8').split('\n').filter(Boolean).length === 2,
      'both inside their hanging callback',
    );
    const t = Date.now();
    expect(await d.stop('SIGTERM')).toBe(0);
    const took = Date.now() - t;
    console.log(`stop with two hung callbacks and --grace 1 took ${took} ms`);
    expect(took).toBeLessThan(5000); // grace 1 s + the host's 1 s abort grace + exit
    expect(d.output()).toMatch(/Grace period of 1000 ms over: abandoning in-flight callbacks/);
    for (const n of ['spin', 'wait']) expect(readState(site)!.plugins[n]).toMatchObject({ lastId: e1, failed: [] });

    // Next start: the abandoned event runs again (now it does not hang).
    unlinkSync(flag);
    d = site.run();
    await until(() => ['spin', 'wait'].every((n) => site.records(n).length === 2), 'the abandoned event after restart');
    expect(await d.stop()).toBe(0);
    for (const n of ['spin', 'wait']) {
      expect(site.records(n).map((r) => r.id)).toEqual([e1, hang]);
      expect(readState(site)!.plugins[n]).toMatchObject({ lastId: hang, failed: [] });
    }
  });
});

describe('SHOTGUN_EVENTS_CONFIG', () => {
  it('names the config for run and cursor when --config is absent', async () => {
    site = await makeSite();
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    const shot = await shotId(site);
    const env = { SHOTGUN_EVENTS_CONFIG: site.configPath };
    const d = spawnDaemon(['run'], env);
    try {
      await d.waitFor(/Polling every event type/);
      expect(d.output()).toContain(`site ${site.sandbox.url}`);
      expect(d.output()).toContain(path.join(site.dir, 'state', 'daemon.id.json'));
      expect(d.output()).not.toMatch(/Demo mode/);
      const id = await writeCut(site, shot, 1);
      await until(() => site.records('rec').length === 1, 'the event');
      expect(site.records('rec')[0]!.id).toBe(id);
      expect(await d.stop()).toBe(0);
      const shown = await site.cli(['cursor', '--show'], env);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(new RegExp(`^rec: cursor ${id} `, 'm'));
    } finally {
      if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
    }
  });
});
