// Integration harness: a sandbox site over HTTP, a temp folder with a daemon config and
// plugin files, and the real `shotgun-events` CLI (built dist/) in a child process.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../electron/sandbox/index.js';
import { Shotgun } from '../../electron/shotgun/client.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(ROOT, 'dist/electron/cli/main.js');

/** Scripts every harness site has: the daemon's own, and one for plugins (events on). */
export const ENGINE_SCRIPT = { name: 'daemon', key: 'daemon-key' };
export const PLUGIN_SCRIPT = { name: 'plugins', key: 'plugins-key' };

export interface Site {
  sandbox: Sandbox;
  dir: string;
  pluginsDir: string;
  configPath: string;
  /** Records written by recorder plugins land here: `<dir>/records/<plugin>.jsonl`. */
  recordsDir: string;
  /** A client acting as a person (its writes always make events). */
  sg: Shotgun;
  /** (Re)writes the daemon config; `extra` adds/overrides keys per section. */
  writeConfig(extra?: Record<string, Record<string, string | number>>): void;
  writePlugin(file: string, source: string): string;
  records(plugin: string): Array<{ id: number; late: boolean; attempt: number; type: string; pid: number }>;
  run(args?: string[], env?: NodeJS.ProcessEnv): Daemon;
  /** Runs a CLI command to completion. */
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

export interface Daemon {
  proc: ChildProcess;
  output(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM (or another signal) and the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function makeSite(opts: SandboxOptions = {}): Promise<Site> {
  const sandbox = await startSandbox({
    port: 0,
    seed: 'minimal',
    ...opts,
    scripts: [{ ...ENGINE_SCRIPT, generateEvents: false }, { ...PLUGIN_SCRIPT, generateEvents: true }, ...(opts.scripts ?? [])],
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'sge-daemon-'));
  const pluginsDir = path.join(dir, 'plugins');
  const recordsDir = path.join(dir, 'records');
  mkdirSync(pluginsDir);
  mkdirSync(recordsDir);
  const configPath = path.join(dir, 'daemon.conf');
  const sg = new Shotgun({ server: sandbox.url, credentials: { login: 'admin', password: 'sandbox' } });
  const daemons: Daemon[] = [];

  const site: Site = {
    sandbox,
    dir,
    pluginsDir,
    configPath,
    recordsDir,
    sg,
    writeConfig(extra = {}) {
      const sections: Record<string, Record<string, string | number>> = {
        daemon: {
          eventIdFile: 'state/daemon.id',
          logPath: 'logs',
          logFile: 'daemon.log',
          logging: 10,
          fetch_interval: 0.2,
          max_event_batch_size: 500,
          conn_retry_sleep: 1,
          max_conn_retries: 3,
          backlog_timeout: 30,
          retry_backoff: '0.3, 0.6',
          ...extra.daemon,
        },
        shotgun: { server: sandbox.url, name: ENGINE_SCRIPT.name, key: ENGINE_SCRIPT.key, use_session_uuid: 'False', ...extra.shotgun },
        plugins: { paths: 'plugins', ...extra.plugins },
        ...Object.fromEntries(Object.entries(extra).filter(([k]) => !['daemon', 'shotgun', 'plugins'].includes(k))),
      };
      const text = Object.entries(sections)
        .map(
          ([name, keys]) =>
            `[${name}]\n${Object.entries(keys)
              .map(([k, v]) => `${k} = ${v}`)
              .join('\n')}\n`,
        )
        .join('\n');
      writeFileSync(configPath, text);
    },
    writePlugin(file, source) {
      const p = path.join(pluginsDir, file);
      writeFileSync(p, source);
      return p;
    },
    records(plugin) {
      const f = path.join(recordsDir, `${plugin}.jsonl`);
      if (!existsSync(f)) return [];
      return readFileSync(f, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id: number; late: boolean; attempt: number; type: string; pid: number });
    },
    run(args = [], env = {}) {
      const d = spawnDaemon(['run', '--config', configPath, ...args], env);
      daemons.push(d);
      return d;
    },
    cli(args, env = {}) {
      return collect(spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, cwd: dir }));
    },
    async close() {
      for (const d of daemons) if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
      await sg.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  site.writeConfig();
  return site;
}

/**
 * A child's exit code and all it wrote. It settles on 'close', not 'exit': 'exit' can come
 * before the last bytes of a pipe are read, and a refused command's one stderr line was lost
 * that way now and then (test/daemon/harness.test.ts).
 */
export function collect(p: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The CLI in a child process with exactly these arguments (the caller kills it). */
export function spawnDaemon(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Daemon {
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, cwd });
  let out = '';
  const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.slice()) {
      if (w.re.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve) => proc.on('close', (code, signal) => resolve({ code, signal })), // after the last output (see collect)
  );
  return {
    proc,
    output: () => out,
    exited,
    waitFor(re, timeoutMs = 15_000) {
      if (re.test(out)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in daemon output:\n${out.slice(-3000)}`)), timeoutMs);
        waiters.push({
          re,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      proc.kill(signal);
      return (await exited).code;
    },
  };
}

/**
 * A plugin that appends one JSON line per event to `<records>/<name>.jsonl`.
 * `match` is its matchEvents (JSON), `body` extra JS run per event (may throw).
 */
export function recorderPlugin(
  recordsDir: string,
  name: string,
  o: { match?: unknown; body?: string; stopOnError?: boolean; header?: string } = {},
): string {
  const file = JSON.stringify(path.join(recordsDir, `${name}.jsonl`));
  return `import { appendFileSync } from 'node:fs';
${o.header ?? ''}
export function registerCallbacks(reg) {
  reg.registerCallback(${JSON.stringify(PLUGIN_SCRIPT.name)}, ${JSON.stringify(PLUGIN_SCRIPT.key)}, record, null,
    { matchEvents: ${JSON.stringify(o.match ?? null)}, stopOnError: ${o.stopOnError ?? true} });
}
async function record(sg, event, args, ctx) {
  ${o.body ?? ''}
  appendFileSync(${file}, JSON.stringify({ id: event.id, late: ctx.late, attempt: ctx.attempt, type: event.event_type, pid: process.pid }) + '\\n');
}
`;
}

/** Polls `fn` until it returns true (or throws on timeout with `what`). */
export async function until(fn: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out: ${what}`);
}

export interface SavedPluginState {
  lastId: number;
  gaps: Array<{ id: number; discoveredAt: number; expiresAt: number }>;
  enabled: boolean;
  paused: boolean;
  failed: Array<{ eventId: number; callback?: string; error: string; at: number; attempts: number }>;
}

/** The daemon's state file as on disk (`state/daemon.id.json`: eventIdFile + `.json`); null if absent. Throws if it does not parse. */
export function readState(site: Site): { plugins: Record<string, SavedPluginState>; headId?: number } | null {
  const f = path.join(site.dir, 'state', 'daemon.id.json');
  if (!existsSync(f)) return null;
  return JSON.parse(readFileSync(f, 'utf8')) as { plugins: Record<string, SavedPluginState>; headId?: number };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Requests the daemon made for event pages so far (the sandbox's own count). */
export function eventSearches(site: Site): number {
  return site.sandbox.stats.requests['POST /entity/EventLogEntry/_search'] ?? 0;
}
