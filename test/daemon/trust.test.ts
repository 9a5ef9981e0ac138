// The real CLI in child processes, on what a studio must be able to trust: a config that
// names no usable site is an error (never demo mode), demo mode only without any config,
// the original's config search order and pidFile, SIGTERM honoured while the site cannot
// be reached (with the UI already up and saying why), `check` finding what `run` trips
// over, and `cursor --to-id` creating a fresh state.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Snapshot, Update } from '../../electron/contract.js';
import { WireClient } from '../headless/helpers.js';
import { recorderPlugin, spawnDaemon, until, type Site } from './harness.js';
import { CONCURRENT_TIMEOUT, cursorsReach, ids, NOOP_PLUGIN, readState, shotId, siteInSlot, Slots, statePath } from './helpers.js';

// The tests are independent (a site each): two at a time.
const slots = new Slots(2);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Exit code 1, nothing on stdout, exactly one line on stderr matching `re`. */
async function failsWithOneLine(s: Site, args: string[], re: RegExp) {
  const r = await s.cli(args);
  expect(r.code, `${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(re);
}

async function write(s: Site, n: number): Promise<number[]> {
  const shot = await shotId(s);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    await s.sg.update('Shot', shot, { sg_cut_in: Math.floor(Math.random() * 1e9) });
    out.push(s.sandbox.store.lastEventId);
  }
  return out;
}

describe.concurrent('a config without a usable site is an error, never demo mode', () => {
  const cases: Array<{ name: string; text: (s: Site) => string; message: (file: string) => string }> = [
    { name: 'an empty file', text: () => '', message: (f) => `config file ${f} is empty: it needs a [shotgun] section` },
    {
      name: 'a misspelled [shotgn]',
      text: (s) =>
        `[daemon]\neventIdFile = state/daemon.id\n[shotgn]\nserver = ${s.sandbox.url}\nname = daemon\nkey = daemon-key\n[plugins]\npaths = plugins\n`,
      message: (f) =>
        `config file ${f} has no [shotgun] section: it needs server, name and key; found [shotgn] (in ${f}:3): a misspelling of [shotgun]?`,
    },
    {
      name: 'an empty server',
      text: () => `[daemon]\neventIdFile = state/daemon.id\n[shotgun]\nserver =\nname = daemon\nkey = daemon-key\n[plugins]\npaths = plugins\n`,
      message: () =>
        `[shotgun] server: the site URL is required, e.g. https://mystudio.shotgrid.autodesk.com (an empty server does not mean demo mode`,
    },
  ];

  it.for(cases)(
    '$name: run and check exit 1 with one line, and no state is written',
    { timeout: CONCURRENT_TIMEOUT },
    async (c, { onTestFinished }) => {
      const site = await siteInSlot(slots, onTestFinished);
      site.writePlugin('ok.mjs', NOOP_PLUGIN);
      writeFileSync(site.configPath, c.text(site));
      const re = new RegExp(`^shotgun-events: ${escape(c.message(site.configPath))}`);
      await Promise.all(['run', 'check'].map((cmd) => failsWithOneLine(site, [cmd, '--config', site.configPath], re)));
      expect(existsSync(path.join(site.dir, 'state'))).toBe(false);
    },
  );

  it(
    'found by the search order (./shotgunEventDaemon.conf): check and run use it; without any config, run says it is a demo',
    { timeout: CONCURRENT_TIMEOUT },
    async ({ onTestFinished }) => {
      const site = await siteInSlot(slots, onTestFinished);
      site.writePlugin('ok.mjs', NOOP_PLUGIN);
      const conf = path.join(site.dir, 'shotgunEventDaemon.conf');
      writeFileSync(conf, readFileSync(site.configPath, 'utf8'));
      const env = { SHOTGUN_EVENTS_CONFIG: '' };
      const check = await site.cli(['check'], env);
      expect(check.stdout.split('\n')[0], check.stdout + check.stderr).toBe(`config ${conf}: ok`);
      expect(check.code, check.stdout).toBe(0);

      // No config anywhere (an empty folder, not the repository root, whose neighbours other
      // tests may change): demo mode, and it says why.
      const empty = path.join(site.dir, 'empty');
      mkdirSync(empty);
      const d = spawnDaemon(['run', '--quiet'], env, empty);
      try {
        await d.waitFor(
          /Demo mode: no config given or found \(looked at --config, \$SHOTGUN_EVENTS_CONFIG, \.\/shotgunEventDaemon\.conf, \/etc\/shotgunEventDaemon\.conf\); running on the built-in sandbox/,
          30_000,
        );
        expect(await d.stop()).toBe(0);
      } finally {
        d.proc.kill('SIGKILL');
      }
    },
  );
});

