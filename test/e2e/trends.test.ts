// End to end, trends (issue 10) against a real `run --ui` on the sandbox with traffic: the
// header's uPlot chart of events/s and the slowest lag, one sparkline per plugin, the
// series sent in the snapshot (a reload shows the history at once), and a paused plugin's
// lag: head minus cursor in events and a growing age, not a frozen "0 events".
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { recorderPlugin } from '../daemon/harness.js';
import {
  chromiumMissing,
  E2E_TIMEOUT,
  eventually,
  headId,
  pageListeners,
  pluginCard,
  pluginNumber,
  pluginRow,
  screenshot,
  uiSession,
  waitPluginState,
} from './helpers.js';

const STEP_MS = 1000;
const points = async (chart: ReturnType<Page['locator']>) => Number(await chart.getAttribute('data-points'));

const ui = uiSession({
  plugins: (site) => ({
    rec: recorderPlugin(site.recordsDir, 'rec'),
    slow: recorderPlugin(site.recordsDir, 'slow', { body: `await new Promise((r) => setTimeout(r, 30));` }),
  }),
  rate: 12,
  // One sample a second, not every 5 s: the waits for samples below take a fifth as long.
  env: { SHOTGUN_EVENTS_TREND_STEP_MS: String(STEP_MS) },
  hash: '#plugins',
  ready: ({ page }) => waitPluginState(page, 'rec', 'running'),
});

describe.skipIf(chromiumMissing())('e2e: trends', { timeout: E2E_TIMEOUT }, () => {
  it('draws the header chart (events/s, slowest lag) with uPlot, one point per sample step', async () => {
    const chart = ui.page.getByTestId('header-trend').getByRole('img');
    // A sample at start, then one every STEP_MS.
    await eventually(async () => (await points(chart)) >= 3, 'three samples', 60_000);
    expect(await chart.locator('canvas').count()).toBe(1);
    const label = (await chart.getAttribute('aria-label')) ?? '';
    expect(label).toMatch(/^Trend over the last \d+ min: [\d.]+ events\/s, slowest lag \d+ events$/);
    await eventually(
      async () => /: [1-9][\d.]* events\/s/.test((await chart.getAttribute('aria-label')) ?? ''),
      'a non-zero rate in a sample',
      60_000,
    );
    await screenshot(ui.page, 'header-chart');
  });

  it('draws a sparkline per plugin (lag and p95)', async () => {
    for (const name of ['rec', 'slow']) {
      const spark = pluginRow(ui.page, name).getByTestId('plugin-sparkline').getByRole('img');
      await eventually(async () => (await points(spark)) >= 3, `${name}'s sparkline`, 60_000);
      expect(await spark.locator('canvas').count()).toBe(1);
    }
    await eventually(
      async () =>
        /p95 \d+ ms/.test((await pluginRow(ui.page, 'slow').getByTestId('plugin-sparkline').getByRole('img').getAttribute('aria-label')) ?? ''),
      "slow's p95 in its sparkline",
    );
    await screenshot(ui.page, 'plugin-sparklines');
  });

  // The UI bench saw Chromium's listener counter go 192 → 210 over 10 min; the page's own
  // listeners are what must stay put while the charts redraw (docs/performance.md, "UI
  // event listeners").
  it('keeps the same event listeners across trend samples (header chart and sparklines redrawn)', async () => {
    const chart = ui.page.getByTestId('header-trend').getByRole('img');
    const spark = pluginRow(ui.page, 'rec').getByTestId('plugin-sparkline').getByRole('img');
    const from = await points(chart);
    const before = await pageListeners(ui.page);
    await eventually(async () => (await points(chart)) >= from + 6 && (await points(spark)) >= from + 6, 'six more samples', 90_000);
    expect(await pageListeners(ui.page)).toBe(before);
  });

  it('sends the series in the snapshot: a reload shows the history at once', async () => {
    const chart = ui.page.getByTestId('header-trend').getByRole('img');
    const before = await points(chart);
    await ui.page.reload();
    await ui.page.getByRole('status', { name: 'UI connection: Live', exact: true }).waitFor();
    await eventually(async () => (await points(chart)) >= before, 'the history after the reload');
  });

  it("shows a paused plugin's lag as head minus cursor, and its age growing", async () => {
    await ui.page.getByRole('button', { name: 'Show plugin rec', exact: true }).click();
    const card = pluginCard(ui.page, 'rec');
    await card.getByRole('button', { name: 'Pause plugin rec', exact: true }).click();
    await waitPluginState(ui.page, 'rec', 'paused');
    const cursor = await eventually(async () => {
      const c = await pluginNumber(ui.page, 'rec', 'plugin-cursor');
      const r = ui.run.site.records('rec');
      return r[r.length - 1]?.id === c ? c : null;
    }, 'the paused cursor settled');
    await eventually(async () => (await headId(ui.page)) >= cursor + 53, 'the head 53 past the cursor', 60_000);
    const lagOf = async () => {
      const t = (await card.getByTestId('plugin-lag').textContent()) ?? '';
      const m = /^(\d+) events.* · (\d+) (s|min)/.exec(t);
      return m ? { events: Number(m[1]), age: Number(m[2]) * (m[3] === 'min' ? 60 : 1) } : null;
    };
    // Head minus cursor, as the header's head id says.
    await eventually(async () => {
      const l = await lagOf();
      const head = await headId(ui.page);
      return l && l.events === head - cursor && l.events >= 53;
    }, 'lag = head - cursor');
    const first = (await lagOf())!;
    expect(first.age).toBeGreaterThan(0);
    await eventually(async () => ((await lagOf())?.age ?? 0) >= first.age + 2, 'the age of the oldest unprocessed event growing');
    // The table says the same.
    expect(await pluginRow(ui.page, 'rec').getByTestId('row-lag').textContent()).toMatch(/^\d+ · \d+ (s|min) · stalled$/);
    expect(await card.getByTestId('lag-stalled').getAttribute('title')).toMatch(/^Not consuming events: it is paused\./);
    await card.getByRole('button', { name: 'Resume plugin rec', exact: true }).click();
    await waitPluginState(ui.page, 'rec', 'running');
  });
});
