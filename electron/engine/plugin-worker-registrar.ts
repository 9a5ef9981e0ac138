// The `reg` a plugin's registerCallbacks gets: registerCallback (its arguments validated, with
// errors that name the callback and the fix) and setEmails. docs/plugins.md describes the API.

import type { Shotgun } from '../shotgun/client.js';
import type { EventLogEntry } from '../shotgun/types.js';
import { compileMatch } from './match.js';
import type { CallbackContext, MatchEvents, PluginLogger, Registrar } from './plugin-api.js';
import type { CallbackInfo } from './plugin-protocol.js';

export type Invoke = (sg: Shotgun, event: EventLogEntry, args: unknown, ctx: CallbackContext) => unknown;

export interface Registered<N, C> {
  info: CallbackInfo;
  invoke: Invoke;
  args: unknown;
  scriptName: string;
  scriptKey: string;
  client: C;
  logNode: N;
}

const OPTION_KEYS = new Set(['matchEvents', 'stopOnError', 'timeoutMs', 'name']);
const MAX_TIMEOUT_MS = 2_147_483_647; // setTimeout's limit (~24.8 days)

function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return `a function`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object (${(Object.getPrototypeOf(v) as object | null)?.constructor?.name ?? 'null prototype'})`;
  return `${typeof v} ${String(v)}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** `{ 'Shotgun_Task_Change': ['sg_status_list'], '*': null }`: event-type keys, field-list/null/'*' values. */
function looksLikeMatchEvents(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const entries = Object.entries(v);
  return (
    entries.length > 0 &&
    entries.every(
      ([k, val]) =>
        (k === '*' || /^Shotgun_\w+_\w+$/.test(k)) &&
        (val === null || val === '*' || (Array.isArray(val) && val.every((f) => typeof f === 'string'))),
    )
  );
}

function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/** What a registrar fills in and uses (the worker's callbacks, loggers and clients). */
export interface RegistrarEnv<N, C> {
  callbacks: Array<Registered<N, C>>;
  /** `timeout` of the plugin's config: a callback's timeoutMs overrides it. */
  defaultTimeoutMs: number;
  logger: PluginLogger;
  logNode(callbackName: string): N;
  client(scriptName: string, scriptKey: string): C;
  setEmails(v: string[] | boolean): void;
}

