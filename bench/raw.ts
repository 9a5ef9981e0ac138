// The bare page-read rate: the project's REST client paging the preloaded events with the
// poller's own query, no daemon. The ceiling the engine is measured against.
import { Shotgun, EVENT_FIELDS } from '../electron/shotgun/index.js';
import { SCRIPTS, now, progress } from './children.js';
import { cpuMs } from './proc.js';
import type { Preloaded } from './sandbox.js';

export function client(url: string, who: { name: string; key: string }): Shotgun {
  return new Shotgun({ server: url, credentials: { scriptName: who.name, scriptKey: who.key } });
}

/** Pages (after, last] with the poller's query; returns events read and ms. */
async function pageAll(sg: Shotgun, after: number, last: number, pageSize: number): Promise<{ events: number; ms: number }> {
  const order = [{ field_name: 'id', direction: 'asc' as const }];
  let cursor = after;
  let events = 0;
  const t0 = now();
  while (cursor < last) {
    const rows = await sg.find<{ id: number }>('EventLogEntry', [['id', 'greater_than', cursor]], [...EVENT_FIELDS], order, pageSize);
    if (rows.length === 0) break;
    for (const r of rows) if (r.id <= last) events++;
    cursor = rows[rows.length - 1]!.id;
  }
  return { events, ms: now() - t0 };
}

export interface RawResult {
  pageSize: number;
  eps: number;
  runs: number[];
  /** CPU per 100k events in the best run: this client process and the sandbox, ms. */
  clientCpu: number;
  sandboxCpu: number | null;
}

export async function rawBench(url: string, pre: Preloaded, sandboxPid: number | undefined): Promise<RawResult[]> {
  const sg = client(url, SCRIPTS.bench);
  try {
    // Warm both ends (token, connection, JIT) on part of the range.
    await pageAll(sg, pre.before, Math.min(pre.last, pre.before + 20_000), 5000);
    const out: RawResult[] = [];
    for (const pageSize of [500, 5000]) {
      const runs: number[] = [];
      let best: { client: number; sandbox: number | null } = { client: NaN, sandbox: null };
      for (let rep = 0; rep < 2; rep++) {
        const c0 = process.cpuUsage();
        const s0 = cpuMs(sandboxPid);
        const r = await pageAll(sg, pre.before, pre.last, pageSize);
        const c = process.cpuUsage(c0);
        const s1 = cpuMs(sandboxPid);
        if (r.events !== pre.count) throw new Error(`raw paging read ${r.events} events, expected ${pre.count}`);
        const eps = (r.events / r.ms) * 1000;
        if (runs.every((x) => eps > x)) {
          const per = 100_000 / r.events;
          best = { client: ((c.user + c.system) / 1000) * per, sandbox: s0 !== null && s1 !== null ? (s1 - s0) * per : null };
        }
        runs.push(eps);
      }
      progress(`raw page ${pageSize}: ${runs.map((x) => Math.round(x)).join(', ')} events/s`);
      out.push({ pageSize, eps: Math.max(...runs), runs, clientCpu: best.client, sandboxCpu: best.sandbox });
    }
    return out;
  } finally {
    await sg.close();
  }
}

/** How many preloaded events have each field filled (the events are meant to look real). */
export async function filledShare(url: string, pre: Omit<Preloaded, 'filled'>): Promise<Preloaded['filled']> {
  const sg = client(url, SCRIPTS.bench);
  try {
    const rows = await sg.find<Record<string, unknown>>(
      'EventLogEntry',
      [['id', 'greater_than', pre.before]],
      [...EVENT_FIELDS],
      [{ field_name: 'id', direction: 'asc' }],
      5000,
    );
    const share = (f: (r: Record<string, unknown>) => boolean) => rows.filter(f).length / Math.max(1, rows.length);
    return {
      meta: share((r) => r.meta !== null && typeof r.meta === 'object' && Object.keys(r.meta).length > 0),
      entity: share((r) => r.entity !== null),
      user: share((r) => r.user !== null),
      project: share((r) => r.project !== null),
      session: share((r) => typeof r.session_uuid === 'string'),
    };
  } finally {
    await sg.close();
  }
}
