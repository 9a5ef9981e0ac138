// Latency event → callback: the daemon live (fetch_interval 1 s), one plugin, events
// committed at a steady rate; commit → callback p50/p99.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SCRIPTS, now, percentile, sleep, stopChild, waitFor } from './children.js';
import { daemonDir, saveOutput, startDaemon } from './daemon.js';
import { client } from './raw.js';

export interface LatencyOptions {
  rate: number;
  seconds: number;
  profile: string | null;
}

export interface LatencyResult {
  fetchIntervalMs: number;
  rate: number;
  sent: number;
  received: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  createP50: number;
  missing: number[];
}

function latencyPlugin(out: string): string {
  return `// bench: notes when each event reached its callback (wall clock, shared with the bench).
import { appendFileSync } from 'node:fs';
const OUT = ${JSON.stringify(out)};
export function registerCallbacks(reg) {
  reg.registerCallback(${JSON.stringify(SCRIPTS.plugin.name)}, ${JSON.stringify(SCRIPTS.plugin.key)}, seen, null, { matchEvents: { Bench_Latency: ['*'] } });
}
function seen(_sg, event) {
  appendFileSync(OUT, event.id + ' ' + Date.now() + '\\n');
}
`;
}

export async function latency(root: string, url: string, opts: LatencyOptions): Promise<LatencyResult> {
  const fetchIntervalMs = 1000;
  const setup = daemonDir(root, 'latency', url, { fetch_interval: fetchIntervalMs / 1000, max_event_batch_size: 500 });
  const out = path.join(setup.dir, 'seen.txt');
  writeFileSync(out, '');
  writeFileSync(path.join(setup.plugins, 'latency.mjs'), latencyPlugin(out));
  const seen = () => {
    const m = new Map<number, number>();
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      const [id, at] = line.split(' ');
      if (id && at) m.set(Number(id), Number(at));
    }
    return m;
  };

  const sg = client(url, SCRIPTS.bench);
  const d = startDaemon(setup, opts.profile, 'latency');
  try {
    await d.waitLine(/engine starting/, 15_000);
    // The first start begins at the newest event; write events until one arrives, so the
    // plugin is loaded and polling before the clock starts.
    const warm = await waitFor(
      'the latency plugin to see a warm-up event',
      20_000,
      (() => {
        let lastSent = 0;
        const ids: number[] = [];
        return () => {
          const s = seen();
          if (ids.some((id) => s.has(id))) return true;
          if (Date.now() - lastSent > 1500) {
            lastSent = Date.now();
            sg.create<{ id: number }>('EventLogEntry', { event_type: 'Bench_Latency', description: 'warm-up' }).then(
              (r) => ids.push(r.id),
              () => {}, // retried on the next tick
            );
          }
          return false;
        };
      })(),
      50,
    );
    void warm;
    await sleep(fetchIntervalMs * 1.5);

    // A steady stream on an absolute schedule (no drift); each create is a committed
    // custom EventLogEntry, its id known from the reply; the send time is taken just
    // before the request, so the figure is an upper bound of commit → callback.
    const total = Math.round(opts.rate * opts.seconds);
    const interval = 1000 / opts.rate;
    const sent = new Map<number, number>();
    const createMs: number[] = [];
    const inflight: Array<Promise<void>> = [];
    const t0 = now() + 50;
    for (let i = 0; i < total; i++) {
      const due = t0 + i * interval;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
      const at = now();
      inflight.push(
        sg.create<{ id: number }>('EventLogEntry', { event_type: 'Bench_Latency', description: `sent ${at}` }).then((r) => {
          sent.set(r.id, at);
          createMs.push(now() - at);
        }),
      );
    }
    await Promise.all(inflight);
    const got = await waitFor(
      'every latency event to reach the plugin',
      fetchIntervalMs * 3 + 5000,
      () => {
        const s = seen();
        return [...sent.keys()].every((id) => s.has(id)) ? s : null;
      },
      50,
    ).catch(() => seen());
    const lat = [...sent]
      .filter(([id]) => got.has(id))
      .map(([id, at]) => got.get(id)! - at)
      .sort((a, b) => a - b);
    createMs.sort((a, b) => a - b);
    return {
      fetchIntervalMs,
      rate: opts.rate,
      sent: sent.size,
      received: lat.length,
      p50: percentile(lat, 50),
      p90: percentile(lat, 90),
      p99: percentile(lat, 99),
      max: lat[lat.length - 1] ?? NaN,
      createP50: percentile(createMs, 50),
      missing: [...sent.keys()].filter((id) => !got.has(id)),
    };
  } finally {
    await sg.close();
    await stopChild(d.child);
    saveOutput(d, setup.dir);
  }
}
