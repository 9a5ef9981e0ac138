// Memory: the daemon idle with every example plugin in plugins/ (27 here), and its RSS over a soak
// with the traffic generator writing at a steady rate.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, now, progress, sleep, stopChild, waitFor } from './children.js';
import { daemonDir, saveOutput, startDaemon } from './daemon.js';
import { jsPlugin, pluginSpecs } from './plugins.js';
import { rssMb } from './proc.js';
import type { SandboxProc } from './sandbox.js';

const EXAMPLES = path.join(ROOT, 'plugins');

export interface IdleResult {
  plugins: number;
  rss: number | null;
  /** Spawn → RSS settled, ms. */
  settledMs: number;
  /** The same daemon with no plugin at all (its main thread alone), MB: what is left is the workers'. */
  rssNoPlugins: number | null;
  /** Where the RSS is, with and without the plugins (docs/performance.md, "Memory, round 5"). */
  split: MemSplit | null;
  splitNoPlugins: MemSplit | null;
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

/** RSS once it has stopped moving (within 2% over 5 s), or after 60 s at the latest. */
async function settledRss(pid: number | undefined): Promise<number | null> {
  const samples: number[] = [];
  const t0 = Date.now();
  for (;;) {
    const r = rssMb(pid);
    if (r === null) return null;
    samples.push(r);
    const last = samples.slice(-10);
    if (last.length === 10 && Math.max(...last) <= Math.min(...last) * 1.02) return last[last.length - 1]!;
    if (Date.now() - t0 > 60_000) return r;
    await sleep(500);
  }
}

/** RSS of the daemon idle with an empty plugin folder: the floor the workers add to. */
async function idleNoPlugins(root: string, url: string): Promise<{ rss: number | null; split: MemSplit | null }> {
  const setup = daemonDir(root, 'idle-none', url, { fetch_interval: 1 });
  const d = startDaemon(setup, null, 'idle-none');
  try {
    await d.waitLine(/engine starting/, 60_000);
    const rss = await settledRss(d.child.pid);
    return { rss, split: memSplit(d.child.pid) };
  } finally {
    await stopChild(d.child);
    saveOutput(d, setup.dir);
  }
}

export async function idleRss(root: string, url: string): Promise<IdleResult> {
  const none = await idleNoPlugins(root, url);
  const examples = readdirSync(EXAMPLES).filter((f) => /\.(ts|mjs|js|cjs)$/.test(f) && !f.startsWith('_'));
  const setup = daemonDir(root, 'idle', url, { fetch_interval: 1 }, EXAMPLES);
  const d = startDaemon(setup, null, 'idle');
  try {
    // A first start: every plugin is new and says so, one after the other (each loads in its
    // worker before the next: minutes on a loaded machine); then the memory settles.
    await waitFor(
      `the daemon to register the ${examples.length} example plugins`,
      300_000,
      () => {
        if (d.child.exitCode !== null)
          throw new Error(
            `daemon exited (${d.child.exitCode}):\n${d.lines
              .slice(-15)
              .map((l) => l.text)
              .join('\n')}`,
          );
        return d.lines.filter((l) => /New plugin /.test(l.text)).length >= examples.length;
      },
      50,
    );
    const rss = await settledRss(d.child.pid);
    return {
      plugins: examples.length,
      rss,
      settledMs: now() - d.startedAt,
      rssNoPlugins: none.rss,
      split: memSplit(d.child.pid),
      splitNoPlugins: none.split,
    };
  } finally {
    await stopChild(d.child);
    saveOutput(d, setup.dir);
  }
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
