// A run's plan (which callback runs at each position) and its results once it has ended,
// shared by both plugin hosts: a "position" is the n-th callback call of a run (items in
// order, each item's callbacks in order). Each host says what a position did; this turns
// that into one RunResult per event, stopping where the plugin stopped.

import type { RunItem } from './plugin-host-base.js';
import { nowMs, type CallbackInfo, type CallbackOutcome, type RunResult, type SerializedError } from './plugin-protocol.js';

export interface RunPlan {
  items: RunItem[];
  /** Positions [start, end) of each item. */
  spans: Array<{ start: number; end: number }>;
  /** The callback at each position. */
  infos: CallbackInfo[];
  /** The shortest timeout of the run's callbacks (Infinity for none). */
  minTimeoutMs: number;
}

export function planRun(items: RunItem[], callbacks: CallbackInfo[]): RunPlan {
  const spans: RunPlan['spans'] = [];
  const infos: CallbackInfo[] = [];
  let minTimeoutMs = Infinity;
  for (const item of items) {
    const start = infos.length;
    for (const i of item.callbackIndexes) {
      const info = callbacks[i]!;
      infos.push(info);
      if (info.timeoutMs < minTimeoutMs) minTimeoutMs = info.timeoutMs;
    }
    spans.push({ start, end: infos.length });
  }
  return { items, spans, infos, minTimeoutMs };
}

/** What one position did: durationMs set = it completed; startedAt alone = it was running. */
export interface PositionRecord {
  startedAt?: number | undefined;
  durationMs?: number | undefined;
  error?: SerializedError | undefined;
}

/** How the run ended when not every position completed. */
export interface RunEnd {
  /** The worker or process died: why (null: it ended the run itself, early). */
  crash: string | null;
  /** The position whose timeout ended it, when one did. */
  timedOutPos?: number | undefined;
  /** The error name of a callback cut short by the crash. */
  crashErrorName: string;
  /** `crashed` of the event where a run ended early without a crash. */
  earlyEnd: string;
}

export function collectResults(plan: RunPlan, position: (p: number) => PositionRecord, end: RunEnd): RunResult[] {
  const results: RunResult[] = [];
  for (let i = 0; i < plan.items.length; i++) {
    const { start, end: stop } = plan.spans[i]!;
    const outcomes: CallbackOutcome[] = [];
    let halted = false;
    let crashed: string | undefined;
    for (let p = start; p < stop; p++) {
      const info = plan.infos[p]!;
      const rec = position(p);
      if (rec.durationMs !== undefined) {
        const o: CallbackOutcome = {
          index: info.index,
          name: info.name,
          ok: !rec.error,
          startedAt: rec.startedAt ?? nowMs(),
          durationMs: rec.durationMs,
        };
        if (rec.error) o.error = rec.error;
        outcomes.push(o);
        if (rec.error && info.stopOnError) {
          halted = true;
          break;
        }
        continue;
      }
      if (end.crash !== null) {
        if (rec.startedAt !== undefined) {
          const error: SerializedError =
            end.timedOutPos === p
              ? { name: 'TimeoutError', message: `Callback ${info.name} timed out after ${info.timeoutMs} ms`, timedOut: true }
              : { name: end.crashErrorName, message: end.crash };
          outcomes.push({ index: info.index, name: info.name, ok: false, error, startedAt: rec.startedAt, durationMs: nowMs() - rec.startedAt });
        }
        crashed = end.crash;
      } else {
        crashed = end.earlyEnd;
      }
      halted = true;
      break;
    }
    const r: RunResult = { eventId: plan.items[i]!.event.id, outcomes };
    if (crashed !== undefined) r.crashed = crashed;
    results.push(r);
    if (halted) break;
  }
  return results;
}
