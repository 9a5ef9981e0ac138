// `npm start` (scripts/start.mjs): without an Electron binary it prints ONE line pointing
// at the headless UI and exits non-zero; it finds a binary without triggering Electron's
// implicit download.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = path.join(ROOT, 'scripts/start.mjs');
// @ts-expect-error: a plain .mjs script
const launcher = (await import('../../scripts/start.mjs')) as {
  findElectron: (dir?: string, env?: NodeJS.ProcessEnv) => { path?: string; reason?: string };
  unavailableLine: (reason: string) => string;
};

const tmp = mkdtempSync(path.join(tmpdir(), 'sge-launch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm start launcher', () => {
  it('finds the binary from electron/path.txt, or says why not', () => {
    const app = path.join(tmp, 'app');
    const pkg = path.join(app, 'node_modules', 'electron');
    mkdirSync(path.join(pkg, 'dist'), { recursive: true });
    writeFileSync(path.join(app, 'package.json'), '{"name":"x"}');
    writeFileSync(path.join(pkg, 'package.json'), '{"name":"electron","version":"45.0.0","main":"index.js"}');
    // index.js would download: the launcher must never load it.
    writeFileSync(path.join(pkg, 'index.js'), 'throw new Error("must not be required")');
    expect(launcher.findElectron(app, {}).reason).toMatch(/no Electron binary in node_modules\/electron/);
    writeFileSync(path.join(pkg, 'path.txt'), 'electron');
    expect(launcher.findElectron(app, {}).path).toBeUndefined();
    writeFileSync(path.join(pkg, 'dist', 'electron'), '');
    expect(launcher.findElectron(app, {}).path).toBe(path.join(pkg, 'dist', 'electron'));
    expect(launcher.findElectron(path.join(tmp, 'elsewhere'), {}).reason).toMatch(/not installed/);
  });

  it('prints one clear line and exits non-zero where Electron is not available', () => {
    const found = launcher.findElectron(ROOT, process.env);
    if (found.path) return; // a machine with the binary would launch the app
    const r = spawnSync(process.execPath, [SCRIPT], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, SHOTGUN_EVENTS_ELECTRON_DOWNLOAD: '0' },
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    const out = `${r.stdout}${r.stderr}`.trim().split('\n');
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(launcher.unavailableLine('no Electron binary in node_modules/electron'));
    expect(out[0]).toMatch(/^Electron is not available on this machine \(.+\); run the headless UI instead: npx shotgun-events run --ui 8080$/);
  });
});
