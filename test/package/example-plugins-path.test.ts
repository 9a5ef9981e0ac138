// Packaged, the main process runs from resources/app.asar, and electron-builder.yml unpacks
// the example plugins to resources/app.asar.unpacked/plugins: the plugin watcher and the
// worker threads need real files. The host must look there, not inside the archive. This
// loads the built host module from that layout under Node with only `electron` replaced,
// the same probe `npm run package:check` runs on the packed app.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const PROBE = path.join(repo, 'scripts/package/probe-main.mjs');
const tmp = realpathSync(mkdtempSync(path.join(tmpdir(), 'sge-plugins-path-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Probe {
  HOOKS: string;
  HOST_MODULE: string;
  registerSource: (hooksUrl: string) => string;
}

async function examplePluginsFrom(appDir: string): Promise<string> {
  const probe = (await import(pathToFileURL(PROBE).href)) as Probe;
  const r = spawnSync(
    process.execPath,
    [
      '--no-warnings',
      '--import',
      probe.registerSource(`data:text/javascript,${encodeURIComponent(probe.HOOKS)}`),
      PROBE,
      path.join(appDir, probe.HOST_MODULE),
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { examplePlugins: string }).examplePlugins;
}

/** The built app (dist/electron, as tsc made it) under `appDir`, with the project's node_modules. */
function layOut(appDir: string): void {
  mkdirSync(path.join(appDir, 'dist'), { recursive: true });
  cpSync(path.join(repo, 'dist/electron'), path.join(appDir, 'dist/electron'), { recursive: true });
  cpSync(path.join(repo, 'package.json'), path.join(appDir, 'package.json'));
  symlinkSync(path.join(repo, 'node_modules'), path.join(appDir, 'node_modules'));
}

describe('where the desktop app finds its example plugins', () => {
  it('packaged (resources/app.asar): the unpacked copy beside the archive', async () => {
    const resources = path.join(tmp, 'packaged', 'resources');
    layOut(path.join(resources, 'app.asar'));
    expect(await examplePluginsFrom(path.join(resources, 'app.asar'))).toBe(path.join(resources, 'app.asar.unpacked', 'plugins'));
  });

  it('unpackaged (a checkout): plugins/ beside dist/', async () => {
    const app = path.join(tmp, 'checkout');
    layOut(app);
    expect(await examplePluginsFrom(app)).toBe(path.join(app, 'plugins'));
  });
});
