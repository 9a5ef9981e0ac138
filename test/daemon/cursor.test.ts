// The offline `cursor` command: --show, --to-id, --shift, --to-latest, --to-time, with and
// without --plugin. It refuses while a daemon holds the state, and the daemon restarted
// afterwards delivers from the new cursor: a rewind replays exactly the events after it,
// --to-latest skips what was pending.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recorderPlugin, until, type Site } from './harness.js';
import { CONCURRENT_TIMEOUT, cursorsReach, ids, readState, shotId, siteInSlot, Slots, statePath } from './helpers.js';

// The tests are independent (a site each): two at a time.
const slots = new Slots(2);

/** Runs the daemon until both plugins' cursors reach `upTo` and they hold `count` records each, then stops it. */
async function runUntil(s: Site, upTo: number, counts: Record<string, number>): Promise<void> {
  const d = s.run();
  await cursorsReach(s, Object.keys(counts), upTo);
  await until(() => Object.entries(counts).every(([n, c]) => ids(s, n).length >= c), `records ${JSON.stringify(counts)}`);
  expect(await d.stop()).toBe(0);
}

async function cursor(s: Site, ...args: string[]): Promise<string> {
  const r = await s.cli(['cursor', '--config', s.configPath, ...args]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout;
}

async function setup(s: Site): Promise<{ shot: number; write: (n: number) => Promise<number[]> }> {
  for (const n of ['a', 'b']) s.writePlugin(`${n}.mjs`, recorderPlugin(s.recordsDir, n));
  const shot = await shotId(s);
  const write = async (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      await s.sg.update('Shot', shot, { sg_cut_in: Math.floor(Math.random() * 1e9) });
      out.push(s.sandbox.store.lastEventId);
    }
    return out;
  };
  return { shot, write };
}

