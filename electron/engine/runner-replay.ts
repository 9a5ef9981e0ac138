// Runs outside the cursor (replay, retry of a recorded failure): they move nothing but
// the failed list. The runner queues them ahead of its walk (runner.ts runOnce()).

import type { Outcome } from '../contract.js';
import type { EventLogEntry } from '../shotgun/types.js';
import type { PluginCursor } from './plugin-cursor.js';
import type { CallbackOutcome } from './plugin-protocol.js';
import { replayOutcome } from './runner-callbacks.js';
import type { HostLike } from './runner-types.js';

/** Runs `indexes` on `event` once; the outcome as one Outcome plus each callback's. */
export async function runOutside(
  host: HostLike,
  event: EventLogEntry,
  indexes: number[],
): Promise<{ outcome: Outcome; outcomes: CallbackOutcome[] }> {
  const [r = { eventId: event.id, outcomes: [] }] = await host.runBatch([{ event, callbackIndexes: indexes }]);
  return { outcome: replayOutcome(r, indexes), outcomes: r.outcomes };
}

/**
 * Retries each recorded failure of `event`: one that succeeds leaves the failed list,
 * one that fails again counts another attempt. A callback no longer loaded is retried as
 * every matching callback. Returns the last outcome.
 */
export async function retryFailures(
  cursor: PluginCursor,
  event: EventLogEntry,
  loaded: (callback: string) => boolean,
  runOnce: (event: EventLogEntry, onlyCallback?: string) => Promise<Outcome>,
): Promise<Outcome> {
  const entries = cursor.failed.filter((f) => f.eventId === event.id).map((f) => ({ ...f }));
  if (entries.length === 0) throw new Error(`event ${event.id} is not in the failed list`);
  let last: Outcome = { status: 'ok' };
  for (const f of entries) {
    last = await runOnce(event, loaded(f.callback) ? f.callback : undefined);
    if (last.status === 'ok') cursor.clearFailure(f.eventId, f.callback);
    else cursor.recordFailure(f.eventId, f.callback, last.error ?? f.error);
  }
  return last;
}
