// Bad configs (and bad state beside them): each kind through `check` and through `run`.
// Per kind: what each command said, whether `check` passed it anyway, whether `run` fell
// back to demo mode or ran on regardless, and whether SIGTERM was honoured
// (docs/reliability.md: a bad config is one clear message naming the problem).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ENGINE_SCRIPT, makeSite, recorderPlugin, spawnDaemon, type Site } from '../daemon/harness.js';
import { alive, pool, problems, sees, short, type Options, type Section } from './common.js';

type Sections = Record<string, Record<string, string | number | null> | null>;

export interface BadConfig {
  kind: string;
  /** Changes to the harness config: a null section or key is removed. */
  patch?: Sections;
  /** The whole file instead. */
  raw?: string;
  /** What a message about it must contain (the key, section, file or value at fault). */
  names: RegExp;
  /** refuse: `check` and `run` both fail; say: `run` may keep running but says so (and `check` fails). */
  expect: 'refuse' | 'say';
  /** Only `check` can know (it authenticates every callback's script); `run` learns at first use. */
  checkOnly?: boolean;
  /** Not a fault `check` should refuse: `run` recovers from it and says so (a stale lock). */
  checkMayPass?: boolean;
  setup?: (site: Site) => void | (() => void);
  /** Extra arguments instead of `--config <file>`. */
  args?: (site: Site) => string[];
}

const stateFile = (s: Site) => path.join(s.dir, 'state', 'daemon.id.json');
const writeState = (s: Site, text: string) => {
  mkdirSync(path.dirname(stateFile(s)), { recursive: true });
  writeFileSync(stateFile(s), text);
};

