// Bad configuration and state through the real CLI: `run` and `check` exit non-zero with
// ONE clear line that names the file and the key; unknown keys are only warnings; an empty
// or corrupt state file is an error naming its path (never a silent reset); a second
// daemon on the same state is refused.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, recorderPlugin, type Site } from './harness.js';
import { NOOP_PLUGIN, statePath } from './helpers.js';

let site: Site;
afterEach(async () => site?.close());

/** `file:line` of the first line starting with `key` in the config. */
function where(file: string, key: string): string {
  const n = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.startsWith(`${key} `));
  if (n < 0) throw new Error(`${key} not in ${file}`);
  return `${file}:${n + 1}`;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Exit code 1, nothing on stdout, exactly one line on stderr matching `re`. */
async function failsWithOneLine(s: Site, args: string[], re: RegExp, env: NodeJS.ProcessEnv = {}) {
  const r = await s.cli(args, env);
  expect(r.code, `${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(re);
}

describe('bad config', () => {
  it('a missing config file: run and check name the file', async () => {
    site = await makeSite();
    const missing = path.join(site.dir, 'nope.conf');
    const re = new RegExp(`^shotgun-events: cannot read config file ${escape(missing)}: no such file$`);
    await Promise.all(['run', 'check'].map((cmd) => failsWithOneLine(site, [cmd, '--config', missing], re)));
  });

  it('a bad SHOTGUN_EVENTS_TREND_STEP_MS: run exits 1 with one line naming the variable and the value', async () => {
    site = await makeSite();
    site.writePlugin('ok.mjs', NOOP_PLUGIN);
    const re = /^shotgun-events: SHOTGUN_EVENTS_TREND_STEP_MS must be a whole number of milliseconds, at least 100; got '5s'$/;
    await failsWithOneLine(site, ['run', '--config', site.configPath], re, { SHOTGUN_EVENTS_TREND_STEP_MS: '5s' });
  });

  const bad: Array<{ name: string; extra: Record<string, Record<string, string | number>>; key: string; message: (where: string) => string }> = [
    {
      name: 'fetch_interval = fast',
      extra: { daemon: { fetch_interval: 'fast' } },
      key: 'fetch_interval',
      message: (w) => `[daemon] fetch_interval: expected a number of seconds, got 'fast' (in ${w})`,
    },
    {
      name: 'max_event_batch_size = 9000',
      extra: { daemon: { max_event_batch_size: 9000 } },
      key: 'max_event_batch_size',
      message: (w) => `[daemon] max_event_batch_size: expected a whole number from 1 to 5000, got '9000' (in ${w})`,
    },
    {
      name: 'an unset ${VAR}',
      extra: { shotgun: { key: '${SGE_TEST_UNSET_VAR}' } },
      key: 'key',
      message: (w) => `[shotgun] key: environment variable SGE_TEST_UNSET_VAR is not set (referenced as \${SGE_TEST_UNSET_VAR}) (in ${w})`,
    },
  ];

  it.each(bad)('$name: run and check exit 1 with one line naming the key and file:line', async (c) => {
    site = await makeSite();
    site.writePlugin('ok.mjs', NOOP_PLUGIN);
    site.writeConfig(c.extra);
    const re = new RegExp(`^shotgun-events: ${escape(c.message(where(site.configPath, c.key)))}$`);
    const env = { SGE_TEST_UNSET_VAR: undefined };
    await Promise.all(['run', 'check'].map((cmd) => failsWithOneLine(site, [cmd, '--config', site.configPath], re, env)));
  });

  it('an unknown key is a warning, not fatal: check passes, run starts and logs it', async () => {
    site = await makeSite();
    site.writePlugin('ok.mjs', NOOP_PLUGIN);
    site.writeConfig({ daemon: { fetch_intervall: 1 } });
    const warning = `unknown key [daemon] fetch_intervall (in ${where(site.configPath, 'fetch_intervall')}), ignored; did you mean fetch_interval?`;
    const check = await site.cli(['check', '--config', site.configPath]);
    expect(check.stdout).toContain(`  warning: ${warning}\n`);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const d = site.run();
    await d.waitFor(new RegExp(`WARNING:engine:config: ${escape(warning)}`));
    await d.waitFor(/Polling every event type/);
    expect(await d.stop()).toBe(0);
  });
});

describe('bad state', () => {
  it.each([
    { name: 'empty', text: '', why: 'is empty \\(a write cut short by a crash or a full disk\\?\\)' },
    { name: 'corrupt', text: '{"version": 1, "plugins": {"rec": {"lastId": 12', why: 'is not valid JSON \\(.*\\)' },
    { name: 'wrong shape', text: '{"version": 1, "plugins": {"rec": {"lastId": "twelve"}}}', why: 'has the wrong shape: plugins\\.rec\\.lastId: .*' },
  ])('an $name state file is a clear error with its path, and is left as it was', async (c) => {
    site = await makeSite();
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    const file = statePath(site);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, c.text);
    await failsWithOneLine(
      site,
      ['run', '--config', site.configPath],
      new RegExp(`^shotgun-events: state file ${escape(file)} ${c.why}\\. Nothing was reset\\.`),
    );
    await failsWithOneLine(
      site,
      ['cursor', '--config', site.configPath, '--show'],
      new RegExp(`^shotgun-events: state file ${escape(file)} ${c.why}\\.`),
    );
    expect(readFileSync(file, 'utf8')).toBe(c.text);
  });

  it('a second daemon on the same state is refused while the first runs on', async () => {
    site = await makeSite();
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    const first = site.run();
    await first.waitFor(/Polling every event type/);
    await failsWithOneLine(
      site,
      ['run', '--config', site.configPath],
      new RegExp(`^shotgun-events: state ${escape(statePath(site))} is in use by a running daemon \\(pid ${first.proc.pid}\\); stop it first$`),
    );
    expect(first.proc.exitCode).toBeNull();
    expect(await first.stop()).toBe(0);
  });
});
