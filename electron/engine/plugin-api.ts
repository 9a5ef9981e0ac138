// The plugin API: what a plugin file sees (docs/plugins.md). A plugin is a .js, .mjs, .cjs or
// .ts file that exports `registerCallbacks(reg)` (or a default export object holding it).
// It runs in its own worker thread (plugin-worker.ts), so everything here is either a type
// or a tiny helper with no dependency on the engine.
//
//   import type { Registrar, CallbackContext, EventLogEntry, Shotgun } from 'shotgun-events';
//
//   export function registerCallbacks(reg: Registrar) {
//     reg.registerCallback('scriptName', 'scriptKey', onEvent, { any: 'args' },
//                          { matchEvents: { Shotgun_Task_Change: ['sg_status_list'] } });
//   }
//   async function onEvent(sg: Shotgun, event: EventLogEntry, args: unknown, ctx: CallbackContext) {
//     ctx.logger.info(`event ${event.id}`);
//   }
//
// Differences from the Python daemon's API (docs/plugins.md, "Migrating a Python plugin"):
// - registerCallback(scriptName, scriptKey, callback, args?, options?): matchEvents and
//   stopOnError moved into `options` (with timeoutMs and name).
// - the callback is (sg, event, args, ctx) instead of (sg, logger, event, args); the logger
//   is ctx.logger. A "callable object" (the Python `__call__` instance) is an object with a
//   handle(sg, event, args, ctx) method.
// - `sg` is created on first use (the original connected at registration, so a plugin went
//   inactive when the site was unreachable during a load).
// - setEmails(true) / setEmails(false) work as documented (the original turned them into
//   the recipient list (True,)).

import type { Shotgun } from '../shotgun/client.js';
import type { EventLogEntry } from '../shotgun/types.js';

export type { Shotgun } from '../shotgun/client.js';
export type { Entity, EntityRecord, EventLogEntry } from '../shotgun/types.js';

/**
 * Which events a callback wants: event type → attribute names, as in the original daemon.
 * `null` (or '*') accepts any attribute; a key may be '*' or a glob ('Shotgun_*_Change').
 * Validated at registration (see match.ts for the exact rules).
 */
export type MatchEvents = Record<string, string | readonly string[] | null>;

/** Python logging levels. */
export const LogLevel = {
  NOTSET: 0,
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
} as const;

export type LogLevelName = 'debug' | 'info' | 'warning' | 'error' | 'critical';
/** What setLevel accepts: a number as in Python logging (10/20/30/40/50) or a name. */
export type LogLevelInput =
  number | LogLevelName | 'notset' | 'warn' | 'fatal' | 'DEBUG' | 'INFO' | 'WARNING' | 'WARN' | 'ERROR' | 'CRITICAL' | 'FATAL' | 'NOTSET';

/**
 * A plugin's logger (`plugin.<name>`) or a callback's (`plugin.<name>.<callback>`). Lines go
 * to the engine's logs and the UI. Messages are formatted like console.log / util.format,
 * so the Python habit `logger.info('event %s', id)` works.
 */
export interface PluginLogger {
  readonly name: string;
  /** The level set on this logger (0 = not set: the parent's level applies). */
  readonly level: number;
  debug(message: unknown, ...args: unknown[]): void;
  info(message: unknown, ...args: unknown[]): void;
  warning(message: unknown, ...args: unknown[]): void;
  warn(message: unknown, ...args: unknown[]): void;
  error(message: unknown, ...args: unknown[]): void;
  critical(message: unknown, ...args: unknown[]): void;
  /** A number (10 debug, 20 info, 30 warning, 40 error, 50 critical; 0 = inherit) or a name. */
  setLevel(level: LogLevelInput): void;
  /** The level in force (this logger's, else its parent's, else the daemon's). */
  getEffectiveLevel(): number;
  isEnabledFor(level: LogLevelInput): boolean;
  /** `<this name>.<suffix>`, inheriting this logger's level. */
  getChild(suffix: string): PluginLogger;
}