describe.concurrent('pidFile', () => {
  it('holds the daemon pid while it runs and is removed on stop', { timeout: CONCURRENT_TIMEOUT }, async ({ onTestFinished }) => {
    const site = await siteInSlot(slots, onTestFinished);
    site.writePlugin('ok.mjs', NOOP_PLUGIN);
    site.writeConfig({ daemon: { pidFile: 'run/daemon.pid' } });
    const pidFile = path.join(site.dir, 'run/daemon.pid');
    const d = site.run();
    await d.waitFor(/Polling every event type/);
    expect(readFileSync(pidFile, 'utf8')).toBe(`${d.proc.pid}\n`);
    expect(await d.stop()).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
  });
});

describe.concurrent('SIGTERM while the site cannot be reached at startup', () => {
  it('a refused connection: exits 0 on SIGTERM; the UI is up and shows why', { timeout: CONCURRENT_TIMEOUT }, async ({ onTestFinished }) => {
    const site = await siteInSlot(slots, onTestFinished);
    site.writePlugin('ok.mjs', NOOP_PLUGIN);
    site.writeConfig({ shotgun: { server: 'http://127.0.0.1:1' }, daemon: { conn_retry_sleep: 60 } });
    const d = site.run(['--ui', '127.0.0.1:0']);
    await d.waitFor(/UI: http:\/\/127\.0\.0\.1:\d+\/\n/);
    await d.waitFor(/Unable to connect to SG|Unable to read the latest event id/);
    const port = Number(/UI: http:\/\/127\.0\.0\.1:(\d+)\//.exec(d.output())![1]);
    const c = await WireClient.open(`ws://127.0.0.1:${port}/ws`);
    const errorOf = (m: { type: string; snapshot?: Snapshot; updates?: Update[] }): string | null => {
      if (m.type === 'snapshot') return m.snapshot!.engine.connectionError;
      for (const u of m.updates ?? []) if (u.kind === 'engine' && u.engine.connectionError) return u.engine.connectionError;
      return null;
    };
    const m = await c.waitFor((x) => !!errorOf(x as never), 'the connection error in the UI', 0, 30_000);
    expect(errorOf(m as never)).toMatch(/ECONNREFUSED|connect/i);
    expect(await d.stop()).toBe(0);
    await c.closed;
  });

  it(
    'a wrong key (the engine waits conn_retry_sleep between tries): exits 0 on SIGTERM',
    { timeout: CONCURRENT_TIMEOUT },
    async ({ onTestFinished }) => {
      const site = await siteInSlot(slots, onTestFinished);
      site.writePlugin('ok.mjs', NOOP_PLUGIN);
      site.writeConfig({ shotgun: { key: 'wrong-key' }, daemon: { conn_retry_sleep: 600 } });
      const d = site.run();
      await d.waitFor(/ERROR:engine:Unable to read the latest event id \(attempt 1\)/);
      expect(await d.stop()).toBe(0);
      expect(d.output()).toMatch(/SIGTERM: stopping/);
    },
  );
});

describe.concurrent('check finds what run trips over', () => {
  it(
    'a wrong engine key, a wrong plugin key, a state cursor past the site, a corrupt state: each named, exit 1',
    { timeout: CONCURRENT_TIMEOUT },
    async ({ onTestFinished }) => {
      const site = await siteInSlot(slots, onTestFinished);
      site.writePlugin('good.mjs', NOOP_PLUGIN);
      site.writePlugin('badkey.mjs', NOOP_PLUGIN.replace("'plugins-key'", "'not-the-key'"));
      mkdirSync(path.dirname(statePath(site)), { recursive: true });
      const head = site.sandbox.store.lastEventId;
      writeFileSync(statePath(site), JSON.stringify({ version: 1, plugins: { good: { lastId: head }, badkey: { lastId: 99_999_999 } } }));
      site.writeConfig({ shotgun: { key: 'wrong-key' } });

      let r = await site.cli(['check', '--config', site.configPath]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain(`site ${site.sandbox.url} as script daemon: ERROR `);
      expect(r.stdout).toMatch(/script plugins \(used by badkey\.callback\d*|script plugins \(used by badkey\./);
      expect(r.stdout).toMatch(/\nscript plugins \(used by badkey\.[^)]*\): ERROR /);
      expect(r.stdout).toMatch(/\nscript plugins \(used by good\.[^)]*\): ok\n/);
      // The engine could not read the head: cursors are not compared.
      expect(r.stdout).toContain('cursors not compared (the site could not be read)');
      expect(r.stdout).toMatch(/\n2 problem\(s\) found\n$/);

      site.writeConfig();
      r = await site.cli(['check', '--config', site.configPath]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`site ${site.sandbox.url} as script daemon: ok (newest event ${head})`);
      expect(r.stdout).toContain(
        `state ${statePath(site)}: ERROR plugin badkey: cursor 99999999 is past the site's newest event ${head} (another site, or a restored backup?); ` +
          `fix with: shotgun-events cursor --config ${site.configPath} --plugin NAME --to-latest (or --to-id N)`,
      );
      expect(r.stdout).toMatch(/\n2 problem\(s\) found\n$/);

      for (const [text, why] of [
        ['', 'is empty'],
        ['{"version": 1, "plugins": {', 'is not valid JSON'],
      ] as const) {
        writeFileSync(statePath(site), text);
        r = await site.cli(['check', '--config', site.configPath]);
        expect(r.code).toBe(1);
        expect(r.stdout).toContain(`state ${statePath(site)}: ERROR state file ${statePath(site)} ${why}`);
      }
      rmSync(statePath(site));
      site.writePlugin('badkey.mjs', NOOP_PLUGIN);
      r = await site.cli(['check', '--config', site.configPath]);
      expect(r.stdout).toMatch(/\nall good\n$/);
      expect(r.code).toBe(0);
    },
  );
});

describe.concurrent('cursor on a fresh state', () => {
  it(
    '--to-id N creates the state with that cursor for every plugin found; the daemon resumes right after it',
    { timeout: CONCURRENT_TIMEOUT },
    async ({ onTestFinished }) => {
      const site = await siteInSlot(slots, onTestFinished);
      for (const n of ['a', 'b']) site.writePlugin(`${n}.mjs`, recorderPlugin(site.recordsDir, n));
      const e = await write(site, 4);
      const r = await site.cli(['cursor', '--config', site.configPath, '--to-id', String(e[1])]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`a: new, starts after ${e[1]}\nb: new, starts after ${e[1]}\n`);
      expect(r.code).toBe(0);
      const s = readState(site)!;
      expect([s.plugins.a!.lastId, s.plugins.b!.lastId]).toEqual([e[1], e[1]]);

      const d = site.run();
      await cursorsReach(site, ['a', 'b'], e[3]!);
      await until(() => ids(site, 'a').length >= 2 && ids(site, 'b').length >= 2, 'records');
      expect(await d.stop()).toBe(0);
      expect(ids(site, 'a')).toEqual([e[2], e[3]]);
      expect(ids(site, 'b')).toEqual([e[2], e[3]]);
    },
  );
});
