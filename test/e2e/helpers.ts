// End-to-end helpers: the real `shotgun-events run --ui` (built dist/, child process) on a
// sandbox site with its traffic generator, and Debian's Chromium driven by playwright-core
// (never a downloaded browser). Controls are found by their accessible names
// (renderer/README.md), always with `exact: true`.
//
// Robustness on a loaded 2-core machine: nothing waits a fixed time; every step waits for
// a condition with a generous deadline.

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { pageListeners as listenersOf } from '../../bench/page-listeners.js';
import { makeSite, recorderPlugin, ROOT, type Daemon, type Site } from '../daemon/harness.js';

export const CHROMIUM = process.env.SHOTGUN_EVENTS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Screenshots of each main view: the test output folder (gitignored), never committed. */
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

/** Per-test budget: starting a daemon and a browser on a busy 2-core machine takes a while. */
export const E2E_TIMEOUT = 120_000;
/** How long a single UI condition may take to come true. */
export const WAIT = 30_000;

/**
 * Why the e2e tests are skipped here (Chromium not installed), or null. Never in CI:
 * .ci/run installs it, and a missing browser must fail there, not pass as skipped.
 */
export function chromiumMissing(): string | null {
  if (process.env.CI || existsSync(CHROMIUM)) return null;
  return `${CHROMIUM} is missing (apt-get install -y chromium)`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export interface UiRun {
  site: Site;
  daemon: Daemon;
  /** What the daemon printed after `UI: ` (with `?token=` when one is required). */
  url: string;
  /** `http://127.0.0.1:PORT` */
  base: string;
  port: number;
  token: string | null;
}

export interface StartOptions {
  /** Plugin files: name → source (`<name>.mjs`), given the site (its recordsDir, dir). */
  plugins: (site: Site) => Record<string, string>;
  /** Traffic generator rate, events/s (set once the daemon is up). */
  rate?: number;
  /** `--ui` argument; default 127.0.0.1:0. */
  listen?: string;
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Config overrides per section (harness writeConfig). */
  config?: Record<string, Record<string, string | number>>;
}

/** A sandbox site, plugins, and `run --config FILE --ui HOST:PORT` until it prints its URL. */
export async function startUi(o: StartOptions): Promise<UiRun> {
  const site = await makeSite();
  try {
    if (o.config) site.writeConfig(o.config);
    for (const [name, source] of Object.entries(o.plugins(site))) site.writePlugin(`${name}.mjs`, source);
    const daemon = site.run(['--ui', o.listen ?? '127.0.0.1:0', ...(o.extraArgs ?? [])], o.env ?? {});
    await daemon.waitFor(/^UI: http\S+$/m, WAIT);
    const url = /^UI: (http\S+)$/m.exec(daemon.output())![1]!;
    const u = new URL(url);
    const port = Number(u.port);
    await daemon.waitFor(/Polling every event type|Pushing an event_type filter/, WAIT);
    if (o.rate) site.sandbox.traffic.setRate(o.rate);
    return { site, daemon, url, base: `http://127.0.0.1:${port}`, port, token: u.searchParams.get('token') };
  } catch (e) {
    await site.close();
    throw e;
  }
}

export async function stopUi(run: UiRun | undefined): Promise<void> {
  if (!run) return;
  run.site.sandbox.traffic.setRate(0);
  if (run.daemon.proc.exitCode === null && run.daemon.proc.signalCode === null) {
    const t = setTimeout(() => run.daemon.proc.kill('SIGKILL'), 15_000);
    await run.daemon.stop();
    clearTimeout(t);
  }
  await run.site.close();
}

/** A recorder plugin that throws on every event while its flag file exists (`fail`/`heal`). */
export function flakyPlugin(site: Site, name: string, why = 'failing on purpose'): { source: string; flag: string } {
  const flag = path.join(site.dir, `${name}.fail`);
  const source = recorderPlugin(site.recordsDir, name, {
    header: `import { existsSync } from 'node:fs';`,
    body: `if (existsSync(${JSON.stringify(flag)})) throw new Error(${JSON.stringify(`${name}: ${why}`)});`,
  });
  return { source, flag };
}

/** What a test file drives: its daemon, the browser, and the page opened on the UI. */
export interface UiSession {
  readonly run: UiRun;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
}

export interface SessionOptions extends StartOptions {
  /** Opens the page at `run.url` + this (e.g. `#plugins/rec`); no page when null. */
  hash?: string | null;
  /** Opens the page itself instead (e.g. with another colour scheme or time zone). */
  open?: (browser: Browser, run: UiRun) => Promise<{ context: BrowserContext; page: Page }>;
  /** Waits for what the file's tests start from (plugins running, some history). */
  ready?: (s: UiSession) => Promise<void>;
}

/**
 * One UI session per test file: `startUi`, Chromium and a page, set up before the file's
 * tests and torn down after them (registered here, so call it at the top of the file).
 * Nothing is started when Chromium is missing: the file's describe is skipped then.
 */
export function uiSession(o: SessionOptions): UiSession {
  let run: UiRun | undefined;
  let browser: Browser | undefined;
  let opened: { context: BrowserContext; page: Page } | undefined;
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`the UI session has no ${what} (did its setup fail?)`);
    return v;
  };
  const session: UiSession = {
    get run() {
      return need(run, 'daemon');
    },
    get browser() {
      return need(browser, 'browser');
    },
    get context() {
      return need(opened, 'page').context;
    },
    get page() {
      return need(opened, 'page').page;
    },
  };
  if (chromiumMissing()) return session;
  beforeAll(async () => {
    run = await startUi(o);
    browser = await launchBrowser();
    if (o.open) opened = await o.open(browser, run);
    else if (o.hash !== null) opened = await openUi(browser, `${run.url}${o.hash ?? ''}`);
    await o.ready?.(session);
  }, E2E_TIMEOUT);
  afterAll(async () => {
    await opened?.context.close();
    await browser?.close();
    await stopUi(run);
  });
  return session;
}

