// The original daemon's example plugins (../shared/peer, read-only test input) and the
// SGDAEMON_* variables they read, one sandbox script per plugin.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../daemon/harness.js';

export const PEER = path.resolve(ROOT, '../shared/peer');
export const PEER_PLUGINS = path.join(PEER, 'shotgunEvents/src/examplePlugins');
export const PEER_API3 = path.join(PEER, 'python-api');

export const peerPlugins = (): string[] =>
  readdirSync(PEER_PLUGINS)
    .filter((f) => f.endsWith('.py'))
    .sort();

/** SGDAEMON_<X>_NAME / _KEY prefixes each plugin reads, e.g. calc_field.py → ['CALCFIELD']. */
export function peerScripts(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of peerPlugins()) {
    const text = readFileSync(path.join(PEER_PLUGINS, f), 'utf8');
    const prefixes = [...new Set([...text.matchAll(/SGDAEMON_([A-Z]+)_NAME/g)].map((m) => m[1]!))];
    out.set(f, prefixes);
  }
  return out;
}

/** One script per prefix (events on, as a real site's plugin scripts) and the environment naming them. */
export function peerEnv(server: string): { scripts: Array<{ name: string; key: string; generateEvents: boolean }>; env: Record<string, string> } {
  const prefixes = [...new Set([...peerScripts().values()].flat())].sort();
  const env: Record<string, string> = { SG_SERVER: server };
  const scripts = prefixes.map((p) => ({ name: `sgd_${p.toLowerCase()}`, key: `${p.toLowerCase()}-key`, generateEvents: true }));
  for (const p of prefixes) {
    env[`SGDAEMON_${p}_NAME`] = `sgd_${p.toLowerCase()}`;
    env[`SGDAEMON_${p}_KEY`] = `${p.toLowerCase()}-key`;
  }
  return { scripts, env };
}