describe.concurrent('cursor command', () => {
  it(
    'refuses while a daemon runs; --show; --to-id with --plugin and --shift for all replay exactly the events after',
    { timeout: CONCURRENT_TIMEOUT },
    async ({ onTestFinished }) => {
      const site = await siteInSlot(slots, onTestFinished);
      const { write } = await setup(site);
      const d = site.run();
      await d.waitFor(/Polling every event type/);
      const e = await write(6);
      await cursorsReach(site, ['a', 'b'], e[5]!);

      const refused = await site.cli(['cursor', '--config', site.configPath, '--plugin', 'a', '--to-id', String(e[1])]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe(`shotgun-events: state ${statePath(site)} is in use by a running daemon (pid ${d.proc.pid}); stop it first\n`);
      expect(await d.stop()).toBe(0);
      expect(readState(site)!.plugins.a!.lastId).toBe(e[5]);

      const show = await cursor(site, '--show');
      expect(show).toBe(
        `state ${statePath(site)} (newest event seen ${e[5]})\n` +
          `a: cursor ${e[5]} (enabled); 0 failed event(s)\n` +
          `b: cursor ${e[5]} (enabled); 0 failed event(s)\n`,
      );

      const unknown = await site.cli(['cursor', '--config', site.configPath, '--plugin', 'nope', '--shift', '-1']);
      expect([unknown.code, unknown.stderr]).toEqual([1, `shotgun-events: no plugin 'nope' in ${statePath(site)} (known: a, b)\n`]);

      // --to-id with --plugin: only a moves; a replays exactly e[2..5], b nothing.
      expect(await cursor(site, '--plugin', 'a', '--to-id', String(e[1]))).toBe(`a: ${e[5]} -> ${e[1]}\n`);
      expect(await cursor(site, '--plugin', 'a', '--show')).toBe(
        `state ${statePath(site)} (newest event seen ${e[5]})\na: cursor ${e[1]} (enabled); 0 failed event(s)\n`,
      );
      await runUntil(site, e[5]!, { a: 10, b: 6 });
      expect(ids(site, 'a')).toEqual([...e, ...e.slice(2)]);
      expect(ids(site, 'b')).toEqual(e);

      // --shift -2 without --plugin: both replay the last two.
      expect(await cursor(site, '--shift', '-2')).toBe(`a: ${e[5]} -> ${e[3]}\nb: ${e[5]} -> ${e[3]}\n`);
      await runUntil(site, e[5]!, { a: 12, b: 8 });
      expect(ids(site, 'a')).toEqual([...e, ...e.slice(2), ...e.slice(4)]);
      expect(ids(site, 'b')).toEqual([...e, ...e.slice(4)]);

      // Every move is in the audit log.
      const audit = readFileSync(`${statePath(site)}.audit.jsonl`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { plugin: string; action: string; before: number; after: number; source: string });
      expect(audit.map((x) => [x.plugin, x.action, x.before, x.after, x.source])).toEqual([
        ['a', `set to event id ${e[1]}`, e[5], e[1], 'cli'],
        ['a', 'shift by -2', e[5], e[3], 'cli'],
        ['b', 'shift by -2', e[5], e[3], 'cli'],
      ]);
    },
  );

  it(
    '--to-latest with --plugin skips what is pending; --to-time replays from that time, with and without --plugin',
    { timeout: CONCURRENT_TIMEOUT },
    async ({ onTestFinished }) => {
      let offset = 0;
      const site = await siteInSlot(slots, onTestFinished, { clock: () => Date.now() + offset });
      const { write } = await setup(site);
      await runUntil(site, site.sandbox.store.lastEventId, { a: 0, b: 0 });
      expect(existsSync(statePath(site))).toBe(true);

      // Written while the daemon is down, in three groups 10 s apart by the site's clock
      // (created_at has whole seconds), with times between the groups for --to-time.
      const down = await write(3);
      const beforeG1 = new Date(site.sandbox.store.now() + 5_000).toISOString();
      offset = 10_000;
      const g1 = await write(2);
      const between = new Date(site.sandbox.store.now() + 5_000).toISOString();
      offset = 20_000;
      const g2 = await write(2);

      // --to-latest with --plugin: a skips all of it, b gets it.
      expect(await cursor(site, '--plugin', 'a', '--to-latest')).toBe(`a: ${down[0]! - 1} -> ${g2[1]}\n`);
      await runUntil(site, g2[1]!, { a: 0, b: 7 });
      expect(ids(site, 'a')).toEqual([]);
      expect(ids(site, 'b')).toEqual([...down, ...g1, ...g2]);

      // --to-time with --plugin: b runs again what was created at or after that time (g2).
      expect(await cursor(site, '--plugin', 'b', '--to-time', between)).toBe(`b: ${g2[1]} -> ${g1[1]}\n`);
      await runUntil(site, g2[1]!, { a: 0, b: 9 });
      expect(ids(site, 'a')).toEqual([]);
      expect(ids(site, 'b')).toEqual([...down, ...g1, ...g2, ...g2]);

      // --to-time without --plugin: both run g1 and g2 (again).
      expect(await cursor(site, '--to-time', beforeG1)).toBe(`a: ${g2[1]} -> ${down[2]}\nb: ${g2[1]} -> ${down[2]}\n`);
      await runUntil(site, g2[1]!, { a: 4, b: 13 });
      expect(ids(site, 'a')).toEqual([...g1, ...g2]);
      expect(ids(site, 'b')).toEqual([...down, ...g1, ...g2, ...g2, ...g1, ...g2]);
    },
  );
});

describe.concurrent('cursor command: targets past the newest event', () => {
  it('refuses --shift and --to-id past the newest event seen, moving no plugin', { timeout: CONCURRENT_TIMEOUT }, async ({ onTestFinished }) => {
    const site = await siteInSlot(slots, onTestFinished);
    const { write } = await setup(site);
    const d = site.run();
    await d.waitFor(/Polling every event type/);
    const e = await write(2);
    await cursorsReach(site, ['a', 'b'], e[1]!);
    expect(await d.stop()).toBe(0);
    const head = readState(site)!.headId!;
    for (const args of [
      ['--shift', '1000'],
      ['--plugin', 'b', '--to-id', String(head + 1)],
    ]) {
      const r = await site.cli(['cursor', '--config', site.configPath, ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`is past the newest event seen \\(${head}\\); use --to-latest`));
    }
    const s = readState(site)!;
    expect([s.plugins.a!.lastId, s.plugins.b!.lastId]).toEqual([e[1], e[1]]);
    expect(existsSync(`${statePath(site)}.audit.jsonl`)).toBe(false);
  });
});
