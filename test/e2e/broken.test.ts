// End to end, the "what looked broken" list of issue 10, each against a real `run --ui`
// on the sandbox with traffic: "Show event" from a held card selects and scrolls to the
// row; the held chip's icon is drawn (no missing glyph); "Move cursor…" has that name;
// Pause and Disable say what each does; `/` and `?`; the filter bar on one row at 1440 px
// with a four-digit count; and, last, a lost link: the header stops claiming
// "connected" and an action says at once that it was not sent.
import { rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recorderPlugin } from '../daemon/harness.js';
import { chromiumMissing, E2E_TIMEOUT, eventually, flakyPlugin, openPlugin, tab, uiSession, waitPluginState } from './helpers.js';

let flag = '';
const ui = uiSession({
  plugins: (site) => {
    const flaky = flakyPlugin(site, 'flaky');
    flag = flaky.flag;
    return { rec: recorderPlugin(site.recordsDir, 'rec'), flaky: flaky.source };
  },
  config: { daemon: { retry_backoff: '0.2' } },
  rate: 60,
  hash: '#events',
});

describe.skipIf(chromiumMissing())('e2e: what looked broken', { timeout: E2E_TIMEOUT }, () => {
  it('keeps the events filter bar on one row at 1440 px with a four-digit count', async () => {
    const count = ui.page.getByLabel('Events shown', { exact: true });
    // A thousand events at once rather than 17 s of traffic at 60/s.
    ui.run.site.sandbox.traffic.burst(1000);
    await eventually(async () => /^\d{4} events$/.test((await count.textContent()) ?? ''), 'a four-digit count', 90_000);
    ui.run.site.sandbox.traffic.setRate(5);
    await ui.page.getByLabel('Event type', { exact: true }).fill('Shotgun_*');
    await eventually(async () => /^\d{4} of \d{4}$/.test((await count.textContent()) ?? ''), 'a filtered four-digit count');
    const bottoms = await ui.page
      .getByRole('search', { name: 'Event filters', exact: true })
      .evaluate((bar) => [...bar.children].filter((c) => c.tagName !== 'DATALIST').map((c) => Math.round(c.getBoundingClientRect().bottom)));
    expect(Math.max(...bottoms) - Math.min(...bottoms)).toBeLessThanOrEqual(2);
    await ui.page.getByRole('button', { name: 'Clear filters', exact: true }).click();
  });

  it('"Show event" on a held card selects the row and scrolls to it; the held chip has a drawn icon', async () => {
    writeFileSync(flag, 'fail\n');
    await tab(ui.page, 'Plugins');
    await waitPluginState(ui.page, 'flaky', 'holding');
    const card = await openPlugin(ui.page, 'flaky');
    const held = card.getByRole('group', { name: 'Held event of plugin flaky', exact: true });
    const heldId = Number(/Holding on event #(\d+)/.exec((await held.textContent()) ?? '')?.[1]);
    // More events, so the held row is far from the tail (at once: the traffic is down to 5/s).
    ui.run.site.sandbox.traffic.burst(80);
    await eventually(
      async () => Number(/#(\d+)/.exec((await ui.page.getByTestId('head-id').textContent()) ?? '')?.[1]) > heldId + 60,
      'events past the held one',
    );
    await held.getByRole('button', { name: `Show held event ${heldId}`, exact: true }).click();
    const row = ui.page.locator(`#event-row-${heldId}`);
    await row.waitFor();
    expect(await row.getAttribute('aria-selected')).toBe('true');
    const grid = await ui.page.getByRole('grid', { name: 'Events', exact: true }).locator('.scroll').boundingBox();
    await eventually(async () => {
      const r = await row.boundingBox();
      return r && grid && r.y >= grid.y && r.y + r.height <= grid.y + grid.height;
    }, 'the held row scrolled into view');
    const icon = row.locator('.chip-held .icon-held');
    await icon.waitFor();
    const box = await icon.boundingBox();
    expect(box!.width).toBeGreaterThan(3);
    expect(await icon.evaluate((el) => getComputedStyle(el).borderLeftStyle)).toBe('solid');
    expect(await ui.page.locator('body').textContent()).not.toContain('⏸');
    rmSync(flag);
    await tab(ui.page, 'Plugins');
    await card.getByRole('button', { name: 'Retry held event for plugin flaky', exact: true }).click();
    await waitPluginState(ui.page, 'flaky', 'running');
  });

  it('names "Move cursor…" after what it does, and says what Pause and Disable each do', async () => {
    const card = await openPlugin(ui.page, 'rec');
    await card.getByRole('button', { name: 'Move cursor of plugin rec', exact: true }).waitFor();
    expect(await ui.page.getByRole('button', { name: 'Rewind plugin rec', exact: true }).count()).toBe(0);
    const text = (await card.textContent()) ?? '';
    expect(text).toContain('Pause: stop taking events for now. The cursor stays put');
    expect(text).toContain('Disable: switch the plugin off.');
  });

  it('focuses search with / and lists the shortcuts with ?', async () => {
    await ui.page.locator('body').click({ position: { x: 5, y: 5 } });
    await ui.page.keyboard.press('/');
    expect(await ui.page.evaluate(() => document.activeElement?.getAttribute('placeholder'))).toBe('name or file');
    await ui.page.keyboard.press('Escape');
    await ui.page.locator('body').click({ position: { x: 5, y: 5 } });
    await tab(ui.page, 'Logs');
    await ui.page.locator('body').click({ position: { x: 5, y: 5 } });
    await ui.page.keyboard.press('/');
    expect(await ui.page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type)).toBe('search');
    await ui.page.locator('body').click({ position: { x: 5, y: 5 } });
    await ui.page.keyboard.press('?');
    const dialog = ui.page.getByRole('dialog', { name: 'Keyboard shortcuts', exact: true });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("Focus the current view's search");
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('while disconnected, the header stops claiming "connected" and an action fails at once', async () => {
    await tab(ui.page, 'Plugins');
    await ui.run.daemon.stop();
    await ui.page.getByRole('status', { name: /^UI connection: (Disconnected|Reconnecting)/ }).waitFor();
    await ui.page.getByLabel('ShotGrid connection: unknown (not connected to the daemon)', { exact: true }).waitFor();
    expect(await ui.page.getByLabel('Events per second', { exact: true }).textContent()).toBe('–');
    expect(await ui.page.getByTestId('health').getAttribute('data-tone')).toBe('unknown');
    await ui.page.getByRole('button', { name: 'Pause all', exact: true }).click();
    await ui.page
      .getByRole('alert')
      .filter({ hasText: 'pauseAll failed: not connected to the daemon, so nothing was sent' })
      .waitFor({ timeout: 5000 });
  });
});
