// Catch-up through the 5 writer plugins, for either daemon: every cursor just before the
// preloaded events, started, timed by the plugins' own mark files (first and last
// preloaded event), so both daemons are measured the same way.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stopChild, waitFor, type Spawned } from './children.js';
import { daemonDir, saveOutput, startDaemon, writeState } from './daemon.js';
import { originalDir, startOriginal, writeOriginalState } from './original.js';
import { jsPlugin, pluginSpecs, pyPlugin } from './plugins.js';
import { cpuMs, rssMb } from './proc.js';
import { busiestOtherThread, threadCpuMs } from './threads.js';
import type { Preloaded } from './sandbox.js';

export type Daemon = 'shotgun-events' | 'original';

export interface CatchUpResult {
  daemon: Daemon;
  batch: number;
  /** First preloaded event's callback → last event's callback in every plugin. */
  eps: number;
  /** Process spawn → first callback (start-up, plugin loading, first page). */
  firstEventMs: number;
  /** Spawn → last callback. */
  totalMs: number;
  rssPeak: number | null;
  /** CPU per 100k events, spawn → last callback: the daemon (all threads) and the sandbox, ms. */
  daemonCpu: number | null;
  /** Of which its main thread. */
  daemonMainCpu: number | null;
  /** Of which its busiest other thread: the every-event plugin's worker (boot included). */
  daemonWorkerCpu: number | null;
  sandboxCpu: number | null;
  /** Requests the site served, spawn → last callback (a daemon reading pages twice shows here). */
  siteRequests: number | null;
}

/** Requests the sandbox has served so far (its /_sandbox/stats counter). */
async function siteRequests(url: string): Promise<number | null> {
  try {
    const r = await fetch(`${url}/_sandbox/stats`);
    return ((await r.json()) as { total: number }).total;
  } catch {
    return null;
  }
}

export interface CatchUpContext {
  root: string;
  url: string;
  pre: Preloaded;
  sandboxPid: number | undefined;
  profile: string | null;
}

export async function catchUp(ctx: CatchUpContext, daemon: Daemon, batch: number): Promise<CatchUpResult> {
  const { pre } = ctx;
  const tag = `${daemon === 'original' ? 'original' : 'catchup'}-${batch}`;
  // The original reads fetch_interval as an integer; neither daemon sleeps after a full
  // page, so it only matters once the catch-up is over.
  const settings = { fetch_interval: daemon === 'original' ? 1 : 0.1, max_event_batch_size: batch };
  let d: Spawned;
  let dir: string;
  let specs;
  if (daemon === 'original') {
    const setup = originalDir(ctx.root, tag, ctx.url, settings);
    specs = pluginSpecs(setup.dir);
    for (const p of specs) writeFileSync(path.join(setup.plugins, `${p.name}.py`), pyPlugin(p, pre.first, pre.last));
    writeOriginalState(
      setup,
      specs.map((p) => p.name),
      pre.before,
    );
    dir = setup.dir;
    d = startOriginal(setup);
  } else {
    const setup = daemonDir(ctx.root, tag, ctx.url, settings);
    specs = pluginSpecs(setup.dir);
    for (const p of specs) writeFileSync(path.join(setup.plugins, `${p.name}.mjs`), jsPlugin(p, pre.first, pre.last));
    writeState(
      setup,
      specs.map((p) => p.name),
      pre.before,
    );
    dir = setup.dir;
    d = startDaemon(setup, ctx.profile, tag);
  }
  const pid = d.child.pid;
  const requests0 = await siteRequests(ctx.url);
  const cpu0 = { daemon: cpuMs(pid), main: cpuMs(pid, true), sandbox: cpuMs(ctx.sandboxPid), threads: threadCpuMs(pid) };
  try {
    let rssPeak = 0;
    const readMark = (m: string) => (existsSync(m) ? Number(readFileSync(m, 'utf8')) : NaN);
    const timeoutMs = Math.max(120_000, pre.count * 2);
    const lasts = await waitFor(
      `all ${specs.length} plugins of ${daemon} to reach event ${pre.last} (batch ${batch})`,
      timeoutMs,
      () => {
        const r = rssMb(pid);
        if (r !== null && r > rssPeak) rssPeak = r;
        if (d.child.exitCode !== null)
          throw new Error(
            `${daemon} exited (${d.child.exitCode}):\n${d.lines
              .slice(-15)
              .map((l) => l.text)
              .join('\n')}`,
          );
        const v = specs.map((p) => readMark(`${p.mark}.last`));
        return v.every((x) => Number.isFinite(x)) ? v : null;
      },
      20,
    );
    const cpu1 = { daemon: cpuMs(pid), main: cpuMs(pid, true), sandbox: cpuMs(ctx.sandboxPid), threads: threadCpuMs(pid) };
    const busiest = busiestOtherThread(pid, cpu0.threads, cpu1.threads);
    const requests1 = await siteRequests(ctx.url);
    const per = 100_000 / pre.count;
    const used = (a: number | null, b: number | null) => (a !== null && b !== null ? (b - a) * per : null);
    const firsts = specs.map((p) => readMark(`${p.mark}.first`));
    if (!firsts.every((x) => Number.isFinite(x))) throw new Error(`${daemon}: a plugin never saw the first preloaded event ${pre.first}`);
    const end = Math.max(...lasts);
    const begin = Math.min(...firsts);
    return {
      daemon,
      batch,
      eps: ((pre.count - 1) / (end - begin)) * 1000,
      firstEventMs: begin - d.startedAt,
      totalMs: end - d.startedAt,
      rssPeak: rssPeak || null,
      daemonCpu: used(cpu0.daemon, cpu1.daemon),
      daemonMainCpu: daemon === 'original' ? null : used(cpu0.main, cpu1.main),
      daemonWorkerCpu: daemon === 'original' || busiest === null ? null : busiest * per,
      sandboxCpu: used(cpu0.sandbox, cpu1.sandbox),
      // (minus the one /_sandbox/stats request of the first count)
      siteRequests: requests0 !== null && requests1 !== null ? requests1 - requests0 - 1 : null,
    };
  } finally {
    await stopChild(d.child);
    saveOutput(d, dir);
  }
}
