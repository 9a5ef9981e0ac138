// CPU time per thread of a child process, from Linux /proc/<pid>/task (empty elsewhere): how
// the catch-up tells the busiest plugin worker's CPU from the main thread's (docs/performance.md).
import { readdirSync } from 'node:fs';
import { cpuMsOfStat } from './proc.js';

/** CPU ms (user + system) used so far by each thread of `pid`, by thread id. */
export function threadCpuMs(pid: number | undefined): Map<number, number> {
  const out = new Map<number, number>();
  if (!pid) return out;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const ms = cpuMsOfStat(`/proc/${pid}/task/${tid}/stat`);
    if (ms !== null) out.set(Number(tid), ms);
  }
  return out;
}

/**
 * The thread other than the main one that used the most CPU since `before`: in the catch-up,
 * the every-event plugin's worker (a light plugin's worker or V8's GC helpers use less).
 */
export function busiestOtherThread(pid: number | undefined, before: Map<number, number>, after: Map<number, number>): number | null {
  let best: number | null = null;
  for (const [tid, ms] of after) {
    if (tid === pid) continue;
    const used = ms - (before.get(tid) ?? 0);
    if (best === null || used > best) best = used;
  }
  return best;
}
