// `shotgun-events run`: the daemon in the foreground until SIGINT/SIGTERM. With no site
// configured it starts the embedded sandbox and the example plugins (demo mode), so a
// newcomer sees events flowing at once.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, parseConfig, type EngineConfig } from '../engine/config.js';
import { Engine } from '../engine/engine.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { checkUiToken, defaultStaticDir, describeUi, parseListen, startUiServer, type UiServer } from '../headless/server.js';

/** The package's own example plugins. */
export const EXAMPLE_PLUGINS = path.join(packageRoot(), 'plugins');

/** The package folder, from dist/electron/cli (the CLI) or electron/cli (sources under tsx/vitest). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** The script the demo engine polls as, and the one the example plugins use (plugins/demo-script.ts). */
export const DEMO_ENGINE_SCRIPT = { name: 'shotgun_events', key: 'demo-engine-key' };
export const DEMO_PLUGIN_SCRIPT = { name: 'shotgun_events_demo', key: 'demo-plugin-key' };

/** --config, else $SHOTGUN_EVENTS_CONFIG, else none. */
export function configPath(opt: string | undefined): string | undefined {
  return opt ?? (process.env.SHOTGUN_EVENTS_CONFIG || undefined);
}

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
    config = parseConfig(
      ['[daemon]', 'logging = 20', 'fetch_interval = 1', '[plugins]', `paths = ${EXAMPLE_PLUGINS}`, ''].join('\n'),
      { path: path.join(tmp, 'demo.conf') },
    );
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

const seconds = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected seconds, got '${v}'`);
  return n;
};

const listen = (v: string) => {
  try {
    return parseListen(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

export function runCommand(): Command {
  return new Command('run')
    .description('run the daemon in the foreground until Ctrl-C (no site configured: on the built-in sandbox)')
    .option('-c, --config <file>', 'daemon config (INI, shotgunEventDaemon.conf compatible); or set SHOTGUN_EVENTS_CONFIG')
    .option('--grace <seconds>', 'on stop, how long in-flight callbacks may finish', seconds, 10)
    .option('--demo-rate <events/s>', 'traffic rate of the built-in sandbox in demo mode', seconds, 2)
    .option('-q, --quiet', 'no log lines on the console')
    .option('--ui <[host:]port>', 'serve the web UI and its WebSocket API (port alone: 127.0.0.1; [::1]:PORT for IPv6; any non-loopback host needs a token)', listen)
    .option('--ui-token <token>', 'token the web UI requires (or set SHOTGUN_EVENTS_UI_TOKEN); generated when the host is not loopback')
    .action(async (o: { config?: string; grace: number; demoRate: number; quiet?: boolean; ui?: { host: string; port: number }; uiToken?: string }) => {
      const uiToken = o.uiToken ?? (process.env.SHOTGUN_EVENTS_UI_TOKEN || null);
      if (o.ui && uiToken !== null) checkUiToken(uiToken); // before anything starts
      const prepared = await prepare(configPath(o.config), { rate: o.demoRate });
      let engine: Engine;
      try {
        engine = await Engine.create({ config: prepared.config, demo: prepared.demo, console: !o.quiet });
      } catch (e) {
        await prepared.cleanup();
        throw e;
      }
      if (prepared.demo) {
        process.stdout.write(
          `Demo mode: no ShotGrid site configured, running on the built-in sandbox at ${prepared.sandbox!.url} ` +
            `with the example plugins. Pass --config FILE to use a real site.\n`,
        );
      }
      const stopped = new Promise<string>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      try {
        await engine.start();
      } catch (e) {
        await engine.stop(0);
        await prepared.cleanup();
        throw e;
      }
      let ui: UiServer | null = null;
      if (o.ui) {
        const staticDir = defaultStaticDir();
        try {
          ui = await startUiServer({
            engine,
            ...o.ui,
            token: uiToken,
            staticDir,
            logger: { info: (m) => void (o.quiet || process.stdout.write(`${m}\n`)), warning: (m) => void process.stderr.write(`${m}\n`) },
          });
        } catch (e) {
          await engine.stop(0);
          await prepared.cleanup();
          throw new Error(`cannot serve the UI on ${o.ui.host}:${o.ui.port}: ${(e as Error).message}`);
        }
        process.stdout.write(describeUi(ui, staticDir));
      }
      const signal = await stopped;
      process.stdout.write(`${signal}: stopping (grace ${o.grace} s)\n`);
      await ui?.close();
      await engine.stop(o.grace * 1000);
      await prepared.cleanup();
    });
}
