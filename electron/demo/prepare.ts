// Demo mode, shared by `shotgun-events run` (electron/cli/run.ts) and the desktop app
// (electron/main/host.ts): with no site configured, the embedded sandbox and the example
// plugins, so a newcomer sees events flowing at once.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseConfig, type EngineConfig } from '../engine/config.js';
import type { Sandbox } from '../sandbox/index.js';

/**
 * The package's own example plugins. Packaged, this file is inside app.asar and the plugins
 * are unpacked beside it (electron-builder.yml asarUnpack): the watcher and the worker
 * threads need real files (docs/desktop.md, "Packaging").
 */
export const EXAMPLE_PLUGINS = unpacked(path.join(packageRoot(), 'plugins'));

/** The package folder, from dist/electron/demo (built) or electron/demo (sources under tsx/vitest). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

function unpacked(dir: string): string {
  const parent = path.dirname(dir);
  return path.basename(parent) === 'app.asar' ? path.join(`${parent}.unpacked`, path.basename(dir)) : dir;
}

/** The script the demo engine polls as, and the one the example plugins use (plugins/_demo.ts). */
export const DEMO_ENGINE_SCRIPT = { name: 'shotgun_events', key: 'demo-engine-key' };
export const DEMO_PLUGIN_SCRIPT = { name: 'shotgun_events_demo', key: 'demo-plugin-key' };

/** Where the original daemon looked for its config when none was given, in order. */
export const CONFIG_SEARCH = ['./shotgunEventDaemon.conf', '/etc/shotgunEventDaemon.conf'];

/** The search order, in words, for messages. */
export const CONFIG_SEARCH_TEXT = `--config, $SHOTGUN_EVENTS_CONFIG, ${CONFIG_SEARCH.join(', ')}`;

/**
 * --config, else $SHOTGUN_EVENTS_CONFIG, else the first of CONFIG_SEARCH that exists
 * (relative to the working folder), else none.
 */
export function configPath(opt: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  const given = opt ?? (env.SHOTGUN_EVENTS_CONFIG || undefined);
  if (given) return given;
  return CONFIG_SEARCH.map((f) => path.resolve(cwd, f)).find((f) => existsSync(f));
}

export interface Prepared {
  config: EngineConfig;
  demo: boolean;
  sandbox: Sandbox | null;
  cleanup: () => Promise<void>;
}

/**
 * The config to run with. A config file must name its site (loadConfig throws
 * otherwise). Without one: demo mode, the sandbox with the example plugins and a
 * throw-away state folder, so a demo never writes a configured state file.
 */
export async function prepare(file: string | undefined, opts: { rate?: number; sandboxPort?: number } = {}): Promise<Prepared> {
  if (file) return { config: loadConfig(file), demo: false, sandbox: null, cleanup: async () => {} };
  const tmp = mkdtempSync(path.join(tmpdir(), 'shotgun-events-demo-'));
  let config: EngineConfig = parseConfig(
    ['[daemon]', 'logging = 20', 'fetch_interval = 1', '[plugins]', `paths = ${EXAMPLE_PLUGINS}`, ''].join('\n'),
    {
      path: path.join(tmp, 'demo.conf'),
    },
  );

  // Loaded for demo mode only: a daemon on a real site never holds the sandbox's code (docs/performance.md).
  const { startSandbox } = await import('../sandbox/index.js');
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
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