export function makeRegistrar<N, C>(env: RegistrarEnv<N, C>): { reg: Registrar; close(): void } {
  let open = true;
  const closedError = (what: string) =>
    new Error(
      `reg.${what} was called after registerCallbacks returned; call it while registerCallbacks runs ` + `(an async registerCallbacks is awaited)`,
    );

  const registerCallback = (...a: unknown[]): void => {
    if (!open) throw closedError('registerCallback');
    const n = env.callbacks.length + 1;
    const where = `registerCallback #${n}`;
    const [scriptName, scriptKey, callback, args, options] = a;
    if (typeof scriptName !== 'string' || scriptName.trim() === '') {
      throw new TypeError(`${where}: scriptName must be a non-empty string (the ShotGrid script's name), got ${show(scriptName)}`);
    }
    if (typeof scriptKey !== 'string' || scriptKey.trim() === '') {
      // The value is not shown: it may be a key in the wrong type.
      const got = typeof scriptKey === 'string' ? 'an empty string' : scriptKey === null ? 'null' : typeof scriptKey;
      throw new TypeError(`${where}: scriptKey must be a non-empty string (the script's application key), got ${got}`);
    }
    let invoke: Invoke;
    let baseName: string;
    if (typeof callback === 'function') {
      if (isClass(callback)) {
        throw new TypeError(
          `${where}: callback is the class ${callback.name || '(anonymous)'}; pass an instance (new ${callback.name || 'X'}(...)) whose handle(sg, event, args, ctx) method is called`,
        );
      }
      const fn = callback as Invoke;
      invoke = (sg, ev, ar, ctx) => fn(sg, ev, ar, ctx);
      baseName = fn.name.replace(/^bound /, '');
    } else if (callback !== null && typeof callback === 'object' && typeof (callback as { handle?: unknown }).handle === 'function') {
      const obj = callback as { handle: Invoke };
      invoke = (sg, ev, ar, ctx) => obj.handle(sg, ev, ar, ctx);
      const ctor = (Object.getPrototypeOf(obj) as { constructor?: { name?: string } } | null)?.constructor?.name;
      baseName = ctor && ctor !== 'Object' ? ctor : '';
    } else {
      throw new TypeError(
        `${where}: callback must be a function (sg, event, args, ctx) or an object with a handle(sg, event, args, ctx) method, got ${show(callback)}`,
      );
    }

    if (options !== undefined && options !== null && !isPlainObject(options)) {
      throw new TypeError(`${where}: options must be an object like { matchEvents, stopOnError, timeoutMs, name }, got ${show(options)}`);
    }
    const opts = options ?? {};
    for (const key of Object.keys(opts)) {
      if (!OPTION_KEYS.has(key)) {
        throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}; the options are matchEvents, stopOnError, timeoutMs and name`);
      }
    }
    if (opts.name !== undefined && (typeof opts.name !== 'string' || opts.name.trim() === '')) {
      throw new TypeError(`${where}: options.name must be a non-empty string, got ${show(opts.name)}`);
    }
    const name = uniqueName(opts.name?.trim() || baseName || `callback${n}`);
    if (opts.stopOnError !== undefined && typeof opts.stopOnError !== 'boolean') {
      throw new TypeError(`${where} (${name}): options.stopOnError must be true or false, got ${show(opts.stopOnError)}`);
    }
    let timeoutMs = env.defaultTimeoutMs;
    if (opts.timeoutMs !== undefined) {
      const t = opts.timeoutMs;
      if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > MAX_TIMEOUT_MS) {
        throw new TypeError(
          `${where} (${name}): options.timeoutMs must be a positive number of milliseconds (at most ${MAX_TIMEOUT_MS}), got ${show(t)}`,
        );
      }
      timeoutMs = Math.ceil(t);
    }
    let matchEvents: MatchEvents | null = null;
    try {
      compileMatch(opts.matchEvents);
    } catch (e) {
      throw new TypeError(`Invalid matchEvents for callback ${name} (${where}): ${(e as Error).message}`, { cause: e });
    }
    if (opts.matchEvents !== undefined && opts.matchEvents !== null) {
      // Validated: only strings, string lists and nulls. A plain copy crosses to the host.
      matchEvents = JSON.parse(JSON.stringify(opts.matchEvents, (_k, v: unknown) => (v === undefined ? null : v))) as MatchEvents;
    }
    if (opts.matchEvents === undefined && looksLikeMatchEvents(args)) {
      // The original's order is (name, key, callback, matchEvents, args): a line-by-line port
      // passes its filter as args, and the callback would get every event (docs/plugins.md).
      throw new TypeError(
        `${where} (${name}): the 4th argument looks like a matchEvents map (${JSON.stringify(args).slice(0, 120)}) but it is args, ` +
          'and no options.matchEvents is given, so the callback would receive every event. The order here is ' +
          'registerCallback(scriptName, scriptKey, callback, args, { matchEvents }) (the Python original had matchEvents 4th): ' +
          `write registerCallback(..., callback, null, { matchEvents: ${JSON.stringify(args).slice(0, 120)} })`,
      );
    }
    if (options === undefined && isPlainObject(args) && ('matchEvents' in args || 'stopOnError' in args)) {
      env.logger.warning(
        `${where} (${name}): args has a ${'matchEvents' in args ? 'matchEvents' : 'stopOnError'} key but there are no options; ` +
          `options are the 5th argument: registerCallback(name, key, callback, args, { matchEvents })`,
      );
    }

    const stopOnError = opts.stopOnError === undefined ? true : opts.stopOnError;
    env.callbacks.push({
      info: { index: env.callbacks.length, name, scriptName, scriptKey, matchEvents, stopOnError, timeoutMs },
      invoke,
      args,
      scriptName,
      scriptKey,
      client: env.client(scriptName, scriptKey),
      logNode: env.logNode(name),
    });
  };

  const setEmails = (...a: unknown[]): void => {
    if (!open) throw closedError('setEmails');
    const list = a.length === 1 && Array.isArray(a[0]) ? (a[0] as unknown[]) : a;
    if (list.length === 0) {
      env.setEmails(false);
      return;
    }
    if (list.length === 1 && typeof list[0] === 'boolean') {
      env.setEmails(list[0]);
      return;
    }
    const out: string[] = [];
    for (const [i, v] of list.entries()) {
      if (typeof v === 'boolean') {
        throw new TypeError(
          `setEmails: true or false must be the only argument (true = the default recipients, false = none); got ${show(v)} at position ${i + 1} among addresses`,
        );
      }
      if (typeof v !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(v.trim())) {
        throw new TypeError(`setEmails: ${show(v)} is not an e-mail address (position ${i + 1})`);
      }
      out.push(v.trim());
    }
    env.setEmails(out);
  };

  const reg: Registrar = Object.freeze({
    logger: env.logger,
    getLogger: () => env.logger,
    setEmails,
    registerCallback,
  });
  return {
    reg,
    close: () => {
      open = false;
    },
  };
}

const usedNames = new Set<string>();
function uniqueName(base: string): string {
  let name = base;
  for (let k = 2; usedNames.has(name); k++) name = `${base}#${k}`;
  usedNames.add(name);
  return name;
}
