// The one contract between the engine and any UI (docs/architecture.md): every command a UI
// may send, with its argument schema and result type, and every update the engine pushes.
// Electron main/preload, the headless WebSocket server and the renderer all obey it.
// Commands are validated with these schemas at every boundary.

import { z } from 'zod';

// ------------------------------------------------------------------ shared shapes

export const PLUGIN_STATES = ['loading', 'running', 'paused', 'disabled', 'holding', 'load_error', 'unloaded'] as const;
export type PluginState = (typeof PLUGIN_STATES)[number];

export type OutcomeStatus = 'ok' | 'failed' | 'held' | 'skipped';

export interface Outcome {
  status: OutcomeStatus;
  durationMs?: number;
  error?: string;
  late?: boolean;
  attempt?: number;
}

export interface LinkView {
  type: string;
  id: number;
  name?: string | null;
}

/** One event as the UI sees it, with each plugin's outcome so far. */
export interface EventView {
  id: number;
  event_type: string;
  attribute_name: string | null;
  entity: LinkView | null;
  user: LinkView | null;
  project: LinkView | null;
  created_at: string;
  meta: Record<string, unknown> | null;
  session_uuid: string | null;
  /** Arrived after later events (a gap filler). */
  late?: boolean;
  outcomes: Record<string, Outcome>;
}

export interface FailedEvent {
  eventId: number;
  callback: string;
  error: string;
  at: number;
  attempts: number;
}

export interface HeldEvent {
  eventId: number;
  callback: string;
  error: string;
  attempt: number;
  /** Epoch ms of the next automatic retry; null once retries are used up (waits for the user). */
  nextRetryAt: number | null;
}

export interface CallbackView {
  name: string;
  scriptName: string;
  matchEvents: Record<string, string | string[] | null> | null;
  stopOnError: boolean;
  /** Human-readable filter summary. */
  filter: string;
}

export interface PluginView {
  name: string;
  file: string;
  state: PluginState;
  enabled: boolean;
  paused: boolean;
  /** Load error, or the last callback error. */
  error: string | null;
  cursor: number;
  /** Open gaps this plugin has walked past and still awaits. */
  gaps: number[];
  lagEvents: number;
  lagSeconds: number;
  processed: number;
  failed: number;
  p50Ms: number | null;
  p95Ms: number | null;
  held: HeldEvent | null;
  failedEvents: FailedEvent[];
  callbacks: CallbackView[];
  /** Loaded but does nothing: why (e.g. it registers no callback). Shown as "Inert". */
  inert?: string | null;
}

export type ConnectionState = 'connecting' | 'connected' | 'retrying' | 'error';

export interface EngineView {
  site: string;
  /** Running on the embedded sandbox (no site configured). */
  demo: boolean;
  connection: ConnectionState;
  connectionError: string | null;
  headId: number;
  eventsPerSecond: number;
  paused: boolean;
  startedAt: number;
  openGaps: number;
  /** The last state-file write failed (retried with backoff; the header turns red); null/absent when saving works. */
  stateError?: string | null;
  /** Engine-wide misconfigurations beside the site and the state (e.g. no plugin to run); shown in the header. */
  problems?: string[];
}

export interface LogLineView {
  time: number;
  level: number;
  levelName: string;
  logger: string;
  message: string;
  plugin?: string;
  callback?: string;
  eventId?: number;
}

/** One user action (cursor moves, pause, resume, enable, disable, retry, skip, reload, settings). */
export interface AuditEntry {
  time: number;
  /** The plugin acted on; '*' for engine-wide actions (pause all, settings). */
  plugin: string;
  action: string;
  /** The plugin's cursor before and after (equal for actions that do not move it). */
  before: number;
  after: number;
  replayCount: number | null;
  /** Who: the OS user (desktop), the token's label or "local" (headless), "cli", "config". */
  source: string;
}

/** One sample of the trend series (every TREND_STEP_MS, the last TREND_KEEP of them). */
export interface TrendPoint {
  /** Epoch ms. */
  t: number;
  eventsPerSecond: number;
  /** The slowest plugin's lag in events (over plugins that are loaded). */
  maxLag: number;
  /** Per plugin: lag in events and callback p95 (ms, null before any run). */
  plugins: Record<string, { lag: number; p95: number | null }>;
}

export const TREND_STEP_MS = 5000;
/** One hour at TREND_STEP_MS. */
export const TREND_KEEP = 720;

export interface CursorPreview {
  plugin: string;
  before: number;
  after: number;
  /** Events with ids in (after, before] the plugin would process again (negative: skipped). */
  replayCount: number;
}