export const BAD_CONFIGS: BadConfig[] = [
  { kind: 'empty file', raw: '', names: /empty|\[shotgun\]/i, expect: 'refuse' },
  { kind: 'missing [shotgun] section', patch: { shotgun: null }, names: /\[shotgun\]/, expect: 'refuse' },
  {
    kind: 'misspelled [shotgn] section',
    patch: { shotgun: null, shotgn: { server: '${SERVER}', name: ENGINE_SCRIPT.name, key: ENGINE_SCRIPT.key } },
    names: /shotgn/,
    expect: 'refuse',
  },
  { kind: 'empty server', patch: { shotgun: { server: '' } }, names: /server/, expect: 'refuse' },
  { kind: 'server is not a URL', patch: { shotgun: { server: 'not a url' } }, names: /server|not a url/, expect: 'refuse' },
  {
    kind: 'server unreachable (127.0.0.1:1)',
    patch: { shotgun: { server: 'http://127.0.0.1:1' } },
    names: /127\.0\.0\.1:1|ECONNREFUSED|refused/i,
    expect: 'say',
  },
  { kind: 'wrong script key', patch: { shotgun: { key: 'not-the-key' } }, names: /authenticate|key/i, expect: 'say' },
  { kind: 'wrong script name', patch: { shotgun: { name: 'nobody' } }, names: /nobody|authenticate/i, expect: 'say' },
  {
    kind: 'plugin uses a wrong script key',
    patch: {},
    names: /wrong_key_plugin|authenticate/i,
    expect: 'say',
    checkOnly: true,
    setup: (s) =>
      void s.writePlugin(
        'wrong_key_plugin.mjs',
        "export function registerCallbacks(reg) {\n  reg.registerCallback('plugins', 'bad-key', () => {}, null, {});\n}\n",
      ),
  },
  { kind: 'fetch_interval not a number', patch: { daemon: { fetch_interval: 'soon' } }, names: /fetch_interval/, expect: 'refuse' },
  { kind: 'fetch_interval negative', patch: { daemon: { fetch_interval: -1 } }, names: /fetch_interval/, expect: 'refuse' },
  { kind: 'max_event_batch_size 6000 (> 5000)', patch: { daemon: { max_event_batch_size: 6000 } }, names: /max_event_batch_size/, expect: 'refuse' },
  { kind: 'max_event_batch_size 0', patch: { daemon: { max_event_batch_size: 0 } }, names: /max_event_batch_size/, expect: 'refuse' },
  { kind: 'unknown plugin path', patch: { plugins: { paths: 'no-such-folder' } }, names: /no-such-folder/, expect: 'say' },
  { kind: 'empty plugin paths', patch: { plugins: { paths: '' } }, names: /paths|no plugins/i, expect: 'say' },
  { kind: 'logging level unknown', patch: { daemon: { logging: 'LOUD' } }, names: /logging|LOUD/, expect: 'refuse' },
  { kind: 'unset ${VARIABLE}', patch: { shotgun: { key: '${TORTURE_UNSET_VARIABLE}' } }, names: /TORTURE_UNSET_VARIABLE/, expect: 'refuse' },
  { kind: 'conn_retry_sleep not a number', patch: { daemon: { conn_retry_sleep: 'x' } }, names: /conn_retry_sleep/, expect: 'refuse' },
  { kind: 'backlog_timeout negative', patch: { daemon: { backlog_timeout: -5 } }, names: /backlog_timeout/, expect: 'refuse' },
  { kind: 'api_version unknown', patch: { shotgun: { api_version: 'v9' } }, names: /api_version|v9/, expect: 'refuse' },
  { kind: '[shotgun] timeout not a number', patch: { shotgun: { timeout: 'long' } }, names: /timeout/, expect: 'refuse' },
  { kind: 'config file missing', args: (s) => ['--config', path.join(s.dir, 'missing.conf')], names: /missing\.conf/, expect: 'refuse' },
  {
    kind: 'state path is a folder (unreadable)',
    patch: {},
    names: /daemon\.id\.json|state/i,
    expect: 'refuse',
    setup: (s) => void mkdirSync(stateFile(s), { recursive: true }),
  },
  {
    kind: 'corrupt state file',
    patch: {},
    names: /daemon\.id\.json|state/i,
    expect: 'refuse',
    setup: (s) => writeState(s, '{"plugins": {"healthy": {"lastId": 12,'),
  },
  { kind: 'empty state file', patch: {}, names: /daemon\.id\.json|state/i, expect: 'refuse', setup: (s) => writeState(s, '') },
  {
    kind: 'state ahead of the site (lastId 99,999,999)',
    patch: {},
    names: /99999999|99,999,999|to-latest|ahead/i,
    expect: 'say',
    setup: (s) =>
      writeState(
        s,
        JSON.stringify({
          version: 1,
          plugins: { healthy: { lastId: 99_999_999, gaps: [], enabled: true, paused: false, failed: [] } },
          headId: 99_999_999,
        }),
      ),
  },
  {
    kind: 'stale lock held by an unrelated live pid',
    patch: {},
    names: /lock/i,
    expect: 'say',
    checkMayPass: true,
    setup: (s) => {
      // A live process that is not a daemon owns the pid written in the lock.
      const other: ChildProcess = spawn('sleep', ['120'], { stdio: 'ignore' });
      mkdirSync(path.dirname(stateFile(s)), { recursive: true });
      writeFileSync(`${stateFile(s)}.lock`, String(other.pid));
      return () => other.kill('SIGKILL');
    },
  },
];

export interface BadConfigResult {
  kind: string;
  check: string;
  checkExit: number | null;
  run: string;
  message: string;
  named: boolean;
  failures: string[];
}

export async function badConfigs(o: Options): Promise<Section & { results: BadConfigResult[] }> {
  const results = await pool(BAD_CONFIGS, 4, async (c) => {
    const r = await oneConfig(c);
    o.log(`bad config ${c.kind}: check ${r.checkExit}; run ${r.run}; ${r.message}`);
    return r;
  });
  return {
    title: `Bad configs (${results.length} kinds)`,
    headers: ['kind', '`check`', '`run`', 'message', 'broken promises'],
    rows: results.map((r) => [r.kind, r.check, r.run, r.message, r.failures.join('; ') || '—']),
    failures: results.flatMap((r) => r.failures.map((f) => `${r.kind}: ${f}`)),
    summary: `${results.length} kinds; check refused ${results.filter((r) => r.checkExit !== 0).length}; named ${results.filter((r) => r.named).length}`,
    results,
  };
}

function configText(site: Site, patch: Sections): string {
  const sections: Sections = {
    daemon: {
      eventIdFile: 'state/daemon.id',
      logPath: 'logs',
      logFile: 'daemon.log',
      logging: 20,
      fetch_interval: 0.2,
      conn_retry_sleep: 1,
      max_conn_retries: 3,
    },
    shotgun: { server: site.sandbox.url, name: ENGINE_SCRIPT.name, key: ENGINE_SCRIPT.key, use_session_uuid: 'False' },
    plugins: { paths: 'plugins' },
  };
  for (const [name, keys] of Object.entries(patch)) {
    if (keys === null) delete sections[name];
    else sections[name] = { ...(sections[name] ?? {}), ...keys };
  }
  return Object.entries(sections)
    .map(([name, keys]) => {
      const lines = Object.entries(keys!)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => `${k} = ${String(v).replace('${SERVER}', site.sandbox.url)}`);
      return `[${name}]\n${lines.join('\n')}\n`;
    })
    .join('\n');
}

