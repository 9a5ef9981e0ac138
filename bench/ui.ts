// `npm run bench -- --only ui`: is the UI still responsive with the traffic generator at
// 1,000 events/s for a minute (issue 4)? The real daemon (`shotgun-events run --ui`, a
// child process) with 3 no-op plugins on the bench's sandbox (its own child process); the
// Events view (follow-tail on) in Debian's headless Chromium driven by playwright-core.
// Figures only, no pass/fail:
//   - frames per second: requestAnimationFrame callbacks counted in the page, per window
//     (idle before the traffic, then every few seconds under load, idle after), and the
//     longest gap between two frames;
//   - long tasks (> 50 ms on the page's main thread) and how busy that thread was
//     (CDP Performance metrics: script, layout, style);
//   - the renderer's JS heap (CDP Runtime.getHeapUsage) before (after a GC), its peak,
//     at the end, and after a GC at the end; DOM nodes before/after;
//   - the events the sandbox actually wrote per second, how long the page's head id took to
//     reach the sandbox's last event once the traffic stopped, and a tab switch under load.
// This module gets the bench's helpers from run.ts (it does not import run.ts, which runs).

import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { pageListeners } from './page-listeners.js';
import { cpuMs, rssMb } from './proc.js';
import type { Browser, CDPSession, Page } from 'playwright-core';

