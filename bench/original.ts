// The original Python daemon (../shared/peer, unchanged) set up like ours: its own
// shotgunEventDaemon.conf, a pickled cursor per plugin, run in the foreground.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, SCRIPTS, spawnProc, type Spawned } from './children.js';

const PEER = path.resolve(ROOT, '../shared/peer');
const DAEMON = path.join(PEER, 'shotgunEvents/src/shotgunEventDaemon.py');
const API = path.join(PEER, 'python-api');

/** Why the original cannot run here, or null when it can. */
export function originalMissing(): string | null {
  if (!existsSync(DAEMON)) return `${DAEMON} is missing`;
  const py = spawnSync('python3', ['-c', 'import shotgun_api3'], { env: { ...process.env, PYTHONPATH: API }, encoding: 'utf8' });
  if (py.error) return `python3 is not available (${py.error.message})`;
  if (py.status !== 0) return `python3 cannot import shotgun_api3 from ${API}: ${py.stderr.trim().split('\n').pop()}`;
  return null;
}

export interface OriginalSetup {
  dir: string;
  plugins: string;
}

export function originalDir(root: string, name: string, url: string, daemon: Record<string, string | number>): OriginalSetup {
  const dir = path.join(root, name);
  const plugins = path.join(dir, 'plugins');
  mkdirSync(plugins, { recursive: true });
  const conf = [
    '[daemon]',
    `pidFile: ${dir}/daemon.pid`,
    `eventIdFile: ${dir}/daemon.id`,
    'logMode: 0',
    `logPath: ${dir}`,
    'logFile: daemon.log',
    'logging: 20',
    'timing_log: off',
    'conn_retry_sleep = 60',
    'max_conn_retries = 5',
    ...Object.entries(daemon).map(([k, v]) => `${k} = ${v}`),
    '',
    '[shotgun]',
    `server: ${url}`,
    `name: ${SCRIPTS.daemon.name}`,
    `key: ${SCRIPTS.daemon.key}`,
    'proxy_server:',
    'use_session_uuid: True',
    '',
    '[plugins]',
    `paths: ${plugins}`,
    '',
    '[emails]',
    'enabled: False',
    '',
  ];
  writeFileSync(path.join(dir, 'shotgunEventDaemon.conf'), conf.join('\n'));
  return { dir, plugins };
}

/** The pickle the original reads at start: {plugins path: {plugin: (lastId, backlog)}}. */
export function writeOriginalState(setup: OriginalSetup, names: string[], lastId: number): void {
  const state = JSON.stringify({ path: setup.plugins, names, lastId });
  const py = spawnSync(
    'python3',
    [
      '-c',
      'import json, pickle, sys; s = json.loads(sys.argv[1]); pickle.dump({s["path"]: {n: (s["lastId"], {}) for n in s["names"]}}, open(sys.argv[2], "wb"))',
      state,
      path.join(setup.dir, 'daemon.id'),
    ],
    { encoding: 'utf8' },
  );
  if (py.status !== 0) throw new Error(`could not write the original daemon's pickle: ${py.stderr || py.error?.message}`);
}

/**
 * Runs the daemon unchanged in the foreground. It looks for shotgunEventDaemon.conf beside
 * the script named by argv[0], so a two-line launcher in the run's folder stands in as
 * argv[0] and executes the original file as __main__ (runpy would reset argv[0]).
 */
export function startOriginal(setup: OriginalSetup): Spawned {
  const launcher = path.join(setup.dir, 'launch.py');
  writeFileSync(
    launcher,
    [
      'import sys',
      `sys.argv = [${JSON.stringify(launcher)}, "foreground"]`,
      `sys.path.insert(0, ${JSON.stringify(path.dirname(DAEMON))})`,
      `exec(compile(open(${JSON.stringify(DAEMON)}).read(), ${JSON.stringify(DAEMON)}, "exec"), {"__name__": "__main__", "__file__": ${JSON.stringify(DAEMON)}})`,
      '',
    ].join('\n'),
  );
  return spawnProc('python3', [launcher], setup.dir, { ...process.env, PYTHONPATH: API, PYTHONUNBUFFERED: '1' });
}
