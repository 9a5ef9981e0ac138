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
import path from 'node:path';
import { API_VERSIONS, type ApiVersion } from '../shotgun/client-options.js';
import { checkUnknown, editDistance } from './config-keys.js';
import { expandHome, SectionReader } from './config-section.js';
import { ConfigError, type DaemonConfig, type EmailConfig, type EngineConfig, type ShotgunConfig } from './config-types.js';
import { IniSyntaxError, parseIni, type IniSection } from './configparser.js';

// Many modules import the config's types from here; config-types.ts holds them.
export { ConfigError } from './config-types.js';
export type { DaemonConfig, EmailConfig, EngineConfig, LogLevel, ShotgunConfig } from './config-types.js';

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
    throw reader('shotgun').missing(
      'server',
      'the site URL is required, e.g. https://mystudio.shotgrid.autodesk.com (an empty server does not mean demo mode: run without a config for that)',
    );
  }
  const plugins = { paths: reader('plugins').paths('paths'), python: reader('plugins').string('python') ?? 'python3' };
  const emails = readEmails(reader('emails'), warnings);
  return { path: file, daemon, shotgun, plugins, emails, warnings };
}

function readDaemon(r: SectionReader, baseDir: string): DaemonConfig {
  const eventIdFile = r.path('eventIdFile');
  const stateFile = eventIdFile ? (eventIdFile.endsWith('.json') ? eventIdFile : `${eventIdFile}.json`) : path.join(baseDir, DEFAULT_STATE_FILE);
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
    pluginBufferLimitMb: r.int('plugin_buffer_limit', { default: 512, min: 0 }),
  };
}

/** A config file with no [shotgun] section at all: say what is there instead. */
function requireSiteSection(text: string, sections: Map<string, IniSection>, file: string): void {
  if (sections.has('shotgun')) return;
  if (text.trim() === '') {
    throw new ConfigError(
      `config file ${file} is empty: it needs a [shotgun] section with server, name and key (run without a config for demo mode)`,
      file,
      'shotgun',
    );
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

function isApiVersion(v: string): v is ApiVersion {
  return (API_VERSIONS as readonly string[]).includes(v);
}