export const CHROMIUM = process.env.SHOTGUN_EVENTS_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** What the UI bench needs from bench/run.ts (structural: run.ts's own objects fit). */
export interface UiBenchDeps {
  root: string;
  sandboxUrl: string;
  sandboxPid: number | undefined;
  control(route: string, body?: unknown): Promise<Record<string, unknown>>;
  spawnNode(
    args: string[],
    nodeFlags?: string[],
    cwd?: string,
  ): {
    child: ChildProcess;
    lines: Array<{ at: number; text: string }>;
    waitLine(re: RegExp, timeoutMs: number): Promise<{ at: number; text: string }>;
  };
  daemonDir(root: string, name: string, url: string, daemon: Record<string, string | number>): { dir: string; config: string; plugins: string };
  stopChild(child: ChildProcess): Promise<void>;
  progress(s: string): void;
  cli: string;
  pluginScript: { name: string; key: string };
}

export interface UiBenchOptions {
  /** Traffic, events per second (default 1000). */
  rate: number;
  /** How long the traffic runs (default 60). */
  seconds: number;
}

const PLUGINS = 3;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function noopPlugin(name: string, match: unknown, key: { name: string; key: string }): string {
  return `// bench: a no-op plugin (${name}); its outcomes still travel to the UI.
export function registerCallbacks(reg) {
  reg.registerCallback(${JSON.stringify(key.name)}, ${JSON.stringify(key.key)}, () => {}, null, { matchEvents: ${JSON.stringify(match)} });
}
`;
}

// In-page code, as strings: the bench compiles without the DOM library.
const INSTALL_COUNTERS = `(() => {
  if (window.__bench) return true;
  const b = (window.__bench = { frames: 0, last: performance.now(), maxGap: 0, long: { count: 0, total: 0, max: 0 } });
  const loop = (t) => {
    b.frames++;
    if (t - b.last > b.maxGap) b.maxGap = t - b.last;
    b.last = t;
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        b.long.count++;
        b.long.total += e.duration;
        if (e.duration > b.long.max) b.long.max = e.duration;
      }
    }).observe({ type: 'longtask' });
  } catch {}
  return true;
})()`;

const READ_COUNTERS = `(() => {
  const b = window.__bench;
  const r = { frames: b.frames, t: performance.now(), maxGap: b.maxGap, long: { ...b.long } };
  b.maxGap = 0;
  return r;
})()`;

interface Counters {
  frames: number;
  t: number;
  maxGap: number;
  long: { count: number; total: number; max: number };
}

interface Window {
  fps: number;
  maxGapMs: number;
}

async function measure(page: Page, ms: number): Promise<Window> {
  const a = await page.evaluate<Counters>(READ_COUNTERS);
  await sleep(ms);
  const b = await page.evaluate<Counters>(READ_COUNTERS);
  return { fps: ((b.frames - a.frames) * 1000) / (b.t - a.t), maxGapMs: b.maxGap };
}

async function heapMb(cdp: CDPSession, gc = false): Promise<number> {
  if (gc) await cdp.send('HeapProfiler.collectGarbage');
  const h = await cdp.send('Runtime.getHeapUsage');
  return h.usedSize / 1024 / 1024;
}

async function mainThread(cdp: CDPSession): Promise<Record<string, number>> {
  const m = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(m.metrics.map((x) => [x.name, x.value]));
}

async function headId(page: Page): Promise<number> {
  const t = await page.getByLabel('Head event id', { exact: true }).textContent();
  return Number((t ?? '').replace(/[^\d]/g, ''));
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f0 = (n: number) => (Number.isFinite(n) ? String(Math.round(n)) : '-');
const pct = (n: number) => (Number.isFinite(n) ? `${Math.round(n * 100)}%` : '-');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
}

/** Runs the UI bench; returns the report's lines (or says why it could not run). */
export async function uiBench(deps: UiBenchDeps, opts: UiBenchOptions): Promise<string[]> {
  if (!existsSync(CHROMIUM)) {
    return ['', `UI: skipped: ${CHROMIUM} is missing (apt-get install -y chromium; never a downloaded browser)`];
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    return ['', `UI: skipped: playwright-core cannot be loaded (a dev dependency: npm ci): ${(e as Error).message}`];
  }
  const setup = deps.daemonDir(deps.root, 'ui', deps.sandboxUrl, { fetch_interval: 0.25, max_event_batch_size: 1000 });
  const matches: unknown[] = [null, null, { Shotgun_Task_Change: ['*'], Shotgun_Version_New: ['*'] }];
  for (let i = 0; i < PLUGINS; i++)
    writeFileSync(path.join(setup.plugins, `noop${i + 1}.mjs`), noopPlugin(`noop${i + 1}`, matches[i], deps.pluginScript));

  deps.progress(`ui: daemon with --ui, ${PLUGINS} no-op plugins`);
  const d = deps.spawnNode([deps.cli, 'run', '--config', setup.config, '--grace', '2', '-q', '--ui', '127.0.0.1:0'], [], setup.dir);
  let browser: Browser | null = null;
  try {
    const line = await d.waitLine(/^UI: http\S+/, 30_000);
    const url = /^UI: (http\S+)/.exec(line.text)![1]!;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(60_000);
    await page.goto(`${url}#events`);
    await page.getByRole('status', { name: 'UI connection: Live', exact: true }).waitFor();
    await page.getByRole('grid', { name: 'Events', exact: true }).waitFor();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.evaluate(INSTALL_COUNTERS);

    // Idle, before.
    const windowMs = Math.max(1000, Math.min(5000, (opts.seconds * 1000) / 6));
    const idleBefore = await measure(page, Math.min(3000, windowMs));
    const heapBefore = await heapMb(cdp, true);
    const domBefore = await cdp.send('Memory.getDOMCounters');
    const ownBefore = await pageListeners(cdp);

    // Under load.
    deps.progress(`ui: traffic ${opts.rate} events/s for ${opts.seconds} s`);
    const s0 = (await deps.control('/stats')) as { events: { lastId: number } };
    const m0 = await mainThread(cdp);
    const long0 = (await page.evaluate<Counters>(READ_COUNTERS)).long;
    const cpu0 = { daemon: cpuMs(d.child.pid), sandbox: cpuMs(deps.sandboxPid) };
    const t0 = Date.now();
    await deps.control('/traffic', { rate: opts.rate });
    const windows: Window[] = [];
    let heapPeak = heapBefore;
    let rssPeak = rssMb(d.child.pid) ?? 0;
    let tabSwitch: { plugins: number; events: number } | null = null;
    const end = t0 + opts.seconds * 1000;
    while (Date.now() < end) {
      const w = await measure(page, Math.min(windowMs, Math.max(200, end - Date.now())));
      windows.push(w);
      heapPeak = Math.max(heapPeak, await heapMb(cdp));
      rssPeak = Math.max(rssPeak, rssMb(d.child.pid) ?? 0);
      // Halfway: a tab switch there and back, timed until each view shows.
      if (!tabSwitch && Date.now() - t0 > (opts.seconds * 1000) / 2) {
        const a = Date.now();
        await page.getByRole('tab', { name: 'Plugins', exact: true }).click();
        await page
          .getByRole('table', { name: 'Plugins', exact: true })
          .locator('tr[data-plugin="noop1"] [data-testid=plugin-sparkline] canvas')
          .waitFor();
        const b = Date.now();
        await page.getByRole('tab', { name: 'Events', exact: true }).click();
        await page.locator('[data-event-id]').first().waitFor();
        tabSwitch = { plugins: b - a, events: Date.now() - b };
      }
      deps.progress(`ui: ${f0((Date.now() - t0) / 1000)} s: ${f1(w.fps)} fps, longest frame gap ${f0(w.maxGapMs)} ms, heap ${f1(heapPeak)} MB peak`);
    }
    const elapsed = (Date.now() - t0) / 1000;
    await deps.control('/traffic', { rate: 0 });
    const s1 = (await deps.control('/stats')) as { events: { lastId: number } };
    const m1 = await mainThread(cdp);
    const long1 = (await page.evaluate<Counters>(READ_COUNTERS)).long;
    const cpu1 = { daemon: cpuMs(d.child.pid), sandbox: cpuMs(deps.sandboxPid) };
    const written = s1.events.lastId - s0.events.lastId;
    const headAtStop = await headId(page);

    // Caught up: the page's head id at the sandbox's last event.
    const stopAt = Date.now();
    let caughtUpMs = NaN;
    while (Date.now() - stopAt < 60_000) {
      if ((await headId(page)) >= s1.events.lastId) {
        caughtUpMs = Date.now() - stopAt;
        break;
      }
      await sleep(50);
    }
    const idleAfter = await measure(page, Math.min(3000, windowMs));
    const heapEnd = await heapMb(cdp);
    const heapEndGc = await heapMb(cdp, true);
    const domAfter = await cdp.send('Memory.getDOMCounters');
    const ownAfter = await pageListeners(cdp);
    const shown = (await page.getByLabel('Events shown', { exact: true }).textContent()) ?? '?';
    // The charts were on throughout: the header's uPlot trend (and the sparklines on the tab switch).
    const trendPoints = await page.getByTestId('header-trend').getByRole('img').getAttribute('data-points');

    const busy = (k: string) => ((m1[k] ?? NaN) - (m0[k] ?? NaN)) / elapsed;
    const fps = windows.map((w) => w.fps);
    const mean = fps.reduce((a, b) => a + b, 0) / (fps.length || 1);
    const cpu = (a: number | null, b: number | null) => (a !== null && b !== null ? (b - a) / 1000 / elapsed : NaN);
    const out: string[] = [];
    out.push('');
    out.push(
      `UI: the Events view (follow-tail) in headless Chromium ${browser.version()}, \`run --ui\` with ${PLUGINS} no-op plugins, ` +
        `traffic ${opts.rate} events/s for ${f0(elapsed)} s`,
    );
    out.push(
      `  sandbox wrote ${written} events (${f0(written / elapsed)}/s); the page's head id was ${s1.events.lastId - headAtStop} behind when the traffic stopped,`,
    );
    out.push(
      `  and reached the last event ${Number.isFinite(caughtUpMs) ? `${f0(caughtUpMs)} ms` : 'NOT within 60 s'} later; the page holds ${shown} (ring buffer)`,
    );
    out.push(
      `  frames per second: idle before ${f1(idleBefore.fps)}; under load min ${f1(Math.min(...fps))} / median ${f1(median(fps))} / mean ${f1(mean)} (${fps.length} windows of ${f1(windowMs / 1000)} s); idle after ${f1(idleAfter.fps)}`,
    );
    out.push(
      `  longest gap between two frames under load: ${f0(Math.max(...windows.map((w) => w.maxGapMs)))} ms; long tasks (> 50 ms): ${long1.count - long0.count}, ${f0(long1.total - long0.total)} ms in all, longest ${f0(long1.max)} ms`,
    );
    out.push(
      `  page main thread busy under load: ${pct(busy('TaskDuration'))} (script ${pct(busy('ScriptDuration'))}, layout ${pct(busy('LayoutDuration'))}, style ${pct(busy('RecalcStyleDuration'))})`,
    );
    out.push(
      `  renderer JS heap: before ${f1(heapBefore)} MB (after GC); peak ${f1(heapPeak)} MB; at the end ${f1(heapEnd)} MB, ${f1(heapEndGc)} MB after GC`,
    );
    out.push(
      `  DOM nodes: ${domBefore.nodes} before, ${domAfter.nodes} after; the page's event listeners ${ownBefore} → ${ownAfter} ` +
        `(Chromium's JSEventListeners counter ${domBefore.jsEventListeners} → ${domAfter.jsEventListeners}: it also counts Playwright's and unswept ones)`,
    );
    if (tabSwitch)
      out.push(
        `  tab switch under load: Events → Plugins ${tabSwitch.plugins} ms (table and sparklines drawn), back to Events ${tabSwitch.events} ms (click to view shown)`,
      );
    out.push(`  charts on: the header's trend chart (uPlot) held ${trendPoints ?? '?'} samples (one per 5 s)`);
    out.push(
      `  CPU under load (cores): daemon ${cpu(cpu0.daemon, cpu1.daemon).toFixed(2)}, sandbox ${cpu(cpu0.sandbox, cpu1.sandbox).toFixed(2)}; daemon RSS peak ${f0(rssPeak)} MB`,
    );
    return out;
  } finally {
    await browser?.close().catch(() => undefined);
    await deps.control('/traffic', { rate: 0 }).catch(() => undefined);
    await deps.stopChild(d.child);
  }
}
