// Engine and plugin logging, following the original daemon (see
// docs/engine.md, "Logging") with its bugs fixed:
//
// - Loggers `engine`, `plugin.<name>` and `plugin.<name>.<callback>`, with
//   Python's numeric levels (10 DEBUG ... 50 CRITICAL). A callback logger has
//   no level of its own until set: it follows its plugin's logger, so a plugin
//   calling `reg.logger.setLevel(10)` turns on DEBUG for its callbacks too.
// - Console (foreground): `LEVEL:logger:message` on stdout.
// - Files, `%(asctime)s - %(name)s - %(levelname)s - %(message)s`, rotated at
//   local midnight keeping 10 backups (log-file.ts). logMode 0: everything in
//   `<logPath>/<logFile>`; logMode 1: the engine there and each plugin (with
//   its callbacks) in `<logPath>/plugin.<name>`.
// - Timing (`timing_log`): `<logFile>.timing`, one line per callback run
//   (timing.ts). Unlike the original, timing lines are written whatever the
//   log level, and are not copied into the main log in logMode 0.
// - The UI: every record that passes its logger's level goes to `onLine`.
// - E-mail (mailer.ts): ERROR and above from the engine and plugin loggers,
//   throttled; per-plugin recipients via setPluginEmails (true / false /
//   addresses, which the original's setEmails got wrong).

import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { RotatingLogFile } from './log-file.js';
import { Mailer, type EmailSettings, type MailRecord } from './mailer.js';
import { formatAsctime, formatTimingMessage, type TimingRecord } from './timing.js';
import { ERROR, levelName, parseLevel, WARNING } from './log-levels.js';
import { LoggerImpl, type EmitOptions, type Logger, type LoggerCore } from './logger.js';

export { formatDuration, formatAsctime, type TimingRecord } from './timing.js';
export type { EmailSettings } from './mailer.js';
// The engine (engine.ts, plugin-lifecycle.ts) takes parseLevel and the Logger type from here, with the rest of logging.
export { parseLevel } from './log-levels.js';
export type { Logger, LogRecordInput } from './logger.js';

/** One log record as the UI's live log receives it. */
export interface LogLine {
  /** Epoch milliseconds. */
  time: number;
  level: number;
  levelName: string;
  /** `engine`, `plugin.<name>` or `plugin.<name>.<callback>`. */
  logger: string;
  message: string;
  plugin?: string;
  callback?: string;
  eventId?: number;
}

export interface LoggingOptions {
  /** 0 = one file for everything; 1 = engine file plus `plugin.<name>` per plugin. */
  logMode: 0 | 1;
  /** Folder for the log files; created when missing. */
  logPath?: string | null;
  /** Main log file, relative to logPath (or absolute). None = no log files at all. */
  logFile?: string | null;
  /** Level of the engine and plugin loggers (Python numbers). */
  level: number;
  /** Also write `LEVEL:logger:message` lines to stdout (foreground mode). */
  console: boolean;
  /** Write `<logFile>.timing`. */
  timingLog: boolean;
  /** null = no e-mail alerts. */
  emails: EmailSettings | null;
  /** Every record that passes its logger's level (the UI's live log). */
  onLine?: (line: LogLine) => void;
  /** Console sink (default process.stdout). */
  stdout?: (text: string) => void;
  /** Where the logging system's own problems go (default process.stderr). */
  stderr?: (text: string) => void;
  /** Rotated files kept per log file (default 10). */
  backups?: number;
  /** Mail gathering delay before the first mail of a burst (ms, default 2000). */
  mailGatherMs?: number;
}

