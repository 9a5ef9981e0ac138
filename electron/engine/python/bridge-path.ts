// Where bridge.py (the Python side of python-host.ts) is, in every layout we ship.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** bridge.py: beside this file (sources), else in the source tree (dist/), unpacked from app.asar. */
export function bridgePath(): string {
  const candidates = [new URL('./bridge.py', import.meta.url), new URL('../../../../electron/engine/python/bridge.py', import.meta.url)];
  for (const u of candidates) {
    const p = fileURLToPath(u).replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
    if (existsSync(p)) return p;
  }
  throw new Error(`bridge.py is missing (looked at ${candidates.map((u) => fileURLToPath(u)).join(', ')}); reinstall shotgun-events`);
}
