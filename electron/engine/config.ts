// The daemon configuration: reads the original shotgunEventDaemon.conf
// unchanged (configparser INI, see configparser.ts) plus our new keys, and
// returns a typed EngineConfig. Every bad value is one ConfigError naming the
// file, line, section and key; unknown keys and sections are only warnings so
// that fork-specific files ([sentry], [database_log], ...) still load.
//
// Differences from the original, on purpose:
// - Environment variables are used only where a value names them, with
//   %(VAR)s (as the original example does) or ${VAR}. The original made every
//   variable a fallback for every key (Windows' USERNAME filled [emails] username).
// - Every key has a default, and an empty value means "use the default", so a
//   minimal file works; the original crashed on a missing logMode or `enabled`.
// - Seconds may be fractional; durations are exposed in milliseconds (`...Ms`).
// - timing_log accepts every boolean word, not only exactly `on`.
// - Relative paths resolve against the config file's folder (the original used
//   the daemon's cwd, which is "/" once daemonized); a leading ~ is the home dir.
//
// zod is not used here: each check needs a message with the key, the raw text
// and file:line, which the small converters below give directly.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { API_VERSIONS, type ApiVersion } from '../shotgun/client.js';
import {
  IniSyntaxError,
  InterpolationError,
  interpolate,
  parseIni,
  type IniEntry,
  type IniSection,
} from './configparser.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';

export interface DaemonConfig {
  /** [daemon] pidFile: absolute path, or null when not set. */
  pidFile: string | null;
  /** [daemon] eventIdFile as configured (absolute), or null. The original kept a pickle there. */
  eventIdFile: string | null;
  /**
   * Where our JSON state lives: eventIdFile if it ends in `.json`, else
   * eventIdFile + `.json`, so the original's pickle beside it is left alone and
   * both daemons can share one config file. Without eventIdFile:
   * `<config folder>/shotgun-events.state.json`.
   */
  stateFile: string;
  /** 0 = one log file for everything, 1 = engine file plus one file per plugin. */
  logMode: 0 | 1;
  /** [daemon] logPath (absolute), or null when not set. */
  logPath: string | null;
  /** Main log file: logFile resolved against logPath (else the config folder); null = no file log. */
  logFile: string | null;
  logLevel: LogLevel;
  /** The Python logging number, e.g. 20 (plugins may compare against it). */
  logLevelValue: number;
  /** Write `<logFile>.timing` records. */
  timingLog: boolean;
  connRetrySleepMs: number;
  maxConnRetries: number;
  fetchIntervalMs: number;
  /** 1..5000. */
  maxEventBatchSize: number;
  /** How long a missing event id is waited for, from its discovery. */
  backlogTimeoutMs: number;
  /** Delays between retries of a failing callback; the last one repeats. */
  retryBackoffMs: number[];
  /** Default per-callback timeout; 0 = none. */
  callbackTimeoutMs: number;
  /** Ignore events whose user is one of the daemon's own scripts (loop protection). */
  ignoreOwnEvents: boolean;
  /** Off-heap memory (Buffers) each plugin may hold, in MB; 0 = no limit. */
  pluginBufferLimitMb: number;
}

export interface ShotgunConfig {
  /** Site URL, http(s), without trailing slash. */
  server: string;
  /** The engine's own script name and key (used for polling). */
  name: string;
  key: string;
  /** As shotgun_api3 takes it: `host:port` or `user:pass@host:port`; null = none. */
  proxyServer: string | null;
  useSessionUuid: boolean;
  /** REST API version segment. */
  apiVersion: ApiVersion;
  /** Per-request timeout ([shotgun] timeout, seconds; default 60). */
  timeoutMs?: number;
}

export interface EmailConfig {
  server: string;
  port: number;
  from: string;
  to: string[];
  subject: string;
  useTls: boolean;
  username: string | null;
  password: string | null;
}

