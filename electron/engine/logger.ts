// One named logger (`engine`, `plugin.<name>`, `plugin.<name>.<callback>`): its level,
// Python-style formatting of each call, and the call site for error e-mails. Records go
// to the sinks that createLogging (logging.ts) wires up.

import { fileURLToPath } from 'node:url';
import { formatMessage } from './log-format.js';
import { CRITICAL, DEBUG, ERROR, INFO, parseLevel, WARNING } from './log-levels.js';

/** A record made elsewhere (e.g. in a plugin's worker) and handed over already formatted. */
export interface LogRecordInput {
  level: number;
  message: string;
  /** Epoch milliseconds; default now. */
  time?: number;
  eventId?: number;
  /** Where it was logged from, for the error e-mail. */
  path?: string;
  func?: string;
  line?: number;
}

export interface Logger {
  readonly name: string;
  /** This logger's own level; 0 = not set (follows its parent: a callback follows its plugin). */
  readonly level: number;
  setLevel(level: number | string): void;
  getEffectiveLevel(): number;
  isEnabledFor(level: number): boolean;
  /**
   * Log at `level`. With arguments, `%s %d %i %f %r %%` (and `%(key)s` with one
   * object argument) are filled in as Python's logging does; arguments left over
   * are appended. An Error is written with its stack.
   */
  log(level: number, message: unknown, ...args: unknown[]): void;
  debug(message: unknown, ...args: unknown[]): void;
  info(message: unknown, ...args: unknown[]): void;
  warning(message: unknown, ...args: unknown[]): void;
  warn(message: unknown, ...args: unknown[]): void;
  error(message: unknown, ...args: unknown[]): void;
  critical(message: unknown, ...args: unknown[]): void;
  /** ERROR, with the stack of the last Error among the arguments appended (Python's logger.exception). */
  exception(message: unknown, ...args: unknown[]): void;
  /** Write a ready-made record (level filtering still applies). */
  write(record: LogRecordInput): void;
  /** The same logger, stamping `eventId` on its lines (LogLine.eventId). */
  forEvent(eventId: number | undefined): Logger;
}

export interface LoggerCore {
  name: string;
  level: number;
  parent: LoggerCore | null;
  plugin?: string;
  callback?: string;
}

export interface EmitOptions {
  eventId?: number;
  time?: number;
  source?: { path?: string; func?: string; line?: number };
  console?: boolean;
  /** The line was written by plugin code (LoggerImpl.write), not by the engine about the plugin. */
  fromPlugin?: boolean;
}

const THIS_FILE = fileURLToPath(import.meta.url);

export class LoggerImpl implements Logger {
  constructor(
    private readonly core: LoggerCore,
    private readonly emit: (core: LoggerCore, level: number, message: string, o?: EmitOptions) => void,
    private readonly wantsSource: (level: number) => boolean,
    private readonly eventId?: number,
  ) {}

  get name(): string {
    return this.core.name;
  }

  get level(): number {
    return this.core.level;
  }

  setLevel(level: number | string): void {
    this.core.level = parseLevel(level);
  }

  getEffectiveLevel(): number {
    for (let c: LoggerCore | null = this.core; c; c = c.parent) if (c.level > 0) return c.level;
    return WARNING;
  }

  isEnabledFor(level: number): boolean {
    return level >= this.getEffectiveLevel();
  }

  log(level: number, message: unknown, ...args: unknown[]): void {
    if (!this.isEnabledFor(level)) return;
    this.emit(this.core, level, formatMessage(message, args), this.options(level));
  }

  debug(message: unknown, ...args: unknown[]): void {
    this.log(DEBUG, message, ...args);
  }

  info(message: unknown, ...args: unknown[]): void {
    this.log(INFO, message, ...args);
  }

  warning(message: unknown, ...args: unknown[]): void {
    this.log(WARNING, message, ...args);
  }

  warn(message: unknown, ...args: unknown[]): void {
    this.log(WARNING, message, ...args);
  }

  error(message: unknown, ...args: unknown[]): void {
    this.log(ERROR, message, ...args);
  }

  critical(message: unknown, ...args: unknown[]): void {
    this.log(CRITICAL, message, ...args);
  }

  exception(message: unknown, ...args: unknown[]): void {
    if (!this.isEnabledFor(ERROR)) return;
    let text = formatMessage(message, args);
    const err = [message, ...args].reverse().find((a): a is Error => a instanceof Error);
    if (err?.stack && !text.includes(err.stack)) text += `\n${err.stack}`;
    this.emit(this.core, ERROR, text, this.options(ERROR));
  }

  write(record: LogRecordInput): void {
    if (!this.isEnabledFor(record.level)) return;
    const o: EmitOptions = { fromPlugin: true };
    const eventId = record.eventId ?? this.eventId;
    if (eventId !== undefined) o.eventId = eventId;
    if (record.time !== undefined) o.time = record.time;
    if (record.path !== undefined || record.func !== undefined || record.line !== undefined) {
      o.source = {};
      if (record.path !== undefined) o.source.path = record.path;
      if (record.func !== undefined) o.source.func = record.func;
      if (record.line !== undefined) o.source.line = record.line;
    }
    this.emit(this.core, record.level, String(record.message), o);
  }

  forEvent(eventId: number | undefined): Logger {
    return new LoggerImpl(this.core, this.emit, this.wantsSource, eventId);
  }

  private options(level: number): EmitOptions {
    const o: EmitOptions = {};
    if (this.eventId !== undefined) o.eventId = this.eventId;
    if (this.wantsSource(level)) {
      const source = callerSource();
      if (source) o.source = source;
    }
    return o;
  }
}
/** The first stack frame outside this file (where LoggerImpl lives): the call site, for error e-mails. */
function callerSource(): { path: string; func: string; line: number } | undefined {
  const lines = new Error().stack?.split('\n').slice(1) ?? [];
  for (const l of lines) {
    const m = /^\s*at (?:(.+?) \()?(.+?):(\d+):\d+\)?$/.exec(l);
    if (!m || !m[2]) continue;
    let file = m[2];
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch {
        // keep the URL
      }
    }
    if (file === THIS_FILE || file.startsWith('node:')) continue;
    return { path: file, func: m[1] ?? '<module>', line: Number(m[3]) };
  }
  return undefined;
}
