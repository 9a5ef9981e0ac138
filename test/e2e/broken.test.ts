// End to end, the "what looked broken" list of issue 10, each against a real `run --ui`
// on the sandbox with traffic: "Show event" from a held card selects and scrolls to the
// row; the held chip's icon is drawn (no missing glyph); "Move cursor…" has that name;
// Pause and Disable say what each does; `/` and `?`; the filter bar on one row at 1440 px
// with a four-digit count; and, last, a lost link: the header stops claiming
// "connected" and an action says at once that it was not sent.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { recorderPlugin } from '../daemon/harness.js';
import { chromiumMissing, E2E_TIMEOUT, eventually, launchBrowser, openPlugin, openUi, startUi, stopUi, tab, waitPluginState, type UiRun } from './helpers.js';

let run: UiRun | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
let flag = '';

describe.skipIf(chromiumMissing())('e2e: what looked broken', { timeout: E2E_TIMEOUT }, () => {
  beforeAll(async () => {
    run = await startUi({
      plugins: (site) => {
        flag = path.join(site.dir, 'flaky.fail');
        return {
          rec: recorderPlugin(site.recordsDir, 'rec'),
          flaky: recorderPlugin(site.recordsDir, 'flaky', {
            header: `import { existsSync } from 'node:fs';`,
            body: `if (existsSync(${JSON.stringify(flag)})) throw new Error('failing on purpose');`,
          }),
        };
      },
      config: { daemon: { retry_backoff: '0.2' } },
      rate: 60,
    });
    browser = await launchBrowser();
    ({ context, page } = await openUi(browser, `${run.url}#events`));
  }, E2E_TIMEOUT);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stopUi(run);
  });

  it('keeps the events filter bar on one row at 1440 px with a four-digit count', async () => {
    const count = page.getByLabel('Events shown', { exact: true });
    await eventually(async () => /^\d{4} events$/.test((await count.textContent()) ?? ''), 'a four-digit count', 90_000);
    run!.site.sandbox.traffic.setRate(5);
    await page.getByLabel('Event type', { exact: true }).fill('Shotgun_*');
    await eventually(async () => /^\d{4} of \d{4}$/.test((await count.textContent()) ?? ''), 'a filtered four-digit count');
    const bottoms = await page.getByRole('search', { name: 'Event filters', exact: true }).evaluate((bar) =>
      [...bar.children].filter((c) => c.tagName !== 'DATALIST').map((c) => Math.round(c.getBoundingClientRect().bottom)),
    );
    expect(Math.max(...bottoms) - Math.min(...bottoms)).toBeLessThanOrEqual(2);
    await page.getByRole('button', { name: 'Clear filters', exact: true }).click();
  });

  it('"Show event" on a held card selects the row and scrolls to it; the held chip has a drawn icon', async () => {
    writeFileSync(flag, 'fail\n');
    await tab(page, 'Plugins');
    await waitPluginState(page, 'flaky', 'holding');
    const card = await openPlugin(page, 'flaky');
    const held = card.getByRole('group', { name: 'Held event of plugin flaky', exact: true });
    const heldId = Number(/Holding on event #(\d+)/.exec((await held.textContent()) ?? '')?.[1]);
    // Let more events arrive, so the held row is far from the tail.
    await eventually(async () => Number(/#(\d+)/.exec((await page.getByTestId('head-id').textContent()) ?? '')?.[1]) > heldId + 60, 'events past the held one');
    await held.getByRole('button', { name: `Show held event ${heldId}`, exact: true }).click();
    const row = page.locator(`#event-row-${heldId}`);
    await row.waitFor();
    expect(await row.getAttribute('aria-selected')).toBe('true');
    const grid = await page.getByRole('grid', { name: 'Events', exact: true }).locator('.scroll').boundingBox();
    await eventually(async () => {
      const r = await row.boundingBox();
      return r && grid && r.y >= grid.y && r.y + r.height <= grid.y + grid.height;
    }, 'the held row scrolled into view');
    const icon = row.locator('.chip-held .icon-held');
    await icon.waitFor();
    const box = await icon.boundingBox();
    expect(box!.width).toBeGreaterThan(3);
    expect(await icon.evaluate((el) => getComputedStyle(el).borderLeftStyle)).toBe('solid');
    expect(await page.locator('body').textContent()).not.toContain('⏸');
    rmSync(flag);
    await tab(page, 'Plugins');
    await card.getByRole('button', { name: 'Retry held event for plugin flaky', exact: true }).click();
    await waitPluginState(page, 'flaky', 'running');
  });

  it('names "Move cursor…" after what it does, and says what Pause and Disable each do', async () => {
    const card = await openPlugin(page, 'rec');
    await card.getByRole('button', { name: 'Move cursor of plugin rec', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Rewind plugin rec', exact: true }).count()).toBe(0);
    const text = (await card.textContent()) ?? '';
    expect(text).toContain('Pause: stop taking events for now. The cursor stays put');
    expect(text).toContain('Disable: switch the plugin off.');
  });

  it('focuses search with / and lists the shortcuts with ?', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('placeholder'))).toBe('name or file');
    await page.keyboard.press('Escape');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await tab(page, 'Logs');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type)).toBe('search');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts', exact: true });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("Focus the current view's search");
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('while disconnected, the header stops claiming "connected" and an action fails at once', async () => {
    await tab(page, 'Plugins');
    await run!.daemon.stop();
    await page.getByRole('status', { name: /^UI connection: (Disconnected|Reconnecting)/ }).waitFor();
    await page.getByLabel('ShotGrid connection: unknown (not connected to the daemon)', { exact: true }).waitFor();
    expect(await page.getByLabel('Events per second', { exact: true }).textContent()).toBe('–');
    expect(await page.getByTestId('health').getAttribute('data-tone')).toBe('unknown');
    await page.getByRole('button', { name: 'Pause all', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'pauseAll failed: not connected to the daemon, so nothing was sent' }).waitFor({ timeout: 5000 });
  });
});
