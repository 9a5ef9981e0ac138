// The printed figures (no pass/fail: each figure sits beside its target from issue 11).
import type { CatchUpResult } from './catchup.js';
import { IDLE_WINDOW_S, type IdleResult, type SoakResult } from './footprint.js';
import type { LatencyResult } from './latency.js';
import type { RawResult } from './raw.js';
import type { Preloaded } from './sandbox.js';

/** Issue 11: ×original at each batch, and the engine's share of the bare read rate. */
const TARGET_X: Record<number, number> = { 500: 10, 5000: 15 };
const TARGET_OF_RAW = 0.6;

export function table(rows: string[][], align: Array<'l' | 'r'>): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((cell, c) => (align[c] === 'r' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(rows[0]!), sep, ...rows.slice(1).map(fmt)].join('\n');
}

export const k = (n: number) => (Number.isFinite(n) ? `${(n / 1000).toFixed(1)}k` : '-');
export const ms = (n: number | null) => (n !== null && Number.isFinite(n) ? `${Math.round(n)}` : '-');
export const mb = (n: number | null) => (n === null ? '-' : `${Math.round(n)}`);
export const mb1 = (n: number | null) => (n === null ? '-' : n.toFixed(1));
const pct = (n: number) => `${Math.round(n * 100)}%`;

