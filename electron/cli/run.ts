// `shotgun-events run`: the daemon in the foreground until SIGINT/SIGTERM. With no site
// configured it starts the embedded sandbox and the example plugins (demo mode), so a
// newcomer sees events flowing at once.

import { Command, InvalidArgumentError } from 'commander';
import { prepare } from '../demo/prepare.js';
import { Engine } from '../engine/engine.js';
import { defaultStaticDir, describeUi, parseListen, startUiServer, type UiServer } from '../headless/server.js';

/** --config, else $SHOTGUN_EVENTS_CONFIG, else none. */
export function configPath(opt: string | undefined): string | undefined {
  return opt ?? (process.env.SHOTGUN_EVENTS_CONFIG || undefined);
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
            token: o.uiToken ?? (process.env.SHOTGUN_EVENTS_UI_TOKEN || null),
            staticDir,
            logger: { info: (m) => void (o.quiet || process.stdout.write(`${m}\n`)), warning: (m) => void process.stderr.write(`${m}\n`) },
          });
        } catch (e) {
          await engine.stop(0);
          await prepared.cleanup();
          throw new Error(`cannot serve the UI on ${o.ui.host}:${o.ui.port}: ${(e as Error).message}`, { cause: e });
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
