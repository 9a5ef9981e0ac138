// Setting up and starting `shotgun-events run` (the daemon under test, a child process).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, SCRIPTS, spawnNode, type Spawned } from './children.js';

export interface DaemonSetup {
  dir: string;
  config: string;
  state: string;
  plugins: string;
}

export function daemonDir(root: string, name: string, url: string, daemon: Record<string, string | number>, pluginPaths?: string): DaemonSetup {
  const dir = path.join(root, name);
  const plugins = path.join(dir, 'plugins');
  mkdirSync(plugins, { recursive: true });
  const state = path.join(dir, 'state.json');
  const config = path.join(dir, 'daemon.conf');
  const lines = [
    '[daemon]',
    'logging = 20',
    `eventIdFile = ${state}`,
    ...Object.entries(daemon).map(([k, v]) => `${k} = ${v}`),
    '',
    '[shotgun]',
    `server = ${url}`,
    `name = ${SCRIPTS.daemon.name}`,
    `key = ${SCRIPTS.daemon.key}`,
    '',
    '[plugins]',
    `paths = ${pluginPaths ?? plugins}`,
    '',
  ];
  writeFileSync(config, lines.join('\n'));
  return { dir, config, state, plugins };
}

/** Every cursor of `names` at `lastId`, so the daemon starts just after it. */
export function writeState(setup: DaemonSetup, names: string[], lastId: number): void {
  const plugins: Record<string, unknown> = {};
  for (const n of names) plugins[n] = { lastId, gaps: [], enabled: true, paused: false, failed: [] };
  writeFileSync(setup.state, `${JSON.stringify({ version: 1, plugins, headId: lastId, savedAt: Date.now() }, null, 2)}\n`);
}

/** The daemon's console output, kept beside its config (see --keep). */
export function saveOutput(d: Spawned, dir: string): void {
  writeFileSync(path.join(dir, 'daemon.out'), d.lines.map((l) => `${new Date(l.at).toISOString()} ${l.text}`).join('\n'));
}

export function startDaemon(setup: DaemonSetup, profileDir: string | null, tag: string): Spawned {
  const flags: string[] = [];
  if (profileDir) {
    const d = path.join(profileDir, tag);
    mkdirSync(d, { recursive: true });
    flags.push('--cpu-prof', '--cpu-prof-dir', d);
  }
  return spawnNode([CLI, 'run', '--config', setup.config, '--grace', '2'], flags, setup.dir);
}
