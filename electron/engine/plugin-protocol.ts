// What the plugin host (engine thread) and a plugin worker say to each other, and the
// shapes the host returns to the engine. Everything that crosses the thread boundary is
// plain JSON-like data (structured clone), plus one SharedArrayBuffer per worker that the
// worker uses to report progress without a message per callback (see SAB_* below).

import type { ApiVersion } from '../shotgun/client-options.js';
import type { WirePage } from './page-codec.js';
import type { MatchEvents } from './plugin-api.js';

export interface ShotgunConnectionSettings {
  server: string;
  apiVersion?: ApiVersion;
  proxy?: string;
  timeoutMs?: number;
}

export interface CallbackInfo {
  /** Position in registration order (what run() takes). */
  index: number;
  /** Unique within the plugin: the function's/class's name, `callbackN` when anonymous. */
  name: string;
  scriptName: string;
  /** So `check` can authenticate every callback's script; never in a UI view (CallbackView). */
  scriptKey?: string;
  /** As the plugin gave it (validated); null = every event. */
  matchEvents: MatchEvents | null;
  /** 'python': the original daemon's matchEvents rules (a .py plugin; python/python-match.ts). */
  matchRules?: 'python';
  stopOnError: boolean;
  /** This callback's own timeoutMs, else the host's callbackTimeoutMs. */
  timeoutMs: number;
}

export type LoadResult =
  /**
   * `transpile`: .ts files compiled from the transpile cache, and transpiled afresh; `tsx`: whether
   * tsx was loaded (false: replayed from the cache, plugin-transpile-replay.ts).
   */
  | { ok: true; callbacks: CallbackInfo[]; transpile?: { cached: number; transpiled: number; tsx: boolean } }
  /** `error`: one paragraph naming the file and the cause; `detail`: the stack, when any. */
  | { ok: false; error: string; detail?: string };

export interface SerializedError {
  /** The error's class name, e.g. "AuthenticationError", "TimeoutError". */
  name?: string;
  message: string;
  stack?: string;
  timedOut?: boolean;
}

export interface CallbackOutcome {
  index: number;
  name: string;
  ok: boolean;
  error?: SerializedError;
  /** Epoch milliseconds (fractional). */
  startedAt: number;
  durationMs: number;
}

export interface RunResult {
  eventId: number;
  outcomes: CallbackOutcome[];
  /** set when the worker died (exit, OOM, terminate after timeout) */
  crashed?: string;
}

export interface PluginLogLine {
  time: number;
  level: 'debug' | 'info' | 'warning' | 'error' | 'critical';
  logger: string;
  message: string;
  plugin: string;
  callback?: string;
  eventId?: number;
}

/** The state of one of a plugin's ShotGrid connections (one per script, or script+session). */
export interface PluginConnectionEvent {
  time: number;
  plugin: string;
  scriptName: string;
  /** ok = a request succeeded after a failure (or the first one); auth = a token was issued. */
  kind: 'ok' | 'retry' | 'error' | 'auth';
  status?: number;
  message?: string;
}

// ------------------------------------------------------------------ host <-> worker

export interface WorkerInit {
  file: string;
  name: string;
  shotgun: ShotgunConnectionSettings;
  useSessionUuid: boolean;
  logLevel: number;
  callbackTimeoutMs: number;
  /** Off-heap memory (Buffers, ArrayBuffers) the worker may hold, in MB; 0 = no limit. */
  offHeapLimitMb: number;
  /** Where transpiled TypeScript is cached (plugin-transpile-cache.ts); null = no cache. */
  transpileCacheDir: string | null;
}

export type HostMessage =
  /**
   * `page`: the events as shared JSON bytes plus this plugin's callback plan (page-codec.ts):
   * encoded once per page for every worker, never copied per worker.
   */
  | { t: 'run'; run: number; page: WirePage; attempt: number; sab?: SharedArrayBuffer }
  /** pos -1 = whatever runs now. */
  | { t: 'abort'; run: number; pos: number; reason: 'timeout' | 'shutdown'; timeoutMs?: number }
  | { t: 'level'; level: number }
  /** Shutdown: start no further callback of the current run; the one running finishes. */
  | { t: 'drain' };

export type WorkerMessage =
  | { t: 'loaded'; result: LoadResult; emails: string[] | boolean | null }
  | { t: 'out'; logs: PluginLogLine[]; conns: PluginConnectionEvent[] }
  /** A callback failed (sent before it counts as completed in the SAB). */
  | { t: 'fail'; run: number; pos: number; error: SerializedError }
  | { t: 'done'; run: number }
  /** The worker's off-heap memory is over its limit (bytes measured): the host ends it. */
  | { t: 'offheap'; bytes: number };

// Progress of the current run, written by the worker, read by the host (for timeouts, and
// for the outcomes of the callbacks that completed before a worker died). A "position" is
// the n-th callback call of the run (items in order, each item's callbacks in order).
// Int32 header: [run id, positions started, positions completed, unused]; then per
// position two Float64: [startedAt (epoch ms), durationMs].
export const SAB_RUN = 0;
export const SAB_STARTED = 1;
export const SAB_COMPLETED = 2;
export const SAB_HEADER_BYTES = 16;

// Read once: the timeOrigin getter costs more than performance.now() itself, and nowMs()
// runs twice per callback in a worker.
const ORIGIN = performance.timeOrigin;

/** Epoch milliseconds with sub-millisecond precision, comparable across threads. */
export function nowMs(): number {
  return ORIGIN + performance.now();
}
