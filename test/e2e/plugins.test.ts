// End to end, the Plugins view against a real `run --ui` on the sandbox with live traffic:
// pause/resume (the state is shown; nothing is processed while paused: the recorder file
// says so), disable/enable, and a failing plugin that holds on an event → Retry (once
// fixed) and Skip (the event lands in the failed list, where it can be retried).
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recorderPlugin } from '../daemon/harness.js';
import {
  chromiumMissing,
  E2E_TIMEOUT,
  eventually,
  flakyPlugin,
  headId,
  openPlugin,
  pluginCard,
  pluginNumber,
  screenshot,
  tab,
  uiSession,
  waitPluginState,
} from './helpers.js';

/** flaky fails on every event while its flag file exists. */
let flag = '';

const ui = uiSession({
  plugins: (site) => {
    const flaky = flakyPlugin(site, 'flaky', 'the flag file is there: failing on purpose');
    flag = flaky.flag;
    return { rec: recorderPlugin(site.recordsDir, 'rec'), flaky: flaky.source };
  },
  // Two quick automatic retries, then it waits for the user.
  config: { daemon: { retry_backoff: '0.2, 0.4' } },
  rate: 15,
  hash: '#plugins/rec',
  ready: async ({ page }) => {
    await pluginCard(page, 'rec').waitFor();
    await waitPluginState(page, 'rec', 'running');
    await waitPluginState(page, 'flaky', 'running');
  },
});
const ids = (plugin: string) => ui.run.site.records(plugin).map((r) => r.id);
const button = (name: string) => ui.page.getByRole('button', { name, exact: true });