/** The fourth argument of every callback. */
export interface CallbackContext {
  /** The callback's logger; lines are tagged with this event's id. */
  readonly logger: PluginLogger;
  /**
   * Aborted when the callback runs past its timeout, or when the daemon shuts down. Pass it
   * on (e.g. `sg.find(..., { signal: ctx.signal })`, `fetch(url, { signal })`) or check it in
   * long loops: a callback that stops within ~1 s of the abort keeps its worker (and module
   * state); one that does not is terminated with its worker.
   */
  readonly signal: AbortSignal;
  /** true for a gap-filler: an event with a lower id delivered after later events. */
  readonly late: boolean;
  /** 1 on the first try, 2+ when the engine retries this event. */
  readonly attempt: number;
  /** The plugin's name (its file name without extension). */
  readonly plugin: string;
  /** This callback's name. */
  readonly callback: string;
}

/** A callback as a function: (sg, event, args, ctx). Its return value is awaited and ignored. */
// `any` for args by default: plugins type their own args, e.g. Callback<{ field: string }>.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CallbackFunction<A = any> = (sg: Shotgun, event: EventLogEntry, args: A, ctx: CallbackContext) => unknown;

/** A "callable object" (Python's instance with `__call__`): its handle method is called. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface CallbackObject<A = any> {
  handle(sg: Shotgun, event: EventLogEntry, args: A, ctx: CallbackContext): unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Callback<A = any> = CallbackFunction<A> | CallbackObject<A>;

export interface RegisterOptions {
  /** Which events to deliver; omitted or null = every event. */
  matchEvents?: MatchEvents | null;
  /**
   * true (default): a failure holds the whole plugin at that event (retried with backoff,
   * then it waits for the user). false: the failure is recorded and the next event runs.
   */
  stopOnError?: boolean;
  /** This callback's time limit per event, overriding the daemon's default. */
  timeoutMs?: number;
  /** The callback's name in logs and the UI (default: the function's or class's name). */
  name?: string;
}

/** What `registerCallbacks` receives. */
export interface Registrar {
  /** The plugin's logger, `plugin.<name>`. */
  readonly logger: PluginLogger;
  getLogger(): PluginLogger;
  /**
   * Who gets this plugin's error e-mails: `true` = the config's default recipients (the
   * default), `false` = none, or addresses: setEmails('a@x.com', 'b@x.com').
   */
  setEmails(...emails: Array<string | boolean> | [boolean]): void;
  /**
   * Register a callback run for each matching event, as script `scriptName` (its `sg` is
   * authenticated with scriptName/scriptKey). `args` is passed unchanged to every call (the
   * same object each time, so it can hold state). Callbacks run in registration order.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  registerCallback<A = any>(scriptName: string, scriptKey: string, callback: Callback<A>, args?: A, options?: RegisterOptions): void;
}

/** What a plugin module exports. */
export interface PluginModule {
  registerCallbacks(reg: Registrar): void | Promise<void>;
}

/**
 * Optional typing helper: `export default definePlugin((reg) => { ... })`. The same as
 * exporting `registerCallbacks` yourself.
 */
export function definePlugin(register: (reg: Registrar) => void | Promise<void>): PluginModule {
  return { registerCallbacks: register };
}

/** A level number from a number or a name; throws a TypeError for anything else. */
export function toLogLevel(level: unknown): number {
  if (typeof level === 'number') {
    if (Number.isInteger(level) && level >= 0) return level;
  } else if (typeof level === 'string') {
    const n = LEVEL_NAMES[level.trim().toLowerCase()];
    if (n !== undefined) return n;
    if (/^\d+$/.test(level.trim())) return Number(level.trim());
  }
  throw new TypeError(`Unknown log level ${JSON.stringify(level)}: use 10/20/30/40/50 or debug, info, warning, error, critical`);
}

const LEVEL_NAMES: Record<string, number> = {
  notset: 0,
  debug: 10,
  info: 20,
  warn: 30,
  warning: 30,
  error: 40,
  critical: 50,
  fatal: 50,
};

/** The name a level is shown with: the highest named level at or below it. */
export function logLevelName(level: number): LogLevelName {
  if (level >= 50) return 'critical';
  if (level >= 40) return 'error';
  if (level >= 30) return 'warning';
  if (level >= 20) return 'info';
  return 'debug';
}