export interface EngineConfig {
  /** Absolute path of the config file. */
  path: string;
  daemon: DaemonConfig;
  /**
   * The site to poll. null only from parseConfig without requireSite (the desktop
   * app's settings, which fill the site in later); a config file without a usable
   * [shotgun] section is a ConfigError (docs/engine.md, "Demo mode").
   */
  shotgun: ShotgunConfig | null;
  /** python: `[plugins] python`, the interpreter for .py plugins (default python3). */
  plugins: { paths: string[]; python?: string };
  /** null when e-mail is disabled ([emails] enabled is false or missing). */
  emails: EmailConfig | null;
  /** Non-fatal findings (unknown keys, missing plugin folders...), for logging. */
  warnings: string[];
}

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly section?: string,
    readonly key?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Known keys per section, canonical spelling (matching is case-insensitive). */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  daemon: [
    'pidFile', 'eventIdFile', 'logMode', 'logPath', 'logFile', 'logging', 'timing_log',
    'conn_retry_sleep', 'max_conn_retries', 'fetch_interval', 'max_event_batch_size',
    'backlog_timeout', 'retry_backoff', 'callback_timeout', 'ignore_own_events',
    'plugin_buffer_limit',
  ],
  shotgun: ['server', 'name', 'key', 'proxy_server', 'use_session_uuid', 'api_version', 'timeout'],
  plugins: ['paths', 'python'],
  emails: ['enabled', 'server', 'port', 'from', 'to', 'subject', 'useTLS', 'username', 'password'],
};

/** Values never echoed in error messages. */
const SECRET_KEYS = new Set(['key', 'password']);

const BOOLEANS: Record<string, boolean> = {
  '1': true, yes: true, true: true, on: true,
  '0': false, no: false, false: false, off: false,
};

const LEVEL_NAMES: Record<string, number> = {
  debug: 10, info: 20, warning: 30, warn: 30, error: 40, critical: 50, fatal: 50,
};

export const DEFAULT_STATE_FILE = 'shotgun-events.state.json';

/**
 * Read and parse a config file. `env` is consulted only for %(VAR)s / ${VAR}. A file
 * must name a site ([shotgun] server, name, key): a config that exists but cannot
 * reach a site is an error, never a silent fallback to the sandbox.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env, opts: { requireSite?: boolean } = {}): EngineConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(err);
    throw new ConfigError(`cannot read config file ${abs}: ${why}`, abs);
  }
  const config = parseConfig(text, { path: abs, env, requireSite: opts.requireSite ?? true });
  // The original refused a plugin path that is not a folder; we only warn, as
  // the watcher can pick the folder up once it exists.
  for (const dir of config.plugins.paths) {
    if (!existsSync(dir)) config.warnings.push(`[plugins] paths: ${dir} does not exist (yet)`);
    else if (!statSync(dir).isDirectory()) config.warnings.push(`[plugins] paths: ${dir} is not a folder`);
  }
  return config;
}

/** Parse config text; `path` names it in messages and anchors relative paths. */
export function parseConfig(text: string, opts: { path: string; env?: NodeJS.ProcessEnv; requireSite?: boolean }): EngineConfig {
  const file = path.resolve(opts.path);
  const env = opts.env ?? process.env;
  let sections: Map<string, IniSection>;
  try {
    sections = parseIni(text);
  } catch (err) {
    if (err instanceof IniSyntaxError) {
      throw new ConfigError(`${err.reason} (in ${file}:${err.line})`, file, undefined, undefined, err.line);
    }
    throw err;
  }

  const warnings: string[] = [];
  checkUnknown(sections, file, warnings);

  const baseDir = path.dirname(file);
  const defaults = sections.get('default');
  const reader = (name: string) => new SectionReader(name, sections.get(name), defaults, file, env, baseDir);

  const daemon = readDaemon(reader('daemon'), baseDir);
  if (opts.requireSite) requireSiteSection(text, sections, file);
  const shotgun = readShotgun(reader('shotgun'));
  if (opts.requireSite && !shotgun) {
    throw reader('shotgun').missing('server', 'the site URL is required, e.g. https://mystudio.shotgrid.autodesk.com (an empty server does not mean demo mode: run without a config for that)');
  }
  const plugins = { paths: reader('plugins').paths('paths'), python: reader('plugins').string('python') ?? 'python3' };
  const emails = readEmails(reader('emails'), warnings);
  return { path: file, daemon, shotgun, plugins, emails, warnings };
}

