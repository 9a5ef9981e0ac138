#!/usr/bin/env node
// `npm start`: builds the app and runs it in Electron (`electron .`, package.json "main").
// Where no Electron binary can be had (no network to download it, as on the build and CI
// machines), prints ONE line pointing at the headless UI and exits 1.
//
// Electron >= 42 has no install script: the binary is fetched on first use. This launcher
// finds it without triggering that implicit download (requiring the `electron` package
// would), tries the download once quietly (unless SHOTGUN_EVENTS_ELECTRON_DOWNLOAD=0), and
// then either starts Electron or explains.
//
// Options: --no-build (skip `npm run build`); anything after `--` goes to the app.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
export const HEADLESS_HINT = 'run the headless UI instead: npx shotgun-events run --ui 8080';

/**
 * The Electron executable, without downloading anything: { path } when it is there,
 * else { reason } saying why not.
 */
export function findElectron(fromDir = root, env = process.env) {
  let pkgDir;
  try {
    pkgDir = path.dirname(createRequire(path.join(fromDir, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed; run npm install' };
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
    return existsSync(p) ? { path: p, pkgDir } : { pkgDir, reason: `ELECTRON_OVERRIDE_DIST_PATH has no ${p}` };
  }
  if (rel) {
    const p = path.join(pkgDir, 'dist', rel);
    if (existsSync(p)) return { path: p, pkgDir };
  }
  return { pkgDir, reason: 'no Electron binary in node_modules/electron' };
}

/** Runs electron's own installer once, quietly; returns its last error line when it fails. */
function tryDownload(pkgDir) {
  const r = spawnSync(process.execPath, [path.join(pkgDir, 'install.js')], { encoding: 'utf8', timeout: 10 * 60_000 });
  if (r.status === 0) return null;
  const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const first = lines.find((l) => /error|fail/i.test(l)) ?? lines[0] ?? (r.error ? r.error.message : 'download failed');
  return first.replace(/^\w*Error:\s*/, '');
}

export function unavailableLine(reason) {
  return `Electron is not available on this machine (${reason}); ${HEADLESS_HINT}`;
}

async function main(argv) {
  const sep = argv.indexOf('--');
  const own = sep === -1 ? argv : argv.slice(0, sep);
  const appArgs = sep === -1 ? [] : argv.slice(sep + 1);

  let found = findElectron();
  if (!found.path && found.pkgDir && process.env.SHOTGUN_EVENTS_ELECTRON_DOWNLOAD !== '0') {
    const err = tryDownload(found.pkgDir);
    const again = findElectron();
    found = again.path ? again : { ...again, reason: `${again.reason}, and downloading it failed: ${err ?? 'unknown error'}` };
  }
  if (!found.path) {
    process.stderr.write(`${unavailableLine(found.reason)}\n`);
    return 1;
  }

  if (!own.includes('--no-build')) {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const b = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    if (b.status !== 0) return b.status ?? 1;
  }

  // ELECTRON_RUN_AS_NODE from a parent shell would turn the app into plain Node.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(found.path, ['.', ...appArgs], { cwd: root, stdio: 'inherit', env, windowsHide: false });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`${unavailableLine(`cannot start ${found.path}: ${e.message}`)}\n`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
