// End to end, the rewind wizard against a real `run --ui` on the sandbox with live traffic:
// move a plugin's cursor back by event id and by timestamp. The preview's count must be
// exactly what the plugin then replays: counted in its recorder file (lines for ids after
// the new cursor, up to the old one, written after the confirm). The plugin's matchEvents
// takes some event types only, so the count is not simply the id difference.
import { describe, expect, it } from 'vitest';
import { recorderPlugin } from '../daemon/harness.js';
import {
  chromiumMissing,
  E2E_TIMEOUT,
  eventually,
  headId,
  pluginCard,
  pluginNumber,
  screenshot,
  tab,
  uiSession,
  waitPluginState,
} from './helpers.js';

/** What `tasks` takes: task changes and new versions only. */
const TYPES = ['Shotgun_Task_Change', 'Shotgun_Version_New'];

let startId = 0;

const ids = () => ui.run.site.records('tasks').map((r) => r.id);

/** The sandbox's own list of the events `tasks` takes in (a, b], in id order. */
async function truth(a: number, b: number): Promise<number[]> {
  const rows = await ui.run.site.sg.find<{ id: number }>(
    'EventLogEntry',
    [
      ['id', 'greater_than', a],
      ['id', 'less_than', b + 1],
      ['event_type', 'in', TYPES],
    ],
    ['id'],
    [{ field_name: 'id', direction: 'asc' }],
  );
  return rows.map((r) => r.id);
}

interface Preview {
  before: number;
  after: number;
  count: number;
}

/** Opens the wizard on a running plugin, pauses it from there, picks a strategy and previews. */
async function openWizardAndPreview(strategy: 'Event id' | 'Timestamp', fill: () => Promise<void>, shot?: string): Promise<Preview> {
  await tab(ui.page, 'Plugins');
  await ui.page.getByRole('button', { name: 'Move cursor of plugin tasks', exact: true }).click();
  const dialog = ui.page.getByRole('dialog', { name: 'Move the cursor of tasks', exact: true });
  await dialog.waitFor();
  // Running: the wizard offers to pause it first.
  await dialog.getByRole('button', { name: 'Pause tasks now', exact: true }).click();
  await waitPluginState(ui.page, 'tasks', 'paused');
  await dialog.getByRole('button', { name: 'Pause tasks now', exact: true }).waitFor({ state: 'detached' });
  // Paused: nothing recorded past the cursor shown.
  const cursor = await eventually(async () => {
    const c = Number(await dialog.getByTestId('wizard-cursor').textContent());
    return ids().every((id) => id <= c) ? c : null;
  }, 'the paused cursor');
  await dialog.getByRole('radio', { name: strategy, exact: true }).check();
  await fill();
  await dialog.getByRole('button', { name: 'Preview', exact: true }).click();
  const countEl = dialog.getByRole('status', { name: 'Cursor preview', exact: true }).getByTestId('preview-count');
  await countEl.waitFor();
  const p: Preview = {
    before: Number(await dialog.getByTestId('preview-before').textContent()),
    after: Number(await dialog.getByTestId('preview-after').textContent()),
    count: Number(await countEl.getAttribute('data-count')),
  };
  expect(p.before).toBe(cursor);
  expect(await countEl.textContent()).toBe(`${p.count} events will be replayed`);
  if (shot) await screenshot(ui.page, shot);
  return p;
}

/** Confirms with "resume afterwards" and checks the plugin replays exactly the previewed events. */
async function confirmAndCount(p: Preview): Promise<void> {
  const dialog = ui.page.getByRole('dialog', { name: 'Move the cursor of tasks', exact: true });
  // Paused: the file does not grow until the confirm resumes it.
  const recorded = ids().length;
  const expected = await truth(p.after, p.before);
  expect(expected.length).toBe(p.count);
  await dialog.getByRole('checkbox', { name: 'Resume tasks afterwards', exact: true }).check();
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await waitPluginState(ui.page, 'tasks', 'running');
  // Done replaying once its cursor is past the old one.
  await eventually(async () => (await pluginNumber(ui.page, 'tasks', 'plugin-cursor')) > p.before, `tasks' cursor past ${p.before} again`);
  // (A callback's line is written before its event counts as processed.)
  const replayed = ids()
    .slice(recorded)
    .filter((id) => id <= p.before);
  expect(replayed.length).toBe(p.count);
  // Exactly the events the plugin takes in (after, before], in order, each once.
  expect(replayed).toEqual(expected);
}

