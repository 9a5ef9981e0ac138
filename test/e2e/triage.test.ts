// End to end, triage (issue 10) against a real `run --ui` on the sandbox with traffic: the
// header turns amber with a count when plugins hold or fail to load, and a click lists
// them; the plugins table (failing first, sort, search, state filter, "Inert" with its
// reason); bulk Skip of held plugins and "Retry all" on a failed list; a disabled plugin
// drops its hold; every action lands in the audit log with who did it ("local").
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recorderPlugin } from '../daemon/harness.js';
import {
  chromiumMissing,
  E2E_TIMEOUT,
  eventually,
  flakyPlugin,
  openPlugin,
  pluginCard,
  pluginRow,
  screenshot,
  tab,
  uiSession,
  waitPluginState,
} from './helpers.js';

const flags: Record<string, string> = {};
const ui = uiSession({
  plugins: (site) => {
    const flaky = (name: string) => {
      const f = flakyPlugin(site, name, 'fails on purpose');
      flags[name] = f.flag;
      return f.source;
    };
    return {
      rec: recorderPlugin(site.recordsDir, 'rec'),
      f1: flaky('f1'),
      f2: flaky('f2'),
      none: `export function registerCallbacks(reg) {}\n`,
      broken: `export function registerCallbacks(reg) { throw new Error('broken on purpose'); }\n`,
    };
  },
  config: { daemon: { retry_backoff: '0.2, 0.4' } },
  rate: 10,
  hash: '#plugins',
  ready: async ({ page }) => {
    await waitPluginState(page, 'rec', 'running');
    await waitPluginState(page, 'broken', 'load_error');
  },
});
const button = (name: string) => ui.page.getByRole('button', { name, exact: true });
const tableNames = () =>
  ui.page
    .getByRole('table', { name: 'Plugins', exact: true })
    .locator('tbody tr[data-plugin]')
    .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.plugin));
const fail = (p: string) => writeFileSync(flags[p]!, 'fail\n');
const heal = (p: string) => existsSync(flags[p]!) && rmSync(flags[p]!);

async function waitRetriesUsedUp(name: string): Promise<void> {
  const card = await openPlugin(ui.page, name);
  await card
    .getByRole('group', { name: `Held event of plugin ${name}`, exact: true })
    .getByText('Automatic retries used up', { exact: false })
    .waitFor();
}