function readDaemon(r: SectionReader, baseDir: string): DaemonConfig {
  const eventIdFile = r.path('eventIdFile');
  const stateFile = eventIdFile
    ? eventIdFile.endsWith('.json') ? eventIdFile : `${eventIdFile}.json`
    : path.join(baseDir, DEFAULT_STATE_FILE);
  const logPath = r.path('logPath');
  const logFileName = r.string('logFile');
  const level = r.logLevel('logging', 20);
  const logMode = r.int('logMode', { default: 1, min: 0, max: 1, what: '0 (one log file) or 1 (one file per plugin)' });
  return {
    pidFile: r.path('pidFile'),
    eventIdFile,
    stateFile,
    logMode: logMode as 0 | 1,
    logPath,
    logFile: logFileName ? path.resolve(logPath ?? baseDir, expandHome(logFileName)) : null,
    logLevel: level.name,
    logLevelValue: level.value,
    timingLog: r.bool('timing_log', false),
    connRetrySleepMs: r.seconds('conn_retry_sleep', { default: 60, min: 0 }),
    maxConnRetries: r.int('max_conn_retries', { default: 5, min: 1 }),
    fetchIntervalMs: r.seconds('fetch_interval', { default: 5, min: 0.1, max: 3600 }),
    maxEventBatchSize: r.int('max_event_batch_size', { default: 500, min: 1, max: 5000 }),
    backlogTimeoutMs: r.seconds('backlog_timeout', { default: 300, min: 0 }),
    retryBackoffMs: r.secondsList('retry_backoff', [1, 5, 30, 120]),
    // Long on purpose: a timeout aborts work whose side effects may be half
    // done and a retry repeats them, so it should only catch real hangs.
    callbackTimeoutMs: r.seconds('callback_timeout', { default: 300, min: 0 }),
    ignoreOwnEvents: r.bool('ignore_own_events', false),
    pluginBufferLimitMb: r.int('plugin_buffer_limit', { default: 1024, min: 0 }),
  };
}

/** A config file with no [shotgun] section at all: say what is there instead. */
function requireSiteSection(text: string, sections: Map<string, IniSection>, file: string): void {
  if (sections.has('shotgun')) return;
  if (text.trim() === '') {
    throw new ConfigError(`config file ${file} is empty: it needs a [shotgun] section with server, name and key (run without a config for demo mode)`, file, 'shotgun');
  }
  const others = [...sections.values()].filter((s) => s.name.toLowerCase() !== 'default');
  const near = others.find((s) => editDistance(s.name.toLowerCase(), 'shotgun') <= 2);
  const hint = near ? `; found [${near.name}] (in ${file}:${near.line}): a misspelling of [shotgun]?` : '';
  throw new ConfigError(`config file ${file} has no [shotgun] section: it needs server, name and key${hint}`, file, 'shotgun', undefined, near?.line);
}

function readShotgun(r: SectionReader): ShotgunConfig | null {
  const server = r.url('server');
  if (server === null) return null;
  const name = r.string('name');
  const key = r.string('key');
  if (!name) throw r.missing('name', 'the script name is required when server is set');
  if (!key) throw r.missing('key', 'the script key is required when server is set');
  const apiVersion = r.string('api_version') ?? 'v1.1';
  if (!isApiVersion(apiVersion)) r.fail('api_version', `expected ${API_VERSIONS.join(' or ')}`, apiVersion);
  return {
    server,
    name,
    key,
    proxyServer: r.string('proxy_server'),
    useSessionUuid: r.bool('use_session_uuid', true),
    apiVersion,
    timeoutMs: r.seconds('timeout', { default: 60, min: 1, max: 3600 }),
  };
}