/** Settings as a UI may see them: never a script key or a password. */
export interface SettingsView {
  /** Where they come from: the config file (headless, read-only) or the app's store. */
  source: 'config' | 'app';
  editable: boolean;
  configPath: string | null;
  site: string | null;
  scriptName: string | null;
  /** Whether a key is stored (the key itself never leaves the engine side). */
  hasScriptKey: boolean;
  pluginPaths: string[];
  fetchIntervalS: number;
  maxEventBatchSize: number;
  backlogTimeoutS: number;
  emailTo: string[];
  demo: boolean;
}

/** What a desktop user may change (the Electron app); script key in, never out. */
export const settingsInput = z
  .object({
    site: z.string().url().nullable(),
    scriptName: z.string().nullable(),
    /** Omitted = keep the stored key. */
    scriptKey: z.string().min(1).optional(),
    pluginPaths: z.array(z.string().min(1)),
    fetchIntervalS: z.number().positive().max(3600),
    maxEventBatchSize: z.number().int().min(1).max(5000),
    backlogTimeoutS: z.number().nonnegative().max(86_400),
    emailTo: z.array(z.string().email()),
  })
  .strict();
export type SettingsInput = z.infer<typeof settingsInput>;

export interface Snapshot {
  engine: EngineView;
  plugins: PluginView[];
  events: EventView[];
  logs: LogLineView[];
  audit: AuditEntry[];
  /** The trend series, oldest first (absent from engines that keep none). */
  trends?: TrendPoint[];
}

// ------------------------------------------------------------------ updates (engine → UI)

/**
 * `default: exhaustive(u)` closes a switch over a union (Update kinds and the like): a new
 * member without a case fails `npm run typecheck`. It does nothing at run time, so a kind
 * from a newer peer is ignored rather than crashing the UI.
 */
export function exhaustive(_value: never): void {}

export type Update =
  | { kind: 'engine'; engine: EngineView }
  | { kind: 'plugin'; plugin: PluginView }
  | { kind: 'pluginRemoved'; name: string }
  | { kind: 'events'; events: EventView[] }
  | { kind: 'outcome'; eventId: number; plugin: string; outcome: Outcome }
  | { kind: 'logs'; lines: LogLineView[] }
  | { kind: 'audit'; entry: AuditEntry }
  | { kind: 'trend'; point: TrendPoint };

// ------------------------------------------------------------------ commands (UI → engine)

const pluginArg = z.object({ plugin: z.string().min(1) }).strict();

export const cursorTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('latest') }).strict(),
  z.object({ kind: z.literal('id'), id: z.number().int().nonnegative() }).strict(),
  z.object({ kind: z.literal('time'), time: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 date-time') }).strict(),
  z.object({ kind: z.literal('shift'), by: z.number().int() }).strict(),
]);
export type CursorTarget = z.infer<typeof cursorTarget>;

/** Every command: its argument schema. Results are typed in `CommandResults`. */
export const commands = {
  snapshot: z.object({}).strict(),
  pauseAll: z.object({}).strict(),
  resumeAll: z.object({}).strict(),
  pause: pluginArg,
  resume: pluginArg,
  setEnabled: z.object({ plugin: z.string().min(1), enabled: z.boolean() }).strict(),
  previewCursor: z.object({ plugin: z.string().min(1), target: cursorTarget }).strict(),
  setCursor: z.object({ plugin: z.string().min(1), target: cursorTarget }).strict(),
  retryHeld: pluginArg,
  skipHeld: pluginArg,
  retryFailed: z.object({ plugin: z.string().min(1), eventId: z.number().int().positive() }).strict(),
  dismissFailed: z.object({ plugin: z.string().min(1), eventId: z.number().int().positive() }).strict(),
  replayEvent: z.object({ plugin: z.string().min(1), eventId: z.number().int().positive() }).strict(),
  reload: pluginArg,
  getEvent: z.object({ id: z.number().int().positive() }).strict(),
  getSettings: z.object({}).strict(),
  /** Desktop only: headless answers that settings come from the config file. */
  saveSettings: settingsInput,
  testConnection: z.object({ site: z.string().url(), scriptName: z.string().min(1), scriptKey: z.string().min(1).optional() }).strict(),
  importConfig: z.object({ path: z.string().min(1) }).strict(),
} as const;

/** The command names, as data: the preload builds its API from this list. */
export const COMMAND_NAMES = Object.keys(commands) as CommandName[];