const ui = uiSession({
  plugins: (site) => ({
    tasks: recorderPlugin(site.recordsDir, 'tasks', { match: Object.fromEntries(TYPES.map((t) => [t, ['*']])) }),
    rec: recorderPlugin(site.recordsDir, 'rec'),
  }),
  hash: '#plugins/tasks',
  ready: async ({ run, page }) => {
    startId = run.site.sandbox.store.lastEventId;
    run.site.sandbox.traffic.setRate(40);
    await waitPluginState(page, 'tasks', 'running');
    // Enough history, spread over a few seconds (created_at has whole seconds).
    await eventually(() => ids().length >= 40 && run.site.sandbox.store.lastEventId > startId + 120, 'some history', 60_000);
  },
});

describe.skipIf(chromiumMissing())('e2e: rewind wizard', { timeout: E2E_TIMEOUT }, () => {
  it('rewinds by event id: the preview count is what gets replayed', async () => {
    const seen = ids();
    const target = seen[Math.floor(seen.length / 3)]! - 1;
    const p = await openWizardAndPreview(
      'Event id',
      async () => {
        await ui.page.getByRole('textbox', { name: 'Target event id', exact: true }).fill(String(target));
      },
      'rewind-wizard',
    );
    expect(p.after).toBe(target);
    // The plugin's filter matters: fewer events than ids in between.
    expect(p.count).toBeGreaterThan(0);
    expect(p.count).toBeLessThan(p.before - p.after);
    await confirmAndCount(p);

    // The audit log has it.
    await tab(ui.page, 'Audit');
    const audit = ui.page.getByRole('table', { name: 'Audit log', exact: true });
    const row = audit.locator('tr[data-plugin="tasks"]').filter({ hasText: `${p.before} → ${p.after}` });
    await row.waitFor();
    expect(await row.textContent()).toContain(`${p.count} events will be replayed`);
  });

  it('rewinds by timestamp: everything created at or after it is replayed, as many as previewed', async () => {
    await eventually(async () => (await headId(ui.page)) > startId + 200, 'more history');
    // A time a few seconds back: that of an event recorded a while ago.
    const seen = ids();
    const pivot = seen[Math.floor(seen.length / 2)]!;
    const ev = await ui.run.site.sg.findOne<{ created_at: string }>('EventLogEntry', [['id', 'is', pivot]], ['created_at']);
    const time = new Date(ev!.created_at).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const p = await openWizardAndPreview('Timestamp', async () => {
      await ui.page.getByRole('textbox', { name: /^Target time \(.+\)$/ }).fill(time);
    });
    // The new cursor is the last event created before that time.
    expect(p.after).toBeLessThan(pivot);
    const next = await ui.run.site.sg.find<{ id: number; created_at: string }>(
      'EventLogEntry',
      [['id', 'greater_than', p.after]],
      ['id', 'created_at'],
      [{ field_name: 'id', direction: 'asc' }],
      1,
    );
    expect(Date.parse(next[0]!.created_at)).toBeGreaterThanOrEqual(Date.parse(time));
    const prev = await ui.run.site.sg.findOne<{ created_at: string }>('EventLogEntry', [['id', 'is', p.after]], ['created_at']);
    expect(Date.parse(prev!.created_at)).toBeLessThan(Date.parse(time));
    expect(p.count).toBeGreaterThan(0);
    expect(p.count).toBeLessThan(p.before - p.after);
    await confirmAndCount(p);
    expect(await pluginCard(ui.page, 'tasks').getAttribute('data-state')).toBe('running');

    // Both moves are in the audit log.
    await tab(ui.page, 'Audit');
    await ui.page.getByRole('combobox', { name: 'Audit plugin', exact: true }).selectOption('tasks');
    const audit = ui.page.getByRole('table', { name: 'Audit log', exact: true });
    await audit
      .locator('tr[data-plugin="tasks"]')
      .filter({ hasText: `${p.before} → ${p.after}` })
      .waitFor();
    // Both cursor moves, and the pauses and resumes around them, each with who did it.
    const rows = await audit.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.filter((r) => r[2]!.startsWith('set to ')).length).toBe(2);
    expect(rows.filter((r) => r[2] === 'paused').length).toBe(2);
    expect(rows.filter((r) => r[2] === 'resumed').length).toBe(2);
    expect(rows.every((r) => r[5] === 'local')).toBe(true);
    await screenshot(ui.page, 'audit');
  });
});
