// Memory: the daemon idle with every example plugin in plugins/ (27 here), and its RSS over a soak
// with the traffic generator writing at a steady rate.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, now, progress, sleep, spawnNode, stopChild, waitFor } from './children.js';
import { daemonDir, saveOutput, startDaemon } from './daemon.js';
import { jsPlugin, pluginSpecs } from './plugins.js';
import { rssMb } from './proc.js';
import type { SandboxProc } from './sandbox.js';

const EXAMPLES = path.join(ROOT, 'plugins');

/** RSS of one process going idle, MB (idleRssOf). */
export interface IdleRss {
  /** Once it first stops moving (within 2% over 5 s): the start's high-water mark. */
  started: number | null;
  /** Once V8 has handed back what an idle heap does not need: the median of the last 45 s. */
  idle: number | null;
  /** Spawn → `idle` measured, ms. */
  atMs: number;
  /** Where the idle RSS is. */
  split: MemSplit | null;
}

export interface IdleResult {
  plugins: number;
  /** The daemon with every example plugin. */
  examples: IdleRss;
  /** The same daemon with no plugin at all (the engine alone): what is left is the workers'. */
  none: IdleRss;
  /** One process with as many Node workers running nothing, and with none: what isolation costs before our code. */
  emptyWorkers: IdleRss;
  noWorkers: IdleRss;
}

/** A process's RSS split as Linux counts it, MB: file-backed (the node binary, libraries) and anonymous (heaps, malloc, stacks). */
export interface MemSplit {
  anon: number;
  file: number;
  threads: number;
}

export function memSplit(pid: number | undefined): MemSplit | null {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
    const threads = Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem'), threads };
  } catch {
    return null;
  }
}

/** Seconds of samples without a new low after which a process counts as idle. */
export const IDLE_WINDOW_S = 45;

/**
 * RSS of a process from `ready` on, sampled every second: where it first stops moving, then
 * where it sits once idle. An isolate hands its unused heap back only when V8's memory reducer
 * runs, tens of seconds after its last burst of allocation (docs/performance.md, "Memory,
 * round 6"): within about 100 s, when nothing else sets it off. So idle is when no new low has
 * come for 45 s, 120 s after spawn at the earliest and 300 s at the latest.
 */
async function idleRssOf(pid: number | undefined, startedAt: number): Promise<IdleRss> {
  // From the start's high-water mark on: lows are looked for after it, not in the boot before it.
  let samples: number[] = [];
  let started: number | null = null;
  for (;;) {
    const r = rssMb(pid);
    if (r === null) return { started, idle: null, atMs: now() - startedAt, split: null };
    samples.push(r);
    const last5 = samples.slice(-5);
    if (started === null && last5.length === 5 && Math.max(...last5) <= Math.min(...last5) * 1.02) {
      started = r;
      samples = last5;
    }
    const elapsed = now() - startedAt;
    const window = samples.slice(-IDLE_WINDOW_S);
    const before = samples.slice(0, -IDLE_WINDOW_S);
    const settled = started !== null && before.length > 0 && elapsed >= 120_000 && Math.min(...window) >= Math.min(...before) * 0.99;
    if (settled || elapsed >= 300_000) {
      const sorted = [...window].sort((a, b) => a - b);
      return { started, idle: sorted[Math.floor(sorted.length / 2)]!, atMs: elapsed, split: memSplit(pid) };
    }
    await sleep(1000);
  }
}

/** The daemon with an empty plugin folder: the floor the workers add to. */
async function idleNoPlugins(root: string, url: string): Promise<IdleRss> {
  const setup = daemonDir(root, 'idle-none', url, { fetch_interval: 1 });
  const d = startDaemon(setup, null, 'idle-none');
  try {
    await d.waitLine(/engine starting/, 60_000);
    return await idleRssOf(d.child.pid, d.startedAt);
  } finally {
    await stopChild(d.child);
    saveOutput(d, setup.dir);
  }
}

async function idleExamples(root: string, url: string, examples: number): Promise<IdleRss> {
  const setup = daemonDir(root, 'idle', url, { fetch_interval: 1 }, EXAMPLES);
  const d = startDaemon(setup, null, 'idle');
  try {
    // A first start: every plugin is new and says so, one after the other (each loads in its
    // worker before the next: minutes on a loaded machine); then the memory settles.
    await waitFor(
      `the daemon to register the ${examples} example plugins`,
      300_000,
      () => {
        if (d.child.exitCode !== null)
          throw new Error(
            `daemon exited (${d.child.exitCode}):\n${d.lines
              .slice(-15)
              .map((l) => l.text)
              .join('\n')}`,
          );
        return d.lines.filter((l) => /New plugin /.test(l.text)).length >= examples;
      },
      50,
    );
    return await idleRssOf(d.child.pid, d.startedAt);
  } finally {
    await stopChild(d.child);
    saveOutput(d, setup.dir);
  }
}