export interface Logging {
  readonly engine: Logger;
  /** Logger `plugin.<name>` (one per name). */
  plugin(name: string): Logger;
  /** Logger `plugin.<plugin>.<callback>`. */
  callback(plugin: string, callback: string): Logger;
  /** One timing line (when timingLog is on and there is a log file). */
  timing(record: TimingRecord): void;
  /**
   * Who gets a plugin's error mails: `true` or null = the config's `to`,
   * `false` = nobody, a list = those addresses (an empty list = nobody).
   */
  setPluginEmails(plugin: string, recipients: readonly string[] | boolean | null): void;
  /** The file a plugin's lines go to (null without log files). */
  pluginLogFile(plugin: string): string | null;
  /** Closes a plugin's own log file (logMode 1) after it is unloaded; it reopens if the plugin logs again. */
  closePluginFile(plugin: string): Promise<void>;
  /** Resolves when every line so far is written and the mails being sent are sent. */
  flush(): Promise<void>;
  /** Sends pending mail digests, writes everything queued, closes the files. */
  close(): Promise<void>;
  readonly mainLogFile: string | null;
  readonly timingLogFile: string | null;
}

export function createLogging(opts: LoggingOptions): Logging {
  const configLevel = parseLevel(opts.level);
  const stdout = opts.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = opts.stderr ?? ((text: string) => void process.stderr.write(text));

  // ---- files
  let mainFile: string | null = null;
  let fileDir: string | null = null;
  if (opts.logFile) {
    const base = opts.logPath ? path.resolve(opts.logPath) : process.cwd();
    mainFile = path.resolve(base, opts.logFile);
    fileDir = opts.logPath ? base : path.dirname(mainFile);
    ensureDir(fileDir);
    ensureDir(path.dirname(mainFile));
  } else if (opts.logPath) {
    ensureDir(path.resolve(opts.logPath));
  }
  const timingFile = opts.timingLog && mainFile ? `${mainFile}.timing` : null;
  const files = new Map<string, RotatingLogFile>();
  const fileFor = (file: string): RotatingLogFile => {
    let f = files.get(file);
    if (!f) {
      f = new RotatingLogFile(file, { stderr, ...(opts.backups ? { backups: opts.backups } : {}) });
      files.set(file, f);
    }
    return f;
  };
  const pluginFile = (plugin: string): string | null => {
    if (!mainFile || !fileDir) return null;
    if (opts.logMode === 0) return mainFile;
    return path.join(fileDir, `plugin.${plugin.replace(/[/\\]/g, '_')}`);
  };

  // ---- mail
  const pluginRecipients = new Map<string, readonly string[] | false>();
  let logWarning: (message: string) => void = () => {};
  const mailer = opts.emails
    ? new Mailer(opts.emails, {
        stderr,
        onFailure: (note) => logWarning(note),
        ...(opts.mailGatherMs !== undefined ? { gatherMs: opts.mailGatherMs } : {}),
      })
    : null;
  const recipientsFor = (core: LoggerCore): readonly string[] => {
    if (!opts.emails) return [];
    if (!core.plugin) return opts.emails.to;
    const r = pluginRecipients.get(core.plugin);
    if (r === undefined) return opts.emails.to;
    return r === false ? [] : r;
  };

  // ---- emitting
  let closed = false;
  let onLineBroken = false;
  const emit = (core: LoggerCore, level: number, message: string, o: EmitOptions = {}): void => {
    const time = o.time ?? Date.now();
    const name = levelName(level);
    // A plugin's per-event chatter (INFO and below about one event, from the plugin's own code)
    // would drown the terminal at any real rate: it goes to the UI and the log files only
    // (docs/engine.md, Logging). The engine's own lines about a plugin (holds, recoveries) stay.
    const perEventChatter = o.fromPlugin === true && core.plugin !== undefined && level < WARNING && o.eventId !== undefined;
    if (opts.console && o.console !== false && !perEventChatter) {
      try {
        stdout(`${name}:${core.name}:${message}\n`);
      } catch {
        // a closed stdout must not stop the engine
      }
    }
    if (!closed && mainFile) {
      const file = core.plugin ? pluginFile(core.plugin) : mainFile;
      if (file) fileFor(file).write(`${formatAsctime(time)} - ${core.name} - ${name} - ${message}\n`);
    }
    if (opts.onLine) {
      const line: LogLine = { time, level, levelName: name, logger: core.name, message };
      if (core.plugin !== undefined) line.plugin = core.plugin;
      if (core.callback !== undefined) line.callback = core.callback;
      if (o.eventId !== undefined) line.eventId = o.eventId;
      try {
        opts.onLine(line);
      } catch (err) {
        if (!onLineBroken) {
          onLineBroken = true;
          stderr(`shotgun-events: the live log listener failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
    }
    if (mailer && level >= ERROR) {
      const recipients = recipientsFor(core);
      if (recipients.length > 0) {
        const record: MailRecord = { time, level, levelName: name, logger: core.name, message };
        if (o.source?.path) record.path = o.source.path;
        if (o.source?.func) record.func = o.source.func;
        if (o.source?.line !== undefined) record.line = o.source.line;
        mailer.send(recipients, record);
      }
    }
  };

  // ---- loggers
  const root: LoggerCore = { name: 'root', level: configLevel, parent: null };
  const engineCore: LoggerCore = { name: 'engine', level: configLevel, parent: root };
  const pluginCores = new Map<string, LoggerCore>();
  const callbackCores = new Map<string, LoggerCore>();
  const pluginCore = (name: string): LoggerCore => {
    let core = pluginCores.get(name);
    if (!core) {
      core = { name: `plugin.${name}`, level: configLevel, parent: root, plugin: name };
      pluginCores.set(name, core);
    }
    return core;
  };
  const wantsSource = (level: number) => mailer !== null && level >= ERROR;
  const engine = new LoggerImpl(engineCore, emit, wantsSource);
  logWarning = (message) => emit(engineCore, WARNING, message, { console: false });

  return {
    engine,
    plugin: (name) => new LoggerImpl(pluginCore(name), emit, wantsSource),
    callback: (plugin, callback) => {
      const key = `${plugin}\n${callback}`;
      let core = callbackCores.get(key);
      if (!core) {
        core = { name: `plugin.${plugin}.${callback}`, level: 0, parent: pluginCore(plugin), plugin, callback };
        callbackCores.set(key, core);
      }
      return new LoggerImpl(core, emit, wantsSource);
    },
    timing(record) {
      if (!timingFile || closed) return;
      fileFor(timingFile).write(`${formatAsctime(Date.now())} - timing - INFO - ${formatTimingMessage(record)}\n`);
    },
    setPluginEmails(plugin, recipients) {
      if (recipients === true || recipients === null || recipients === undefined) {
        pluginRecipients.delete(plugin);
      } else if (recipients === false) {
        pluginRecipients.set(plugin, false);
      } else if (Array.isArray(recipients)) {
        const list = recipients.map((r) => {
          if (typeof r !== 'string' || !r.includes('@')) {
            throw new TypeError(`setEmails: expected true, false or e-mail addresses, got ${inspect(r)}`);
          }
          return r.trim();
        });
        pluginRecipients.set(plugin, list.length > 0 ? list : false);
      } else {
        throw new TypeError(`setEmails: expected true, false or e-mail addresses, got ${inspect(recipients)}`);
      }
    },
    pluginLogFile: pluginFile,
    async closePluginFile(plugin) {
      if (opts.logMode !== 1) return;
      const file = pluginFile(plugin);
      const f = file ? files.get(file) : undefined;
      if (!file || !f) return;
      files.delete(file);
      await f.close();
    },
    async flush() {
      await Promise.all([...[...files.values()].map((f) => f.flush()), mailer?.flush()]);
    },
    async close() {
      if (closed) return;
      // Mail first: a failing send still gets its note into the files.
      await mailer?.close();
      closed = true;
      await Promise.all([...files.values()].map((f) => f.close()));
      files.clear();
    },
    mainLogFile: mainFile,
    timingLogFile: timingFile,
  };
}

function ensureDir(dir: string): void {
  const stats = statSync(dir, { throwIfNoEntry: false });
  if (stats && !stats.isDirectory()) throw new Error(`the log path ${dir} is not a folder`);
  if (stats) return;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new Error(`cannot create the log folder ${dir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
