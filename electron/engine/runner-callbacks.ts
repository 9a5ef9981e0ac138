// A plugin's compiled callbacks as the runner uses them: which event types they take (the
// filter pushed down to the poller), which of them take an event, and how a run outside
// the cursor (replay, retry of a failure) reads as one Outcome.

import type { Outcome } from '../contract.js';
import type { EventLogEntry } from '../shotgun/types.js';
import type { LoadResult, RunResult } from './plugin-protocol.js';
import { compileCallbackMatch } from './python/python-match.js';
import type { CompiledCallback } from './runner-view.js';

export type Matchable = Pick<EventLogEntry, 'event_type' | 'attribute_name' | 'user'>;

/** Event types these callbacks can take, or null for any; none while there are no callbacks. */
export function callbackEventTypes(callbacks: CompiledCallback[]): string[] | null {
  if (callbacks.length === 0) return [];
  const out = new Set<string>();
  for (const c of callbacks) {
    const t = c.matcher.eventTypes();
    if (t === null) return null;
    for (const x of t) out.add(x);
  }
  return [...out];
}

/** Indexes of the callbacks that take `event`; none for an ignored ApiUser (loop protection). */
export function matchingIndexes(callbacks: CompiledCallback[], event: Matchable, ignoredUsers: ReadonlySet<string>): number[] {
  if (ignoredUsers.size && event.user?.type === 'ApiUser' && ignoredUsers.has(String(event.user.name))) return [];
  // Called per event per plugin: one array, no intermediate ones.
  const out: number[] = [];
  for (const c of callbacks) if (c.matcher.matches(event)) out.push(c.info.index);
  return out;
}

/** A load's callbacks compiled, or the error that leaves the plugin with none. */
export function compileCallbacks(r: LoadResult): { callbacks: CompiledCallback[]; error: string | null } {
  if (!r.ok) return { callbacks: [], error: r.error };
  try {
    return { callbacks: r.callbacks.map((info) => ({ info, matcher: compileCallbackMatch(info) })), error: null };
  } catch (e) {
    return { callbacks: [], error: (e as Error).message };
  }
}

/**
 * The next segment of a page from `start`: events in order, until `size` of them matched
 * (the matching ones go to the worker in one message, as they are: run items).
 */
export function nextSegment(
  events: EventLogEntry[],
  start: number,
  size: number,
  matching: (e: EventLogEntry) => number[],
): Array<{ event: EventLogEntry; callbackIndexes: number[] }> {
  const segment: Array<{ event: EventLogEntry; callbackIndexes: number[] }> = [];
  let matched = 0;
  for (let i = start; i < events.length && matched < size; i++) {
    const callbackIndexes = matching(events[i]!);
    if (callbackIndexes.length) matched++;
    segment.push({ event: events[i]!, callbackIndexes });
  }
  return segment;
}

/** One run outside the cursor, as the Outcome the UI and the replay command report. */
export function replayOutcome(r: RunResult, indexes: number[]): Outcome {
  const errors = r.outcomes.filter((o) => !o.ok).map((o) => `${o.name}: ${o.error?.message ?? 'failed'}`);
  if (r.crashed && r.outcomes.length < indexes.length) errors.push(r.crashed);
  const durationMs = r.outcomes.reduce((a, o) => a + o.durationMs, 0);
  return errors.length ? { status: 'failed', durationMs, error: errors.join('; ') } : { status: 'ok', durationMs };
}