/** A process with `n` Node workers that run nothing (bench/empty-workers.ts), measured like the daemon. */
async function idleEmptyWorkers(n: number): Promise<IdleRss> {
  const p = spawnNode([path.join(ROOT, 'dist/bench/empty-workers.js'), String(n)]);
  try {
    await p.waitLine(/^ready$/, 60_000);
    return await idleRssOf(p.child.pid, p.startedAt);
  } finally {
    await stopChild(p.child);
  }
}

/** The four processes go idle side by side: each waits for its own V8 memory reducer, not for the others. */
export async function idleRss(root: string, url: string): Promise<IdleResult> {
  const plugins = readdirSync(EXAMPLES).filter((f) => /\.(ts|mjs|js|cjs)$/.test(f) && !f.startsWith('_')).length;
  const [examples, none, emptyWorkers, noWorkers] = await Promise.all([
    idleExamples(root, url, plugins),
    idleNoPlugins(root, url),
    idleEmptyWorkers(plugins),
    idleEmptyWorkers(0),
  ]);
  return { plugins, examples, none, emptyWorkers, noWorkers };
}

export interface SoakResult {
  seconds: number;
  rate: number;
  /** Events the sandbox wrote during the soak, per second. */
  written: number;
  /** RSS when the traffic starts, after the warm-up (warmS), its peak after it, at the end, MB. */
  rssStart: number | null;
  warmS: number;
  rssWarm: number | null;
  rssPeak: number | null;
  rssEnd: number | null;
  /** RSS once a minute (s, MB): start-up growth levels off, a leak goes on. */
  perMinute: Array<[number, number]>;
  /** How far behind the every-event plugin was when the traffic stopped, events. */
  lagAtEnd: number;
}

export async function soak(root: string, sb: SandboxProc, rate: number, seconds: number): Promise<SoakResult> {
  const setup = daemonDir(root, 'soak', sb.url, { fetch_interval: 1, max_event_batch_size: 500 });
  const specs = pluginSpecs(setup.dir);
  for (const p of specs) writeFileSync(path.join(setup.plugins, `${p.name}.mjs`), jsPlugin(p, -1, -1));
  const every = specs.find((p) => p.every === 1)!;
  const d = startDaemon(setup, null, 'soak');
  const lastSeen = () => (existsSync(every.out) ? Number(readFileSync(every.out, 'utf8').split(' ')[1]) : 0);
  try {
    await d.waitLine(/engine starting/, 15_000);
    // Start: the plugins loaded (the poll filter is decided once they all are).
    await d.waitLine(/Polling every event type|Pushing an event_type filter/, 60_000);
    const s0 = (await sb.control('/stats')) as { events: { lastId: number } };
    const rssStart = rssMb(d.child.pid);
    await sb.control('/traffic', { rate });
    const t0 = now();
    // Ring buffers, caches and V8's young generation fill during the first minute (less in a
    // short soak): growth is judged from the end of the warm-up to the end.
    const warmS = Math.min(60, seconds / 2);
    let warm: number | null = null;
    let peak = 0;
    const perMinute: Array<[number, number]> = [];
    while (now() - t0 < seconds * 1000) {
      await sleep(1000);
      if (d.child.exitCode !== null) throw new Error(`daemon exited during the soak (${d.child.exitCode})`);
      const r = rssMb(d.child.pid);
      if (r !== null) {
        if (warm === null && now() - t0 >= warmS * 1000) warm = r;
        if (warm !== null && r > peak) peak = r;
      }
      const s = Math.round((now() - t0) / 1000);
      if (r !== null && s >= (perMinute.length + 1) * 60) {
        perMinute.push([s, r]);
        progress(`soak: ${s} s, RSS ${r.toFixed(0)} MB`);
      }
    }
    await sb.control('/traffic', { rate: 0 });
    const s1 = (await sb.control('/stats')) as { events: { lastId: number } };
    const lagAtEnd = s1.events.lastId - lastSeen();
    return {
      seconds,
      rate,
      written: ((s1.events.lastId - s0.events.lastId) / (now() - t0)) * 1000,
      rssStart,
      warmS,
      rssWarm: warm,
      rssPeak: peak || null,
      rssEnd: rssMb(d.child.pid),
      perMinute,
      lagAtEnd,
    };
  } finally {
    await sb.control('/traffic', { rate: 0 }).catch(() => {});
    await stopChild(d.child);
    saveOutput(d, setup.dir);
  }
}