export function catchUpReport(pre: Preloaded, batches: number[], raw: RawResult[], runs: CatchUpResult[], originalNote: string | null): string[] {
  const out: string[] = [];
  const f = pre.filled;
  out.push(
    `${pre.count} events preloaded (ids ${pre.first}..${pre.last}, the traffic generator's mix of real actions) in ${(pre.ms / 1000).toFixed(1)} s;`,
    `  filled: meta ${pct(f.meta)}, entity ${pct(f.entity)}, user ${pct(f.user)}, project ${pct(f.project)}, session_uuid ${pct(f.session)} (first 5000)`,
    '',
    'Catch-up through 5 plugins (4 write a file every 1000th event, 1 on every event), same site, same events, side by side',
  );
  const rows: string[][] = [
    ['batch', 'bare read ev/s', 'original ev/s', 'shotgun-events ev/s', 'ratio', 'target', 'ceiling', 'engine/bare read', 'target'],
  ];
  for (const b of batches) {
    const r = raw.find((x) => x.pageSize === b);
    const o = runs.find((x) => x.batch === b && x.daemon === 'original');
    const s = runs.find((x) => x.batch === b && x.daemon === 'shotgun-events');
    rows.push([
      String(b),
      r ? k(r.eps) : '-',
      o ? k(o.eps) : '-',
      s ? k(s.eps) : '-',
      o && s ? `${(s.eps / o.eps).toFixed(1)}×` : '-',
      TARGET_X[b] ? `≥ ${TARGET_X[b]}×` : '',
      r && o ? `${(r.eps / o.eps).toFixed(1)}×` : '-',
      r && s ? pct(s.eps / r.eps) : '-',
      `≥ ${pct(TARGET_OF_RAW)}`,
    ]);
  }
  out.push(table(rows, ['r', 'r', 'r', 'r', 'r', 'l', 'r', 'r', 'l']));
  if (originalNote) out.push(`original: not run (${originalNote})`);
  out.push('ceiling: bare read / original, the ratio a daemon that cost nothing beside the read would reach on this site');
  out.push("rates: (events − 1) / (first preloaded event's callback → last event's callback in every plugin), each daemon");
  out.push('  counted from its own first event; bare read: best of 2 runs of our REST client paging the same events');
  if (raw.length)
    out.push(
      `  with the poller's query at page = batch (all runs: ${raw.map((r) => `${r.pageSize}: ${r.runs.map((x) => k(x)).join(', ')}`).join('; ')})`,
    );
  if (runs.length) {
    out.push('');
    const rows2: string[][] = [
      [
        'daemon',
        'batch',
        'first event ms',
        'total ms',
        'CPU ms/100k: daemon',
        'main thread',
        'busiest worker',
        'sandbox',
        'RSS peak MB',
        'site requests',
      ],
    ];
    for (const c of runs) {
      rows2.push([
        c.daemon,
        String(c.batch),
        ms(c.firstEventMs),
        ms(c.totalMs),
        ms(c.daemonCpu),
        ms(c.daemonMainCpu),
        ms(c.daemonWorkerCpu),
        ms(c.sandboxCpu),
        mb(c.rssPeak),
        c.siteRequests === null ? '-' : String(c.siteRequests),
      ]);
    }
    for (const r of raw) rows2.push(['bare read', String(r.pageSize), '', '', `${ms(r.clientCpu)} (client)`, '', '', ms(r.sandboxCpu), '', '']);
    out.push(table(rows2, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']));
    out.push('first event: process spawn → first callback (target ≤ 1000 ms for shotgun-events); CPU: user+system per');
    out.push('  100k events, spawn → last callback (less sensitive to other load than ev/s); busiest worker: the daemon thread');
    out.push("  other than the main one that used the most CPU, the every-event plugin's worker (its boot included).");
  }
  return out;
}

export function latencyReport(lat: LatencyResult, seconds: number): string[] {
  const out = ['', `Latency: commit → callback, ${lat.rate} events/s for ${seconds} s, fetch_interval ${lat.fetchIntervalMs / 1000} s, 1 plugin`];
  out.push(
    table(
      [
        ['', 'measured ms', 'target ms'],
        ['p50', ms(lat.p50), '≤ 550'],
        ['p90', ms(lat.p90), ''],
        ['p99', ms(lat.p99), '≤ 1150'],
        ['max', ms(lat.max), ''],
      ],
      ['l', 'r', 'r'],
    ),
  );
  out.push(`${lat.received}/${lat.sent} events reached the callback; measured from just before each create request`);
  if (lat.missing.length) out.push(`  NEVER DELIVERED within ${(lat.fetchIntervalMs * 3 + 5000) / 1000} s: event ids ${lat.missing.join(', ')}`);
  out.push(`  (create round trip p50 ${lat.createP50.toFixed(1)} ms), so the figures are an upper bound.`);
  return out;
}

export function memoryReport(idle: IdleResult | null, soak: SoakResult | null): string[] {
  const out = ['', 'Memory (RSS of the daemon process, its plugin workers included)'];
  if (idle) {
    const { examples: ex, none } = idle;
    const per = (a: number | null, b: number | null, n: number) => (a !== null && b !== null && n > 0 ? (a - b) / n : null);
    out.push(
      `  with the ${idle.plugins} example plugins: ${mb(ex.started)} MB once started, ${mb(ex.idle)} MB idle (target ≤ 250), ${(ex.atMs / 1000).toFixed(0)} s after spawn`,
      `  with no plugin (the engine alone): ${mb(none.started)} MB once started, ${mb(none.idle)} MB idle`,
      `  so a plugin's worker costs ${mb1(per(ex.idle, none.idle, idle.plugins))} MB idle (${mb1(per(ex.started, none.started, idle.plugins))} MB once started)`,
    );
    const empty = per(idle.emptyWorkers.idle, idle.noWorkers.idle, idle.plugins);
    if (empty !== null && none.idle !== null) {
      out.push(
        `  an empty Node worker, ${idle.plugins} in one process measured the same way: ${mb1(empty)} MB idle; so one worker per plugin`,
        `    cannot idle below ${mb(none.idle + idle.plugins * empty)} MB here (the engine alone + ${idle.plugins} empty workers)`,
      );
    }
    const a = none.split;
    const b = ex.split;
    if (a && b) {
      out.push(
        `  breakdown, idle: the engine alone ${mb(a.file)} MB file-backed (node binary, libraries) + ${mb(a.anon)} MB anonymous (heaps, malloc), ${a.threads} threads;`,
        `    each worker adds ${((b.anon - a.anon) / idle.plugins).toFixed(1)} MB anonymous and ${((b.file - a.file) / idle.plugins).toFixed(2)} MB file-backed (${b.threads} threads in all)`,
      );
    }
    out.push(
      `  idle: the median RSS of the last ${IDLE_WINDOW_S} s once no new low has come for ${IDLE_WINDOW_S} s (V8 hands back an idle heap tens of s after start)`,
    );
  }
  if (soak) {
    const pctOf = (from: number | null, to: number | null) =>
      from && to ? `${to >= from ? '+' : ''}${(((to - from) / from) * 100).toFixed(1)}%` : '-';
    out.push(
      `  soak ${soak.seconds} s at ${soak.rate} events/s asked (${Math.round(soak.written)} written/s), 5 plugins: start ${mb(soak.rssStart)} MB,`,
      `    after the ${soak.warmS} s warm-up ${mb(soak.rssWarm)}, peak after it ${mb(soak.rssPeak)}, end ${mb(soak.rssEnd)}: ${pctOf(soak.rssWarm, soak.rssEnd)} from warm-up to end`,
      `    (target ≤ +10% over 600 s; ${pctOf(soak.rssStart, soak.rssEnd)} from start); behind by ${soak.lagAtEnd} events when the traffic stopped`,
    );
    if (soak.perMinute.length) out.push(`    RSS per minute: ${soak.perMinute.map(([s, r]) => `${s} s ${mb(r)}`).join(', ')} MB`);
  }
  return out;
}
