// Memory: the daemon idle with every example plugin in plugins/ (26 here), and its RSS over a soak
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
async function idleNoPlugins(root: string, url: string): Promise<number | null> {
  const setup = daemonDir(root, 'idle-none', url, { fetch_interval: 1 });
  const d = startDaemon(setup, null, 'idle-none');
  try {
    await d.waitLine(/engine starting/, 60_000);
    return await settledRss(d.child.pid);
  } finally {
    await stopChild(d.child);
    saveOutput(d, setup.dir);
  }
}

export async function idleRss(root: string, url: string): Promise<IdleResult> {
  const rssNoPlugins = await idleNoPlugins(root, url);
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
    return { plugins: examples.length, rss, settledMs: now() - d.startedAt, rssNoPlugins };
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
  /** RSS after the first tenth of the soak (warm), its peak, at the end, MB. */
  rssWarm: number | null;
  rssPeak: number | null;
  rssEnd: number | null;
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
    const s0 = (await sb.control('/stats')) as { events: { lastId: number } };
    await sb.control('/traffic', { rate });
    const t0 = now();
    let warm: number | null = null;
    let peak = 0;
    let lastReport = t0;
    while (now() - t0 < seconds * 1000) {
      await sleep(1000);
      if (d.child.exitCode !== null) throw new Error(`daemon exited during the soak (${d.child.exitCode})`);
      const r = rssMb(d.child.pid);
      if (r !== null) {
        if (warm === null && now() - t0 >= seconds * 100) warm = r;
        if (warm !== null && r > peak) peak = r;
      }
      if (now() - lastReport > 60_000) {
        lastReport = now();
        progress(`soak: ${Math.round((now() - t0) / 1000)} s, RSS ${r?.toFixed(0)} MB`);
      }
    }
    await sb.control('/traffic', { rate: 0 });
    const s1 = (await sb.control('/stats')) as { events: { lastId: number } };
    const lagAtEnd = s1.events.lastId - lastSeen();
    return {
      seconds,
      rate,
      written: ((s1.events.lastId - s0.events.lastId) / (now() - t0)) * 1000,
      rssWarm: warm,
      rssPeak: peak || null,
      rssEnd: rssMb(d.child.pid),
      lagAtEnd,
    };
  } finally {
    await sb.control('/traffic', { rate: 0 }).catch(() => {});
    await stopChild(d.child);
    saveOutput(d, setup.dir);
  }
}
