// A runner's state as the UI sees it (contract.ts PluginView), built from its parts.

import type { CallbackView, PluginState, PluginView } from '../contract.js';
import type { CallbackInfo } from './plugin-protocol.js';
import { describeMatch, type Matcher } from './match.js';
import type { Hold } from './runner-hold.js';
import type { PluginCursor } from './plugin-cursor.js';
import type { RunnerStats } from './runner-stats.js';

export interface CompiledCallback {
  info: CallbackInfo;
  matcher: Matcher;
}

export interface RunnerViewParts {
  name: string;
  file: string;
  state: PluginState;
  error: string | null;
  hold: Hold | null;
  cursor: PluginCursor;
  stats: RunnerStats;
  callbacks: CompiledCallback[];
}

export function callbackViews(callbacks: CompiledCallback[]): CallbackView[] {
  return callbacks.map((c) => ({
    name: c.info.name,
    scriptName: c.info.scriptName,
    matchEvents: (c.info.matchEvents as CallbackView['matchEvents']) ?? null,
    stopOnError: c.info.stopOnError,
    filter: describeMatch(c.matcher),
  }));
}

export function pluginView(p: RunnerViewParts, head: number, headCreatedAt: number): PluginView {
  const { cursor, stats } = p;
  const lagEvents = Math.max(0, head - cursor.lastId);
  return {
    name: p.name,
    file: p.file,
    state: p.state,
    enabled: cursor.enabled,
    paused: cursor.paused,
    error: p.error,
    cursor: cursor.lastId,
    gaps: cursor.gapIds(),
    lagEvents,
    lagSeconds: lagEvents > 0 && stats.lastCreatedAt > 0 && headCreatedAt > 0 ? Math.max(0, (headCreatedAt - stats.lastCreatedAt) / 1000) : 0,
    processed: stats.processed,
    failed: stats.failedCount,
    p50Ms: stats.percentile(0.5),
    p95Ms: stats.percentile(0.95),
    held: p.hold
      ? { eventId: p.hold.event.id, callback: p.hold.callback, error: p.hold.error, attempt: p.hold.attempt, nextRetryAt: p.hold.nextRetryAt }
      : null,
    failedEvents: cursor.failed.map((f) => ({ eventId: f.eventId, callback: f.callback, error: f.error, at: f.at, attempts: f.attempts })),
    callbacks: callbackViews(p.callbacks),
  };
}
