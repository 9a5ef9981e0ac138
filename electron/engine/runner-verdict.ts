// What one event's run came to (runner.ts apply()): the callback that holds the plugin
// (stopOnError), the failures that only go to the failed list (stopOnError=false), and the
// messages for the outcome. Pure: the runner acts on it.

import type { CallbackOutcome, RunResult } from './plugin-protocol.js';
import type { CompiledCallback } from './runner-view.js';

export interface Verdict {
  /** The callback the plugin holds at, or null when the event is done. */
  heldAt: CallbackOutcome | null;
  /** Failures of stopOnError=false callbacks: recorded, and the plugin moves on. */
  listed: Array<{ name: string; message: string; stack: string | undefined }>;
  /** "callback: message" per failure, in order. */
  errors: string[];
  totalMs: number;
}

/** The clock is read only for a crash (judge runs per event: no clock read for the others). */
export function judge(r: RunResult, indexes: number[], callbacks: CompiledCallback[], clock: { now(): number }): Verdict {
  const v: Verdict = { heldAt: null, listed: [], errors: [], totalMs: 0 };
  for (const o of r.outcomes) {
    v.totalMs += o.durationMs;
    if (o.ok) continue;
    const message = o.error?.message ?? r.crashed ?? 'failed';
    v.errors.push(`${o.name}: ${message}`);
    const cb = callbacks.find((c) => c.info.index === o.index);
    if (cb?.info.stopOnError === false) v.listed.push({ name: o.name, message, stack: o.error?.stack });
    else v.heldAt = o;
  }
  // A crashed worker may leave callbacks without an outcome: they did not finish.
  if (!v.heldAt && r.crashed && r.outcomes.length < indexes.length) {
    const missing = indexes.find((i) => !r.outcomes.some((o) => o.index === i))!;
    const name = callbacks.find((c) => c.info.index === missing)?.info.name ?? `#${missing}`;
    v.heldAt = { index: missing, name, ok: false, startedAt: clock.now(), durationMs: 0, error: { message: r.crashed } };
    v.errors.push(`${name}: ${r.crashed}`);
  }
  return v;
}
