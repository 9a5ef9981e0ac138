// `npm run bench`: issue 11's figures, printed as tables beside their targets. Figures
// only, no pass/fail (performance is measured here, never by timed tests).
//
//   raw       our REST client paging N preloaded events from the sandbox (the bare read)
//   catchup   `shotgun-events run` through 5 writer plugins at each batch size
//   original  the original Python daemon (../shared/peer), same site, events and plugins
//   latency   commit → callback at fetch_interval 1 s
//   idle      RSS idle with the example plugins (plugins/)
//   soak      RSS over a soak with the traffic generator at 1,000 events/s
//   ui        (bench/ui.ts) the Events view in headless Chromium under traffic
//
// The sandbox runs in its own child process, so neither side shares an event loop with the
// process that measures. Options: see USAGE in bench/options.ts.

import { existsSync, mkdtempSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { catchUp, type CatchUpResult } from './catchup.js';
import { CLI, SCRIPTS, cleanupSync, now, progress, removeAtExit, spawnNode, stopChild } from './children.js';
import { daemonDir } from './daemon.js';
import { idleRss, soak, type IdleResult, type SoakResult } from './footprint.js';
import { latency } from './latency.js';
import { parseArgs } from './options.js';
import { originalMissing } from './original.js';
import { filledShare, rawBench, type RawResult } from './raw.js';
import { catchUpReport, latencyReport, memoryReport } from './report.js';
import { preload, startSandbox, type Preloaded } from './sandbox.js';
import { uiBench } from './ui.js';

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const root = mkdtempSync(path.join(opts.tmp, 'shotgun-events-bench-'));
  if (opts.keep) progress(`keeping ${root}`);
  else removeAtExit(root);
  const t0 = now();
  const out: string[] = [];
  const loadBefore = loadavg()[0]!;

  progress('starting the sandbox (child process)');
  const sb = await startSandbox();
  const sandboxPid = sb.proc.child.pid;
  try {
    let pre: Preloaded | null = null;
    if (['raw', 'catchup', 'original'].some((p) => opts.only.has(p))) {
      progress(`preloading ${opts.events} events`);
      const p = await preload(sb, opts.events);
      pre = { ...p, filled: await filledShare(sb.url, p) };
      progress(`preloaded ${pre.count} events (ids ${pre.first}..${pre.last}) in ${(pre.ms / 1000).toFixed(1)} s`);
    }

    const raw: RawResult[] = pre && opts.only.has('raw') ? await rawBench(sb.url, pre, sandboxPid) : [];

    const runs: CatchUpResult[] = [];
    let originalNote: string | null = null;
    if (pre && opts.only.has('original')) {
      originalNote = originalMissing();
      if (originalNote) progress(`original daemon skipped: ${originalNote}`);
    }
    if (pre) {
      const ctx = { root, url: sb.url, pre, sandboxPid, profile: opts.profile };
      for (const batch of opts.batches) {
        for (const daemon of ['original', 'shotgun-events'] as const) {
          if (daemon === 'original' && (!opts.only.has('original') || originalNote)) continue;
          if (daemon === 'shotgun-events' && !opts.only.has('catchup')) continue;
          progress(`catch-up: ${daemon}, 5 plugins, batch ${batch}`);
          const r = await catchUp(ctx, daemon, batch);
          progress(`catch-up ${daemon} ${batch}: ${Math.round(r.eps)} events/s, first event ${Math.round(r.firstEventMs)} ms after spawn`);
          runs.push(r);
        }
      }
    }

    // A part that fails says so in the report; the figures of the others still print.
    const failed: string[] = [];
    const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | null> => {
      progress(what);
      try {
        return await fn();
      } catch (e) {
        failed.push(`${what}: FAILED: ${(e as Error).message}`);
        progress(failed[failed.length - 1]!);
        return null;
      }
    };
    const lat = opts.only.has('latency')
      ? await attempt(`latency: ${opts.rate} events/s for ${opts.seconds} s`, () => latency(root, sb.url, opts))
      : null;
    const idle: IdleResult | null = opts.only.has('idle') ? await attempt('idle RSS with the example plugins', () => idleRss(root, sb.url)) : null;
    const soaked: SoakResult | null = opts.only.has('soak')
      ? await attempt(`soak: ${opts.soakRate} events/s for ${opts.soakSeconds} s`, () => soak(root, sb, opts.soakRate, opts.soakSeconds))
      : null;

    let uiLines: string[] = [];
    if (opts.only.has('ui')) {
      const seconds = opts.uiSeconds ?? (opts.secondsGiven ? opts.seconds : 60);
      progress(`ui: traffic ${opts.uiRate} events/s for ${seconds} s, the Events view in headless Chromium`);
      uiLines = await uiBench(
        {
          root,
          sandboxUrl: sb.url,
          sandboxPid,
          control: sb.control,
          spawnNode,
          daemonDir,
          stopChild,
          progress,
          cli: CLI,
          pluginScript: SCRIPTS.plugin,
        },
        { rate: opts.uiRate, seconds },
      );
    }

    const cores = availableParallelism();
    const loadAfter = loadavg()[0]!;
    out.push('', `Shotgun Events bench — ${new Date().toISOString()}, node ${process.version}, ${process.platform}/${process.arch}`);
    out.push(`  ${cores} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB; the sandbox in its own child process`);
    out.push(`run folders (state, plugin output) in ${opts.tmp}`);
    out.push(`load average (1 min) ${loadBefore.toFixed(1)} at start, ${loadAfter.toFixed(1)} at end`);
    if (Math.max(loadBefore, loadAfter) > cores)
      out.push('WARNING: other processes were using the CPUs; these figures are low and noisy, rerun on an idle machine.');
    if (pre && (raw.length || runs.length)) out.push('', ...catchUpReport(pre, opts.batches, raw, runs, originalNote));
    if (lat) out.push(...latencyReport(lat, opts.seconds));
    if (idle || soaked) out.push(...memoryReport(idle, soaked));
    out.push(...uiLines);
    if (failed.length) out.push('', ...failed);
    out.push('', `bench took ${((now() - t0) / 1000).toFixed(0)} s`);
    if (opts.profile) out.push(`cpu profiles in ${opts.profile}`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await stopChild(sb.proc.child);
  }
}

main().then(
  () => {
    cleanupSync();
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
    cleanupSync();
    process.exit(1);
  },
);
