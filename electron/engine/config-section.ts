// Typed, interpolating access to one INI section of the config file. Every
// converter (bool, seconds, paths, log level...) throws a ConfigError naming
// the file, line, section and key, and never echoes a secret value.

import { homedir } from 'node:os';
import path from 'node:path';
import { ConfigError, type LogLevel } from './config-types.js';
import { InterpolationError, interpolate, type IniEntry, type IniSection } from './configparser.js';

/** Values never echoed in error messages. */
const SECRET_KEYS = new Set(['key', 'password']);

const BOOLEANS: Record<string, boolean> = {
  '1': true,
  yes: true,
  true: true,
  on: true,
  '0': false,
  no: false,
  false: false,
  off: false,
};

const LEVEL_NAMES: Record<string, number> = {
  debug: 10,
  info: 20,
  warning: 30,
  warn: 30,
  error: 40,
  critical: 50,
  fatal: 50,
};

/** Typed, interpolating access to one section, with errors that name the key. */
export class SectionReader {
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
    return v
      .split(/[,\n]/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
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
    const name: LogLevel = value <= 10 ? 'debug' : value <= 20 ? 'info' : value <= 30 ? 'warning' : value <= 40 ? 'error' : 'critical';
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

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? path.join(homedir(), p.slice(1)) : p;
}