const DEMO = /Demo mode|demo sandbox/;

async function oneConfig(c: BadConfig): Promise<BadConfigResult> {
  const site = await makeSite();
  let cleanup: void | (() => void) = undefined;
  try {
    site.writePlugin('healthy.mjs', recorderPlugin(site.recordsDir, 'healthy'));
    if (c.raw !== undefined) writeFileSync(site.configPath, c.raw);
    else writeFileSync(site.configPath, configText(site, c.patch ?? {}));
    cleanup = c.setup?.(site);
    const args = c.args?.(site) ?? ['--config', site.configPath];
    const stateBefore = existsSync(stateFile(site));
    const failures: string[] = [];

    const chk = await site.cli(['check', ...args]);
    const checkOut = `${chk.stdout}\n${chk.stderr}`;
    const checkLine = checkOut.split('\n').find((l) => c.names.test(l)) ?? problems(checkOut)[0] ?? checkOut.trim().split('\n').pop();
    if (chk.code === 0 && !c.checkMayPass) failures.push('`check` passed it');

    // `run`: until it exits, or says something naming the problem, 20 s at most.
    const d = spawnDaemon(['run', ...args], {});
    let said = await sees(d, c.names, 20_000);
    // Not said yet: wait for it to be up (a demo sandbox takes a while to seed), then look again.
    if (!said && alive(d))
      said = (await sees(d, /Polling every event type|Pushing an event_type filter|Demo mode/, 60_000)) && c.names.test(d.output());
    // A refusal ends in an exit: wait for it (a daemon that runs on is caught below). A kind
    // `run` may live with has no exit to wait for: 2 s show it neither exits nor falls back to demo.
    if (said && alive(d)) await Promise.race([d.exited, new Promise((r) => setTimeout(r, c.expect === 'refuse' ? 20_000 : 2000))]);
    const selfExit = !alive(d);
    let run: string;
    if (selfExit) {
      const e = await d.exited;
      run = `exited ${e.signal ?? e.code}`;
      if (e.code === 0) failures.push('`run` exited 0');
    } else {
      const mode = DEMO.test(d.output()) ? 'ran in DEMO mode' : 'kept running';
      const t0 = Date.now();
      d.proc.kill('SIGTERM');
      const killer = setTimeout(() => alive(d) && d.proc.kill('SIGKILL'), 30_000);
      const e = await d.exited;
      clearTimeout(killer);
      run = `${mode}; SIGTERM → ${e.signal ?? e.code} in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
      if (e.signal === 'SIGKILL') failures.push('SIGTERM ignored for 30 s');
      if (mode !== 'kept running') failures.push('fell back to demo mode');
      else if (c.expect === 'refuse') failures.push('`run` ran on it');
    }
    if (DEMO.test(d.output()) && !stateBefore && existsSync(stateFile(site))) failures.push('demo mode wrote the configured state file');
    const exitedBadly = selfExit && d.proc.exitCode !== 0;
    const runLines = d.output().split('\n');
    const loud = (l: string) => /\b(WARNING|ERROR|CRITICAL)\b/.test(l) || exitedBadly;
    const runLine = runLines.find((l) => c.names.test(l) && loud(l)) ?? problems(d.output())[0];
    const runNamed = runLines.some((l) => c.names.test(l) && loud(l));
    const checkNamed = chk.code !== 0 && c.names.test(checkOut);
    const named = checkNamed || runNamed;
    if (!named) failures.push('no message naming it');
    else if (c.expect === 'say' && !c.checkOnly && !runNamed) failures.push('`run` said nothing naming it');
    return {
      kind: c.kind,
      check: `exit ${chk.code}: ${short(checkLine, 110)}`,
      checkExit: chk.code,
      run,
      message: short(runLine, 140),
      named,
      failures,
    };
  } finally {
    if (typeof cleanup === 'function') cleanup();
    rmSync(path.join(site.dir, 'state'), { recursive: true, force: true });
    await site.close();
  }
}
