// The typed result of reading a config file, and the one error it can throw.
// Kept apart from the reader (config.ts) so that modules needing only the shape
// of a config (engine, cli, mailer) do not pull in the INI machinery.

import type { ApiVersion } from '../shotgun/client-options.js';

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
