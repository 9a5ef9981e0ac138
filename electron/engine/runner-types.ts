// What a plugin runner (runner.ts) needs from the engine around it: a plugin host, a
// source of events, hooks to report through, and a clock (injectable for unit tests).

import type { Outcome } from '../contract.js';
import type { EventLogEntry } from '../shotgun/types.js';
import type { RunItem } from './plugin-host.js';
import type { CallbackOutcome, LoadResult, RunResult } from './plugin-protocol.js';
import type { PluginRunner } from './runner.js';

/** What the runner needs from a plugin host (plugin-host.ts). */
export interface HostLike {
  load(): Promise<LoadResult>;
  runBatch(items: RunItem[], opts?: { attempt?: number }): Promise<RunResult[]>;
  close(): Promise<void>;
  /** Shutdown: run no further callback of the batch in progress. */
  drain?(): void;
}

/** Where a runner reads its next events (the engine: shared window, else the server). */
export interface EventSource {
  next(after: number, limit: number, types: string[] | null): Promise<{ events: EventLogEntry[]; upTo: number }>;
}

export interface RunnerHooks {
  /** A callback run finished (for the UI stream, the timing log and e-mail). */
  outcome(runner: PluginRunner, event: EventLogEntry, outcome: Outcome, callbacks: CallbackOutcome[]): void;
  /** The plugin's visible status changed. */
  changed(runner: PluginRunner): void;
  /** State needs saving. */
  dirty(): void;
  log(level: 'debug' | 'info' | 'warning' | 'error' | 'critical', message: string, eventId?: number): void;
  /** Events from these users are ignored (loop protection), by ApiUser name. */
  ignoredUsers(): ReadonlySet<string>;
  /** Gap fillers that arrived recently with ids in (from, to). */
  recentLate(from: number, to: number): EventLogEntry[];
}

/** Time for holds and retries; tests pass a fake one. */
export interface RunnerClock {
  now(): number;
  /** Calls `fn` after `ms`; returns its cancel. Must not keep the process alive. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: RunnerClock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface RunnerOptions {
  clock?: RunnerClock;
}