export type CommandName = keyof typeof commands;
export type CommandArgs<C extends CommandName> = z.infer<(typeof commands)[C]>;

export interface CommandResults {
  snapshot: Snapshot;
  pauseAll: void;
  resumeAll: void;
  pause: void;
  resume: void;
  setEnabled: void;
  previewCursor: CursorPreview;
  setCursor: CursorPreview;
  retryHeld: void;
  skipHeld: void;
  retryFailed: Outcome;
  dismissFailed: void;
  replayEvent: Outcome;
  reload: void;
  getEvent: { event: EventView | null; logs: LogLineView[] };
  getSettings: SettingsView;
  saveSettings: SettingsView;
  testConnection: { ok: boolean; message: string; serverVersion?: string };
  importConfig: SettingsView;
}

/**
 * One handler per command, checked by the compiler: a command added to `commands` without a
 * handler fails `npm run typecheck` (test/types/command-map.test.ts). `Extra` carries what a
 * side adds to every call (the engine: who acts, for the audit log).
 */
export type CommandHandlers<Extra extends unknown[] = []> = {
  [C in CommandName]: (args: CommandArgs<C>, ...extra: Extra) => Promise<CommandResults[C]>;
};

/** Calls the handler of `name` (the map's mapped type keeps name, args and result tied together). */
export function dispatch<C extends CommandName, Extra extends unknown[]>(
  handlers: CommandHandlers<Extra>,
  name: C,
  args: CommandArgs<C>,
  ...extra: Extra
): Promise<CommandResults[C]> {
  const handler: CommandHandlers<Extra>[C] = handlers[name];
  return handler(args, ...extra);
}

/** What every transport implements on the engine side. */
export type CommandHandler = <C extends CommandName>(name: C, args: CommandArgs<C>) => Promise<CommandResults[C]>;

/** Parses a command from an untrusted sender; throws a readable error naming the problem. */
export function parseCommand(name: unknown, args: unknown): { name: CommandName; args: unknown } {
  if (typeof name !== 'string' || !Object.hasOwn(commands, name)) throw new Error(`unknown command ${JSON.stringify(name)}`);
  const schema = commands[name as CommandName];
  const r = schema.safeParse(args ?? {});
  if (!r.success) throw new Error(`bad arguments for ${name}: ${z.prettifyError(r.error)}`);
  return { name: name as CommandName, args: r.data };
}

// ------------------------------------------------------------------ the WebSocket wire (headless UI)
// `shotgun-events run --ui` serves this contract at ws(s)://<page origin>/ws[?token=…]; one
// JSON text message per frame. On every (re)connect the server first sends a fresh
// `snapshot`, then batched `updates` (at most one message per ~100 ms). A `snapshot` may
// also arrive later on the same connection (after the server had to drop stream items
// for a slow client): the client replaces its state with it, as on connect.

/** The WebSocket path, relative to the page's origin. */
export const WIRE_PATH = '/ws';

/** Largest message the server accepts (bigger ones close the connection with 1009). */
export const WIRE_MAX_MESSAGE_BYTES = 1024 * 1024;

/** Client → server. `id` correlates the reply; `args` defaults to `{}`. */
export type WireToServer = { type: 'command'; id: string | number; name: CommandName; args?: unknown };

export const wireToServer = z
  .object({
    type: z.literal('command'),
    id: z.union([z.string().min(1).max(200), z.number().finite()]),
    name: z.string(),
    args: z.unknown().optional(),
  })
  .strict();

/** Server → client. A `result` with `id: null` answers a message too malformed to carry an id. */
export type WireToClient =
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'updates'; updates: Update[] }
  | { type: 'result'; id: string | number | null; ok: true; result: unknown }
  | { type: 'result'; id: string | number | null; ok: false; error: string };

// ------------------------------------------------------------------ the bridge (renderer side)

/**
 * What a UI calls: exposed by the Electron preload as `window.shotgunEvents` (built from
 * `COMMAND_NAMES`, nothing else), and mimicked over the WebSocket wire by the renderer's
 * transport when no preload is present (headless `run --ui`).
 */
export interface Bridge {
  /** Runs one command; rejects with the engine's error message. */
  invoke<C extends CommandName>(name: C, args: CommandArgs<C>): Promise<CommandResults[C]>;
  /** A full snapshot (on connect, on reconnect, or after dropped stream items). Returns an unsubscribe. */
  onSnapshot(cb: (snapshot: Snapshot) => void): () => void;
  /** One batch of updates per call (never one call per event). Returns an unsubscribe. */
  onUpdates(cb: (updates: Update[]) => void): () => void;
}
