// Demo mode, shared by `shotgun-events run` (electron/cli/run.ts) and the desktop app
// (electron/main/host.ts): with no site configured, the embedded sandbox and the example
// plugins, so a newcomer sees events flowing at once.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseConfig, type EngineConfig } from '../engine/config.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';

/** The package's own example plugins. */
export const EXAMPLE_PLUGINS = path.join(packageRoot(), 'plugins');

/** The package folder, from dist/electron/demo (built) or electron/demo (sources under tsx/vitest). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** The script the demo engine polls as, and the one the example plugins use (plugins/_demo.ts). */
export const DEMO_ENGINE_SCRIPT = { name: 'shotgun_events', key: 'demo-engine-key' };
export const DEMO_PLUGIN_SCRIPT = { name: 'shotgun_events_demo', key: 'demo-plugin-key' };

export interface Prepared {
  config: EngineConfig;
  demo: boolean;
  sandbox: Sandbox | null;
  cleanup: () => Promise<void>;
}

/**
 * The config to run with. Without a site it starts the sandbox and points the config at
 * it; without a config at all, the example plugins and a throw-away state folder too.
 */
export async function prepare(file: string | undefined, opts: { rate?: number; sandboxPort?: number } = {}): Promise<Prepared> {
  let config: EngineConfig;
  let tmp: string | null = null;
  if (file) {
    config = loadConfig(file);
  } else {
    tmp = mkdtempSync(path.join(tmpdir(), 'shotgun-events-demo-'));
    config = parseConfig(['[daemon]', 'logging = 20', 'fetch_interval = 1', '[plugins]', `paths = ${EXAMPLE_PLUGINS}`, ''].join('\n'), {
      path: path.join(tmp, 'demo.conf'),
    });
  }
  if (config.shotgun) return { config, demo: false, sandbox: null, cleanup: async () => {} };

  const sandbox = await startSandbox({
    port: opts.sandboxPort ?? 0,
    seed: 'demo',
    rate: opts.rate ?? 2,
    scripts: [
      { ...DEMO_ENGINE_SCRIPT, generateEvents: false },
      { ...DEMO_PLUGIN_SCRIPT, generateEvents: true },
    ],
  });
  config = {
    ...config,
    shotgun: {
      server: sandbox.url,
      name: DEMO_ENGINE_SCRIPT.name,
      key: DEMO_ENGINE_SCRIPT.key,
      proxyServer: null,
      useSessionUuid: false,
      apiVersion: 'v1.1',
    },
  };
  return {
    config,
    demo: true,
    sandbox,
    cleanup: async () => {
      await sandbox.close();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    },
  };
}
