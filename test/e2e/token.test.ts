// End to end, the headless UI off loopback: `run --ui 0.0.0.0:0` generates a token and
// prints it in the URL; the page (and its WebSocket) are refused without it (401) and load
// with it. Actions through the token are audited under SHOTGUN_EVENTS_UI_TOKEN_LABEL; a bad
// --ui-token-label is refused before anything starts. Also the Settings view (headless: the
// config, read-only).
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { recorderPlugin } from '../daemon/harness.js';
import { chromiumMissing, E2E_TIMEOUT, openUi, screenshot, tab, uiSession } from './helpers.js';

const LABEL = 'Ana (lighting TD)';
const contexts: BrowserContext[] = [];
const ui = uiSession({
  plugins: (site) => ({ rec: recorderPlugin(site.recordsDir, 'rec') }),
  listen: '0.0.0.0:0',
  env: { SHOTGUN_EVENTS_UI_TOKEN_LABEL: LABEL },
  rate: 5,
  hash: null,
});

describe.skipIf(chromiumMissing())('e2e: token off loopback', { timeout: E2E_TIMEOUT }, () => {
  afterAll(async () => {
    for (const c of contexts) await c.close();
  });

  it('prints a URL with a generated token', () => {
    expect(ui.run.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/\?token=[\w-]{20,}$/);
    expect(ui.run.daemon.output()).toContain('the token is required');
  });

  it('answers 401 without the token (or with a wrong one), page and WebSocket alike', async () => {
    const context = await ui.browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    for (const path of ['/', '/?token=wrong', '/#plugins', '/ws']) {
      const res = await page.goto(`${ui.run.base}${path}`);
      expect(res?.status(), path).toBe(401);
      expect(await page.textContent('body')).toContain('Unauthorized');
    }
    // The WebSocket upgrade from a page of that origin, without the token.
    const closed = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('error');
        }),
      `ws://127.0.0.1:${ui.run.port}/ws`,
    );
    expect(closed).toBe('error');
  });

  it('loads with ?token= and works (live link, settings view)', async () => {
    const { context, page } = await openUi(ui.browser, `${ui.run.base}/?token=${encodeURIComponent(ui.run.token!)}`);
    contexts.push(context);
    // The token travelled to the WebSocket: the UI is live with the engine's state.
    await page.getByLabel('ShotGrid connection: connected', { exact: true }).waitFor();
    await tab(page, 'Plugins');
    await page.getByRole('button', { name: 'Show plugin rec', exact: true }).click();
    await page.getByRole('region', { name: 'Plugin rec', exact: true }).waitFor();
    // An action through a token is audited under the token's label, not as an IP and port.
    await page.getByRole('button', { name: 'Pause plugin rec', exact: true }).click();
    await tab(page, 'Audit');
    const row = page.getByRole('table', { name: 'Audit log', exact: true }).locator('tr[data-plugin="rec"]').filter({ hasText: 'paused' });
    await row.waitFor();
    expect(await row.locator('td').last().textContent()).toBe(LABEL);
    await tab(page, 'Settings');
    // A <dl> (Chromium: a DescriptionList named so); Playwright has no role for it.
    const settings = page.getByLabel('Current settings', { exact: true });
    await settings.waitFor();
    expect(await settings.textContent()).toContain(ui.run.site.sandbox.url);
    expect(await settings.textContent()).not.toContain('daemon-key');
    await screenshot(page, 'settings');
    // The page kept its token in the URL (reloads work) and never shows it elsewhere.
    expect(new URL(page.url()).searchParams.get('token')).toBe(ui.run.token);
  });

  it('refuses a bad --ui-token-label before starting, naming the problem', async () => {
    const empty = await ui.run.site.cli([
      'run',
      '--config',
      path.join(ui.run.site.dir, 'daemon.conf'),
      '--ui',
      '127.0.0.1:0',
      '--ui-token-label',
      ' padded ',
    ]);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('--ui-token-label " padded ": expected 1 to 64 printable characters');
    const noUi = await ui.run.site.cli(['run', '--ui-token-label', 'Ana'], {});
    expect(noUi.code).not.toBe(0);
    expect(noUi.stderr).toContain('--ui-token-label names who holds the UI token: it needs --ui');
  });
});