function readEmails(r: SectionReader, warnings: string[]): EmailConfig | null {
  if (!r.bool('enabled', false)) {
    if (!r.has('enabled') && (r.has('server') || r.has('to'))) {
      warnings.push('[emails] has settings but no `enabled = true`; e-mail alerts are off');
    }
    return null;
  }
  const server = r.string('server');
  const from = r.string('from');
  const to = r.list('to');
  if (!server) throw r.missing('server', 'the SMTP server is required when e-mail is enabled');
  if (!from) throw r.missing('from', 'the sender address is required when e-mail is enabled');
  if (to.length === 0) throw r.missing('to', 'at least one recipient is required when e-mail is enabled');
  if (!from.includes('@')) r.fail('from', 'expected an e-mail address', from);
  for (const addr of to) if (!addr.includes('@')) r.fail('to', 'expected comma-separated e-mail addresses', addr);
  return {
    server,
    port: r.int('port', { default: 25, min: 1, max: 65535 }),
    from,
    to,
    subject: r.string('subject') ?? '[SG]',
    useTls: r.bool('useTLS', false),
    username: r.string('username'),
    password: r.string('password'),
  };
}

/** Typed, interpolating access to one section, with errors that name the key. */
class SectionReader {
  constructor(
    readonly name: string,
    private readonly section: IniSection | undefined,
    private readonly defaults: IniSection | undefined,
    private readonly file: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly baseDir: string,
  ) {}

  private entry(key: string): IniEntry | undefined {
    const id = key.toLowerCase();
    return this.section?.entries.get(id) ?? this.defaults?.entries.get(id);
  }

  has(key: string): boolean {
    return this.entry(key) !== undefined;
  }

  /** The interpolated, trimmed value; undefined when absent or empty (= default). */
  private value(key: string): string | undefined {
    const entry = this.entry(key);
    if (!entry) return undefined;
    let value: string;
    try {
      value = interpolate(entry.raw, {
        env: this.env,
        lookupKey: (name) => this.entry(name)?.raw,
      });
    } catch (err) {
      if (err instanceof InterpolationError) throw this.error(key, err.message);
      throw err;
    }
    value = value.trim();
    return value === '' ? undefined : value;
  }

  string(key: string): string | null {
    return this.value(key) ?? null;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.value(key);
    if (v === undefined) return fallback;
    const b = BOOLEANS[v.toLowerCase()];
    if (b === undefined) this.fail(key, 'expected true/false (also yes/no, on/off, 1/0)', v);
    return b;
  }

  int(key: string, o: { default: number; min: number; max?: number; what?: string }): number {
    const v = this.value(key);
    if (v === undefined) return o.default;
    const what = o.what ?? (o.max === undefined ? `a whole number >= ${o.min}` : `a whole number from ${o.min} to ${o.max}`);
    if (!/^[+-]?\d+$/.test(v)) this.fail(key, `expected ${what}`, v);
    const n = Number(v);
    if (n < o.min || (o.max !== undefined && n > o.max)) this.fail(key, `expected ${what}`, v);
    return n;
  }

  /** Seconds (fractions allowed) converted to milliseconds. */
  seconds(key: string, o: { default: number; min: number; max?: number }): number {
    const v = this.value(key);
    if (v === undefined) return Math.round(o.default * 1000);
    const s = parseSeconds(v);
    if (s === null) this.fail(key, 'expected a number of seconds', v);
    if (s < o.min || (o.max !== undefined && s > o.max)) {
      const range = o.max === undefined ? `at least ${o.min}` : `from ${o.min} to ${o.max}`;
      this.fail(key, `expected a number of seconds ${range}`, v);
    }
    return Math.round(s * 1000);
  }