/** A page on the UI, connected (the header says Live) and holding a snapshot. */
export async function openUi(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.setDefaultNavigationTimeout(WAIT);
  await page.goto(url);
  await page.getByRole('status', { name: 'UI connection: Live', exact: true }).waitFor();
  await page.getByRole('tab', { name: 'Events', exact: true }).waitFor();
  return { context, page };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

export async function tab(page: Page, name: 'Events' | 'Plugins' | 'Logs' | 'Audit' | 'Settings'): Promise<void> {
  const t = page.getByRole('tab', { name, exact: true });
  await t.click();
  await page.waitForFunction((n) => document.querySelector(`[role=tab][aria-selected=true]`)?.textContent?.startsWith(n), name);
}

/** Polls `fn` until it returns a truthy value (exceptions count as "not yet"). */
export async function eventually<T>(
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  what: string,
  timeoutMs = WAIT,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms: ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ------------------------------------------------------------------ reading the UI

/** The plugin's detail card (shown for the plugin opened in the table: `#plugins/NAME` or openPlugin). */
export function pluginCard(page: Page, name: string): Locator {
  return page.getByRole('region', { name: `Plugin ${name}`, exact: true });
}

/** The plugin's row in the Plugins table. */
export function pluginRow(page: Page, name: string): Locator {
  return page.getByRole('table', { name: 'Plugins', exact: true }).locator(`tr[data-plugin="${name}"]`);
}

/** Opens a plugin's card from the table (Plugins view). */
export async function openPlugin(page: Page, name: string): Promise<Locator> {
  const card = pluginCard(page, name);
  if (!(await card.isVisible())) await page.getByRole('button', { name: `Show plugin ${name}`, exact: true }).click();
  await card.waitFor();
  return card;
}

/** The engine state of a plugin (its table row's data-state). */
export async function pluginState(page: Page, name: string): Promise<string | null> {
  return pluginRow(page, name).getAttribute('data-state');
}

export async function waitPluginState(page: Page, name: string, state: string, timeoutMs = WAIT): Promise<void> {
  await eventually(
    async () => (await pluginState(page, name)) === state,
    `plugin ${name} in state ${state} (is ${await pluginState(page, name).catch(() => '?')})`,
    timeoutMs,
  );
}

export async function pluginNumber(page: Page, name: string, testId: 'plugin-cursor' | 'plugin-processed' | 'plugin-failed'): Promise<number> {
  const text = await pluginCard(page, name).getByTestId(testId).textContent();
  return Number((text ?? '').replace(/[^\d-]/g, ''));
}

/** The Events grid's rendered rows: id, type cell, outcome chips. */
export interface RowInfo {
  id: number;
  type: string;
  chips: Array<{ plugin: string; status: string }>;
}

export async function visibleRows(page: Page): Promise<RowInfo[]> {
  return page.getByRole('grid', { name: 'Events', exact: true }).evaluate((grid) =>
    [...grid.querySelectorAll<HTMLElement>('[data-event-id]')].map((r) => ({
      id: Number(r.dataset.eventId),
      type: r.querySelectorAll('[role=gridcell]')[2]?.textContent ?? '',
      chips: [...r.querySelectorAll<HTMLElement>('.chip[data-plugin]')].map((c) => ({ plugin: c.dataset.plugin!, status: c.dataset.status! })),
    })),
  );
}

export async function headId(page: Page): Promise<number> {
  const t = await page.getByLabel('Head event id', { exact: true }).textContent();
  return Number((t ?? '').replace(/[^\d]/g, ''));
}

/** The page's own event listeners (bench/page-listeners.ts says why not Chromium's counter). */
export async function pageListeners(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  try {
    return await listenersOf(cdp);
  } finally {
    await cdp.detach();
  }
}

/**
 * Sets a <select> (role combobox) by its option's value. By role, not getByLabel: a label
 * wrapping a select has the option texts in its text content, which getByLabel matches.
 */
export async function choose(page: Page | Locator, name: string, value: string): Promise<void> {
  await page.getByRole('combobox', { name, exact: true }).selectOption(value);
}