describe.skipIf(chromiumMissing())('e2e: triage', { timeout: E2E_TIMEOUT }, () => {
  it('turns the header amber with a count, and a click lists the plugins in trouble', async () => {
    const health = ui.page.getByTestId('health');
    await eventually(async () => (await health.getAttribute('data-tone')) === 'warn', 'amber for the load error');
    expect(await health.textContent()).toBe('1 need attention');
    fail('f1');
    fail('f2');
    await waitPluginState(ui.page, 'f1', 'holding');
    await waitPluginState(ui.page, 'f2', 'holding');
    await eventually(async () => (await health.textContent()) === '3 need attention', 'the count of 3');
    expect(await health.getAttribute('aria-label')).toBe('Health: 3 plugins need attention: 2 holding, 1 not loaded');
    expect(await ui.page.locator('header').getAttribute('data-health')).toBe('warn');
    // The load-error plugin's lag keeps growing (it is real: its cursor waits), marked stalled with the reason, in the table and the card alike.
    // Its age is that of the event after its cursor, never "0 s" (it never processed one).
    await eventually(
      async () => /^\d[\d,]* · [1-9]\d* (s|min) · stalled$/.test((await pluginRow(ui.page, 'broken').getByTestId('row-lag').textContent()) ?? ''),
      'the load error lag marked stalled',
    );
    expect(await pluginRow(ui.page, 'broken').getByTestId('lag-stalled').getAttribute('title')).toMatch(/^Not consuming events: it failed to load\./);
    expect(await pluginRow(ui.page, 'rec').getByTestId('lag-stalled').count()).toBe(0);
    await screenshot(ui.page, 'triage-header');
    await tab(ui.page, 'Events');
    await health.click();
    await ui.page
      .getByRole('tab', { name: /^Plugins/ })
      .and(ui.page.locator('[aria-selected=true]'))
      .waitFor();
    await eventually(
      async () => JSON.stringify(await tableNames()) === JSON.stringify(['broken', 'f1', 'f2']),
      'only the plugins in trouble, worst first',
    );
    expect(await ui.page.getByRole('combobox', { name: 'Plugin state', exact: true }).inputValue()).toBe('attention');
    expect(ui.page.url()).toContain('state=attention');
  });

  it('has a sortable, searchable table, failing plugins first; a plugin without callbacks is Inert, with the reason', async () => {
    await ui.page.getByRole('combobox', { name: 'Plugin state', exact: true }).selectOption('');
    await eventually(async () => (await tableNames()).length === 5, 'all five rows');
    const names = await tableNames();
    expect(names.slice(0, 3)).toEqual(['broken', 'f1', 'f2']);
    // By name, descending: still the failing ones first.
    await ui.page.getByRole('button', { name: 'Name', exact: true }).click();
    await ui.page.getByRole('button', { name: 'Name ↑', exact: true }).click();
    const rowsAre = (want: string[], what: string) => eventually(async () => JSON.stringify(await tableNames()) === JSON.stringify(want), what);
    await rowsAre(['broken', 'f2', 'f1', 'rec', 'none'], 'sorted by name, descending, failing first');
    await ui.page.getByLabel('Search plugins', { exact: true }).fill('f');
    await rowsAre(['f2', 'f1'], 'the search');
    await ui.page.getByLabel('Search plugins', { exact: true }).fill('');
    await ui.page.getByRole('combobox', { name: 'Plugin state', exact: true }).selectOption('inert');
    await rowsAre(['none'], 'the inert filter');
    expect(await pluginRow(ui.page, 'none').getByTestId('row-state').textContent()).toBe('Inert');
    const card = await openPlugin(ui.page, 'none');
    expect(await card.getByTestId('plugin-state').textContent()).toBe('Inert');
    expect(await card.getByTestId('plugin-inert').textContent()).toContain('registerCallbacks registered no callback');
    await ui.page.getByRole('combobox', { name: 'Plugin state', exact: true }).selectOption('');
  });

  it('skips the held events of several plugins at once, then "Retry all" empties a failed list', async () => {
    await waitRetriesUsedUp('f1');
    await waitRetriesUsedUp('f2');
    await ui.page.getByRole('checkbox', { name: 'Select every held plugin', exact: true }).check();
    heal('f1');
    heal('f2');
    await button('Skip selected (2)').click();
    await waitPluginState(ui.page, 'f1', 'running');
    await waitPluginState(ui.page, 'f2', 'running');
    const card = await openPlugin(ui.page, 'f1');
    const failed = card.getByRole('group', { name: 'Failed events of plugin f1', exact: true });
    await failed.waitFor();
    await card.getByRole('button', { name: 'Retry all failed events of plugin f1', exact: true }).click();
    await failed.waitFor({ state: 'detached' });
    await ui.page.getByText(/Retried 1 failed event of f1: 1 succeeded/).waitFor();
  });

  it('drops the hold display of a disabled plugin', async () => {
    fail('f2');
    await waitRetriesUsedUp('f2');
    const card = pluginCard(ui.page, 'f2');
    await card.getByRole('button', { name: 'Disable plugin f2', exact: true }).click();
    await waitPluginState(ui.page, 'f2', 'disabled');
    await card.getByRole('group', { name: 'Held event of plugin f2', exact: true }).waitFor({ state: 'detached' });
    expect(await card.textContent()).not.toContain('Next automatic retry');
    heal('f2');
    // Enabled again, it holds again (its retries were used up): the user retries it.
    await card.getByRole('button', { name: 'Enable plugin f2', exact: true }).click();
    await waitPluginState(ui.page, 'f2', 'holding');
    await card.getByRole('button', { name: 'Retry held event for plugin f2', exact: true }).click();
    await waitPluginState(ui.page, 'f2', 'running');
  });

  it('audits every action with who did it', async () => {
    const card = await openPlugin(ui.page, 'rec');
    for (const [b, state] of [
      ['Pause plugin rec', 'paused'],
      ['Resume plugin rec', 'running'],
      ['Disable plugin rec', 'disabled'],
      ['Enable plugin rec', 'running'],
    ] as const) {
      await card.getByRole('button', { name: b, exact: true }).click();
      await waitPluginState(ui.page, 'rec', state);
    }
    await card.getByRole('button', { name: 'Reload plugin rec', exact: true }).click();
    await tab(ui.page, 'Audit');
    const audit = ui.page.getByRole('table', { name: 'Audit log', exact: true });
    const rows = audit.locator('tbody tr');
    await audit.locator('tr[data-plugin="rec"]').filter({ hasText: 'reloaded' }).waitFor();
    const text = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent)));
    const rec = text.filter((r) => r[0] === 'rec').map((r) => [r[1], r[4]]);
    expect(rec.slice(0, 5).reverse()).toEqual([
      ['paused', 'local'],
      ['resumed', 'local'],
      ['disabled', 'local'],
      ['enabled', 'local'],
      ['reloaded', 'local'],
    ]);
    const actions = text.map((r) => `${r[0]} ${r[1]}`);
    expect(actions.some((a) => /^f1 skipped held event \d+$/.test(a))).toBe(true);
    expect(actions.some((a) => /^f1 retried failed event \d+$/.test(a))).toBe(true);
    expect(actions).toContain('f2 disabled');
    expect(actions).toContain('f2 retried the held event');
    expect(text.every((r) => r[4] === 'local')).toBe(true);
  });
});