describe.skipIf(chromiumMissing())('e2e: plugins', { timeout: E2E_TIMEOUT }, () => {
  it('pauses a plugin (state shown, no event processed while paused) and resumes it', async () => {
    await eventually(() => ids('rec').length > 5, 'rec processing events');
    await screenshot(ui.page, 'plugins');
    await button('Pause plugin rec').click();
    await waitPluginState(ui.page, 'rec', 'paused');
    await button('Resume plugin rec').waitFor();
    expect(await pluginCard(ui.page, 'rec').getByTestId('plugin-state').textContent()).toBe('Paused');
    // Settled: the last recorded event is the cursor shown (rec takes every event).
    const cursor = await eventually(async () => {
      const c = await pluginNumber(ui.page, 'rec', 'plugin-cursor');
      const r = ids('rec');
      return r[r.length - 1] === c ? c : null;
    }, 'the paused cursor to match the recorder file');
    const recorded = ids('rec').length;
    // Events keep coming; rec's lag grows; its file does not.
    await eventually(async () => (await headId(ui.page)) > cursor + 30, 'the head to move 30 events past the paused cursor');
    await eventually(
      async () =>
        /^\d+ events/.test((await pluginCard(ui.page, 'rec').getByTestId('plugin-lag').textContent()) ?? '') &&
        (await pluginNumber(ui.page, 'rec', 'plugin-cursor')) === cursor,
      'lag shown',
    );
    expect(ids('rec').length).toBe(recorded);
    expect(await pluginNumber(ui.page, 'rec', 'plugin-cursor')).toBe(cursor);

    const head = await headId(ui.page);
    await button('Resume plugin rec').click();
    await waitPluginState(ui.page, 'rec', 'running');
    await button('Pause plugin rec').waitFor();
    // It catches up from where it stopped, in order, nothing lost or repeated.
    await eventually(() => ids('rec').some((id) => id >= head), 'rec past the head it had when resumed');
    const after = ids('rec').slice(recorded);
    expect(after[0]).toBe(cursor + 1);
    expect(after).toEqual(Array.from({ length: after.length }, (_, i) => cursor + 1 + i));
  });

  it('disables and enables a plugin', async () => {
    await button('Disable plugin rec').click();
    await waitPluginState(ui.page, 'rec', 'disabled');
    await button('Enable plugin rec').waitFor();
    const cursor = await eventually(async () => {
      const c = await pluginNumber(ui.page, 'rec', 'plugin-cursor');
      const r = ids('rec');
      return r[r.length - 1] === c ? c : null;
    }, 'the disabled cursor to match the recorder file');
    const recorded = ids('rec').length;
    await eventually(async () => (await headId(ui.page)) > cursor + 20, 'events past the disabled cursor');
    expect(ids('rec').length).toBe(recorded);
    await button('Enable plugin rec').click();
    await waitPluginState(ui.page, 'rec', 'running');
    await button('Disable plugin rec').waitFor();
    await eventually(() => ids('rec').length > recorded, 'rec processing again');
  });

  it('shows a failing plugin holding on its event; Retry (once fixed) goes on from it', async () => {
    const recorded = ids('flaky');
    writeFileSync(flag, 'fail\n');
    const card = await openPlugin(ui.page, 'flaky');
    await waitPluginState(ui.page, 'flaky', 'holding');
    const held = card.getByRole('group', { name: 'Held event of plugin flaky', exact: true });
    await held.waitFor();
    // The automatic retries (0.2 s, 0.4 s) run out; then it waits for the user.
    await held.getByText('Automatic retries used up: waiting for you.', { exact: false }).waitFor();
    const heldText = (await held.textContent()) ?? '';
    const heldId = Number(/Holding on event #(\d+)/.exec(heldText)?.[1]);
    expect(heldId).toBeGreaterThan(recorded[recorded.length - 1] ?? 0);
    expect(heldText).toContain('the flag file is there: failing on purpose');
    expect(await ui.page.getByRole('tab', { name: 'Plugins', exact: true }).textContent()).toMatch(/1$/);
    // The header turns amber, with the count.
    expect(await ui.page.getByTestId('health').getAttribute('data-tone')).toBe('warn');
    await screenshot(ui.page, 'plugins-held');
    // Nothing past the held event.
    expect(ids('flaky').filter((id) => id >= heldId)).toEqual([]);

    rmSync(flag);
    await button('Retry held event for plugin flaky').click();
    await waitPluginState(ui.page, 'flaky', 'running');
    await held.waitFor({ state: 'detached' });
    await eventually(() => ids('flaky').includes(heldId), 'the held event processed');
    const rec = ui.run.site.records('flaky').find((r) => r.id === heldId)!;
    expect(rec.attempt).toBeGreaterThan(1);
    await eventually(() => ids('flaky').some((id) => id > heldId), 'flaky going on after it');
  });

  it('Skip moves the held event to the failed list, from where it can be retried', async () => {
    writeFileSync(flag, 'fail\n');
    const card = pluginCard(ui.page, 'flaky');
    await waitPluginState(ui.page, 'flaky', 'holding');
    const held = card.getByRole('group', { name: 'Held event of plugin flaky', exact: true });
    await held.getByText('Automatic retries used up: waiting for you.', { exact: false }).waitFor();
    const heldText = (await held.textContent()) ?? '';
    const heldId = Number(/Holding on event #(\d+)/.exec(heldText)?.[1]);
    const attempts = Number(/attempt (\d+)\)/.exec(heldText)?.[1]);
    expect(heldId).toBeGreaterThan(0);
    expect(attempts).toBeGreaterThan(1);
    // Fixed, but the user skips it anyway: it goes to the failed list, and the plugin moves on.
    rmSync(flag);
    const failedBefore = await pluginNumber(ui.page, 'flaky', 'plugin-failed');
    await button('Skip held event for plugin flaky').click();
    await waitPluginState(ui.page, 'flaky', 'running');
    const failedList = card.getByRole('group', { name: 'Failed events of plugin flaky', exact: true });
    await failedList.waitFor();
    const retry = button(`Retry event ${heldId} for plugin flaky`);
    await retry.waitFor();
    const row = (await failedList.locator(`li[data-event-id="${heldId}"]`).textContent()) ?? '';
    expect(row).toContain(`skipped by user after ${attempts} attempt(s)`);
    // The row's count agrees with it (it said "1 attempt").
    expect(row).toContain(`${attempts} attempts ·`);
    await eventually(async () => (await pluginNumber(ui.page, 'flaky', 'plugin-failed')) > failedBefore, 'the failed count');
    await eventually(() => ids('flaky').some((id) => id > heldId), 'flaky past the skipped event');
    expect(ids('flaky')).not.toContain(heldId);
    await screenshot(ui.page, 'plugins-failed');
    // The skip is in the audit log.
    await tab(ui.page, 'Audit');
    const audit = ui.page.getByRole('table', { name: 'Audit log', exact: true });
    await audit.getByText(`skipped held event ${heldId}`, { exact: true }).waitFor();
    await tab(ui.page, 'Plugins');
    await openPlugin(ui.page, 'flaky');
    // Retrying from the failed list runs it now (it works: the flag is gone) and clears it.
    await button(`Retry event ${heldId} for plugin flaky`).click();
    await eventually(() => ids('flaky').includes(heldId), 'the failed event retried');
    await button(`Retry event ${heldId} for plugin flaky`).waitFor({ state: 'detached' });
    expect(existsSync(flag)).toBe(false);
  });
});
