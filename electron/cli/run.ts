// `shotgun-events run`: the daemon in the foreground until SIGINT/SIGTERM. With no config
// at all (none given, none found where the original looked) it starts the embedded sandbox
// and the example plugins (demo mode), so a newcomer sees events flowing at once. A config
// that exists but names no usable site is an error (docs/engine.md, "Demo mode").

import { mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { CONFIG_SEARCH_TEXT, configPath, prepare } from '../demo/prepare.js';
import { writeFileAtomic } from '../engine/atomic-file.js';
import { Engine } from '../engine/engine.js';
import { checkUiToken, parseListen } from '../headless/server-auth.js';
// The UI server (and ws) is imported only with --ui: a plain `run` does not hold it (docs/performance.md).
import type { UiServer } from '../headless/server.js';

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
    .option(
      '--ui <[host:]port>',
      'serve the web UI and its WebSocket API (port alone: 127.0.0.1; [::1]:PORT for IPv6; any non-loopback host needs a token)',
      listen,
    )
    .option('--ui-token <token>', 'token the web UI requires (or set SHOTGUN_EVENTS_UI_TOKEN); generated when the host is not loopback')
    .option('--ui-token-label <label>', "who holds the UI token, as the audit log names them (or set SHOTGUN_EVENTS_UI_TOKEN_LABEL); default 'token'")
    .option('--demo', 'demo mode even where a config would be found: the built-in sandbox and the example plugins')
    .action(async (o: RunOptions) => {
      if (o.demo && o.config) throw new Error('--demo runs without a config: drop --config (or --demo)');
      const uiToken = o.uiToken ?? (process.env.SHOTGUN_EVENTS_UI_TOKEN || null);
      if (o.ui && uiToken !== null) checkUiToken(uiToken); // before anything starts
      const trendStep = trendStepMs(process.env);
      o.uiTokenLabel = uiTokenLabel(o);
      const file = o.demo ? undefined : configPath(o.config);
      const prepared = await prepare(file, { rate: o.demoRate });
      // Signals are honoured from here on (before the demo line a caller may wait for), in every state: retrying the first connection
      // included (engine.stop() ends start()'s retries).
      const stopped = new Promise<string>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      let engine: Engine;
      try {
        engine = await Engine.create({ config: prepared.config, demo: prepared.demo, console: !o.quiet, trendStepMs: trendStep });
      } catch (e) {
        await prepared.cleanup();
        throw e;
      }
      if (prepared.demo) {
        process.stdout.write(
          `Demo mode: ${o.demo ? '--demo given' : `no config given or found (looked at ${CONFIG_SEARCH_TEXT})`}; running on the built-in ` +
            `sandbox at ${prepared.sandbox!.url} with the example plugins. Pass --config FILE to use a real site.\n`,
        );
      }
      const pidFile = prepared.demo ? null : prepared.config.daemon.pidFile;
      let ui: UiServer | null = null;
      const shutDown = async (graceMs: number) => {
        await ui?.close();
        await engine.stop(graceMs);
        if (pidFile) removePidFile(pidFile);
        await prepared.cleanup();
      };
      try {
        if (pidFile) await writePidFile(pidFile);
        // The UI comes up before the first successful poll, so it can show why a site
        // cannot be reached (the engine view's connection state and error).
        if (o.ui) ui = await serveUi(engine, o);
      } catch (e) {
        await shutDown(0);
        throw e;
      }
      const started = engine.start().then(
        () => null,
        (e: unknown) => e as Error,
      );
      const first = await Promise.race([stopped, started]);
      if (first instanceof Error) {
        await shutDown(0);
        throw first;
      }
      const signal = typeof first === 'string' ? first : await stopped;
      process.stdout.write(`${signal}: stopping (grace ${o.grace} s)\n`);
      await shutDown(o.grace * 1000);
      // start() interrupted by the stop is not an error.
      await started;
    });
}

interface RunOptions {
  config?: string;
  grace: number;
  demoRate: number;
  quiet?: boolean;
  ui?: { host: string; port: number };
  uiToken?: string;
  uiTokenLabel?: string;
  demo?: boolean;
}

/** The token holder's name for the audit log (docs/engine.md, "Audit"): checked before anything starts. */
function uiTokenLabel(o: RunOptions): string | undefined {
  const label = o.uiTokenLabel ?? (process.env.SHOTGUN_EVENTS_UI_TOKEN_LABEL || undefined);
  if (label === undefined) return undefined;
  const from = o.uiTokenLabel !== undefined ? '--ui-token-label' : 'SHOTGUN_EVENTS_UI_TOKEN_LABEL';
  if (!o.ui) throw new Error(`${from} names who holds the UI token: it needs --ui`);
  // eslint-disable-next-line no-control-regex
  if (!/^[^\x00-\x1f\x7f]{1,64}$/.test(label) || label.trim() !== label) {
    throw new Error(`${from} ${JSON.stringify(label)}: expected 1 to 64 printable characters without leading or trailing spaces`);
  }
  return label;
}

async function serveUi(engine: Engine, o: RunOptions): Promise<UiServer> {
  const { defaultStaticDir, describeUi, startUiServer } = await import('../headless/server.js');
  const at = o.ui!;
  const staticDir = defaultStaticDir();
  let ui: UiServer;
  try {
    ui = await startUiServer({
      engine,
      ...at,
      token: o.uiToken ?? (process.env.SHOTGUN_EVENTS_UI_TOKEN || null),
      tokenLabel: o.uiTokenLabel,
      staticDir,
      logger: { info: (m) => void (o.quiet || process.stdout.write(`${m}\n`)), warning: (m) => void process.stderr.write(`${m}\n`) },
    });
  } catch (e) {
    throw new Error(`cannot serve the UI on ${at.host}:${at.port}: ${(e as Error).message}`, { cause: e });
  }
  process.stdout.write(describeUi(ui, staticDir));
  if (o.uiTokenLabel !== undefined && ui.token === null) {
    process.stderr.write(`The UI token label '${o.uiTokenLabel}' is unused: this UI needs no token, so its actions are audited as 'local'.\n`);
  }
  return ui;
}

/** [daemon] pidFile: this process's pid, as the original wrote it (its folder created). */
async function writePidFile(file: string): Promise<void> {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, `${process.pid}\n`);
  } catch (e) {
    throw new Error(`cannot write [daemon] pidFile ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** Removes the pid file if it is still ours (a later daemon may have rewritten it). */
function removePidFile(file: string): void {
  try {
    if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
  } catch {
    // already gone
  }
}

/** SHOTGUN_EVENTS_TREND_STEP_MS: the trend sample step, shortened by the e2e tests (docs/engine.md, "The UI's feeds"). */
function trendStepMs(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.SHOTGUN_EVENTS_TREND_STEP_MS;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 100)
    throw new Error(`SHOTGUN_EVENTS_TREND_STEP_MS must be a whole number of milliseconds, at least 100; got '${v}'`);
  return n;
}