  secondsList(key: string, fallback: number[]): number[] {
    const items = this.list(key);
    if (items.length === 0) return fallback.map((s) => s * 1000);
    return items.map((item) => {
      const s = parseSeconds(item);
      if (s === null) this.fail(key, 'expected a comma-separated list of seconds, e.g. "1, 5, 30, 120"', item);
      return Math.round(s * 1000);
    });
  }

  /** Comma list (newlines also separate, for continuation lines); empty items dropped. */
  list(key: string): string[] {
    const v = this.value(key);
    if (v === undefined) return [];
    return v.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== '');
  }

  path(key: string): string | null {
    const v = this.value(key);
    return v === undefined ? null : path.resolve(this.baseDir, expandHome(v));
  }

  paths(key: string): string[] {
    return this.list(key).map((p) => path.resolve(this.baseDir, expandHome(p)));
  }

  url(key: string): string | null {
    const v = this.value(key);
    if (v === undefined) return null;
    let url: URL | null;
    try {
      url = new URL(v);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      this.fail(key, 'expected the site URL, e.g. https://mystudio.shotgrid.autodesk.com', v);
    }
    return v.replace(/\/+$/, '');
  }

  logLevel(key: string, fallback: number): { name: LogLevel; value: number } {
    const v = this.value(key);
    let value = fallback;
    if (v !== undefined) {
      const named = LEVEL_NAMES[v.toLowerCase()];
      if (named !== undefined) value = named;
      else if (/^\d+$/.test(v) && Number(v) <= 50) value = Number(v);
      else this.fail(key, 'expected a log level: 10 debug, 20 info, 30 warning, 40 error, 50 critical', v);
    }
    const name: LogLevel =
      value <= 10 ? 'debug' : value <= 20 ? 'info' : value <= 30 ? 'warning' : value <= 40 ? 'error' : 'critical';
    return { name, value };
  }

  /** Throw "[section] key: <what>, got '<value>' (in file:line)". */
  fail(key: string, expected: string, got: string): never {
    const shown = SECRET_KEYS.has(key.toLowerCase()) ? '(hidden)' : `'${got}'`;
    throw this.error(key, `${expected}, got ${shown}`);
  }

  missing(key: string, why: string): ConfigError {
    return this.error(key, why);
  }

  private error(key: string, message: string): ConfigError {
    const entry = this.entry(key);
    const name = entry?.name ?? key;
    const where = entry ? `${this.file}:${entry.line}` : this.file;
    return new ConfigError(`[${this.name}] ${name}: ${message} (in ${where})`, this.file, this.name, name, entry?.line);
  }
}

function parseSeconds(v: string): number | null {
  return /^(\d+(\.\d*)?|\.\d+)$/.test(v) ? Number(v) : null;
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? path.join(homedir(), p.slice(1)) : p;
}

function checkUnknown(sections: Map<string, IniSection>, file: string, warnings: string[]): void {
  for (const [id, section] of sections) {
    if (id === 'default') continue; // [DEFAULT] holds fallbacks and %(name)s helpers
    const known = KNOWN_KEYS[id];
    if (!known) {
      warnings.push(`unknown section [${section.name}] (in ${file}:${section.line}), ignored`);
      continue;
    }
    const lower = new Set(known.map((k) => k.toLowerCase()));
    for (const [key, entry] of section.entries) {
      if (lower.has(key)) continue;
      const hint = suggest(entry.name, known);
      warnings.push(
        `unknown key [${section.name}] ${entry.name} (in ${file}:${entry.line}), ignored` +
          (hint ? `; did you mean ${hint}?` : ''),
      );
    }
  }
}

/** A known key that differs only by case/underscores or by a small typo. */
function suggest(name: string, known: readonly string[]): string | null {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  let best: string | null = null;
  let bestDistance = 3;
  for (const k of known) {
    const d = norm(k) === norm(name) ? 0 : editDistance(norm(k), norm(name));
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

function isApiVersion(v: string): v is ApiVersion {
  return (API_VERSIONS as readonly string[]).includes(v);
}
