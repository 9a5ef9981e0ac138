// End to end, the Events view against a real `run --ui` on the sandbox with live traffic:
// events stream in; filters by event type and by plugin/outcome; jump to an id and the
// detail panel (event JSON, each plugin's outcome). Also the Logs view's filters (level,
// source, text search) on the same daemon.
import { describe, expect, it } from 'vitest';
import { recorderPlugin } from '../daemon/harness.js';
import { choose, chromiumMissing, E2E_TIMEOUT, eventually, headId, screenshot, tab, uiSession, visibleRows } from './helpers.js';

const NOTE_ERROR = 'notes are not welcome here';

/** The last event id before the traffic started: every later one is in the UI. */
let startId = 0;

const ui = uiSession({
  plugins: (site) => ({
    // Takes everything.
    rec: recorderPlugin(site.recordsDir, 'rec'),
    // Fails on Notes (and moves on: stopOnError false), logs the rest.
    picky: recorderPlugin(site.recordsDir, 'picky', {
      stopOnError: false,
      body: `if (event.event_type.startsWith('Shotgun_Note_')) throw new Error(${JSON.stringify(NOTE_ERROR)});
  ctx.logger.info('picky looked at ' + event.event_type);`,
    }),
  }),
  ready: ({ run }) => {
    startId = run.site.sandbox.store.lastEventId;
    run.site.sandbox.traffic.setRate(25);
    return Promise.resolve();
  },
});

describe.skipIf(chromiumMissing())('e2e: events and logs', { timeout: E2E_TIMEOUT }, () => {
  it('shows events as they arrive, with one outcome chip per plugin', async () => {
    const grid = ui.page.getByRole('grid', { name: 'Events', exact: true });
    await grid.waitFor();
    const first = await eventually(async () => {
      const rows = await visibleRows(ui.page);
      return rows.length >= 5 && rows.some((r) => r.chips.length === 2) ? rows : null;
    }, 'rows with outcome chips');
    const newest = Math.max(...first.map((r) => r.id));
    expect(newest).toBeGreaterThan(startId);
    // New events keep arriving without any action: the table follows the tail.
    await eventually(async () => Math.max(...(await visibleRows(ui.page)).map((r) => r.id)) > newest + 10, 'newer rows');
    await eventually(async () => (await headId(ui.page)) > newest, 'the head event id moves');
    await ui.page.getByText('Following new events', { exact: true }).waitFor();
    const rows = await visibleRows(ui.page);
    const handled = rows.filter((r) => r.chips.length === 2);
    expect(handled.length).toBeGreaterThan(0);
    for (const r of handled) expect(r.chips.map((c) => c.plugin).sort()).toEqual(['picky', 'rec']);
    await screenshot(ui.page, 'events');
  });

  it('filters by event type (substring and * wildcard)', async () => {
    const input = ui.page.getByLabel('Event type', { exact: true });
    await input.fill('Shotgun_Task_Change');
    await eventually(async () => {
      const rows = await visibleRows(ui.page);
      return rows.length > 0 && rows.every((r) => r.type === 'Shotgun_Task_Change');
    }, 'only Task changes shown');
    await input.fill('Shotgun_*_New');
    await eventually(async () => {
      const rows = await visibleRows(ui.page);
      return rows.length > 0 && rows.every((r) => /^Shotgun_.+_New$/.test(r.type)) && new Set(rows.map((r) => r.type)).size >= 1;
    }, 'only *_New events shown');
    const label = await ui.page.getByLabel('Events shown', { exact: true }).textContent();
    expect(label).toMatch(/^[\d,]+ of [\d,]+$/);
    await ui.page.getByRole('button', { name: 'Clear filters', exact: true }).click();
    expect(await input.inputValue()).toBe('');
    await eventually(async () => new Set((await visibleRows(ui.page)).map((r) => r.type)).size > 1, 'all types shown again');
  });

  it('filters by plugin and outcome', async () => {
    await choose(ui.page, 'Plugin', 'picky');
    await choose(ui.page, 'Outcome', 'failed');
    const failed = await eventually(async () => {
      const rows = await visibleRows(ui.page);
      return rows.length > 0 && rows.every((r) => r.chips.some((c) => c.plugin === 'picky' && c.status === 'failed')) ? rows : null;
    }, 'only events picky failed on');
    // picky fails exactly on Notes; rec took them fine.
    for (const r of failed) {
      expect(r.type).toMatch(/^Shotgun_Note_/);
      expect(r.chips.find((c) => c.plugin === 'rec')?.status ?? 'ok').toBe('ok');
    }
    await choose(ui.page, 'Outcome', 'ok');
    await eventually(async () => {
      const rows = await visibleRows(ui.page);
      return (
        rows.length > 0 && rows.every((r) => !r.type.startsWith('Shotgun_Note_') && r.chips.some((c) => c.plugin === 'picky' && c.status === 'ok'))
      );
    }, 'only events picky handled fine');
    await ui.page.getByRole('button', { name: 'Clear filters', exact: true }).click();
  });

  it('jumps to an event id and shows its details: JSON and each plugin outcome', async () => {
    // An early event: far from the tail, so the table must scroll to it.
    const target = startId + 3;
    await eventually(async () => (await headId(ui.page)) > startId + 100, 'enough events to scroll');
    await ui.page.getByLabel('Jump to event id', { exact: true }).fill(String(target));
    await ui.page.getByRole('button', { name: 'Jump', exact: true }).click();
    const detail = ui.page.getByRole('complementary', { name: `Event ${target} details`, exact: true });
    await detail.waitFor();
    // The row is shown (scrolled to) and selected; following stopped.
    const row = ui.page.locator(`[data-event-id="${target}"]`);
    await row.waitFor();
    await eventually(async () => (await row.getAttribute('aria-selected')) === 'true', 'the row is selected');
    await ui.page.getByRole('button', { name: 'Jump to latest', exact: true }).waitFor();
    expect(new URL(ui.page.url()).hash).toBe(`#events/${target}`);
    // Event JSON
    const json = await eventually(async () => {
      const t = await detail.getByLabel('Event JSON', { exact: true }).textContent();
      return t ? (JSON.parse(t) as { id: number; event_type: string; outcomes: Record<string, { status: string }> }) : null;
    }, 'the event JSON');
    expect(json.id).toBe(target);
    const truth = await ui.run.site.sg.findOne<{ event_type: string }>('EventLogEntry', [['id', 'is', target]], ['event_type']);
    expect(json.event_type).toBe(truth!.event_type);
    // One outcome row per plugin, with its status chip.
    const outcomes = detail.getByRole('region', { name: 'Plugin outcomes', exact: true });
    await eventually(async () => (await outcomes.locator('tr[data-plugin]').count()) === 2, 'two plugin outcomes');
    expect(await outcomes.locator('tr[data-plugin="rec"] .chip').getAttribute('data-status')).toBe('ok');
    const pickyStatus = await outcomes.locator('tr[data-plugin="picky"] .chip').getAttribute('data-status');
    expect(pickyStatus).toBe(json.event_type.startsWith('Shotgun_Note_') ? 'failed' : 'ok');
    await detail.getByRole('button', { name: 'Replay to plugin', exact: true }).waitFor();
    await screenshot(ui.page, 'detail');
    await detail.getByRole('button', { name: 'Close event details', exact: true }).click();
    await detail.waitFor({ state: 'detached' });
    await ui.page.getByRole('button', { name: 'Jump to latest', exact: true }).click();
    await ui.page.getByText('Following new events', { exact: true }).waitFor();
  });

  it('filters the logs by level, source and text', async () => {
    await tab(ui.page, 'Logs');
    const log = ui.page.getByRole('log', { name: 'Log lines', exact: true });
    await log.waitFor();
    const lines = () =>
      log.evaluate((el) =>
        [...el.querySelectorAll<HTMLElement>('.log-line')].map((l) => ({
          level: l.dataset.level!,
          plugin: l.dataset.plugin!,
          text: l.textContent ?? '',
        })),
      );
    await eventually(async () => {
      const ls = await lines();
      return ls.some((l) => l.plugin === 'picky') && ls.some((l) => l.plugin === '') && new Set(ls.map((l) => l.level)).size > 1;
    }, 'log lines from the engine and from picky, at several levels');
    await screenshot(ui.page, 'logs');

    await choose(ui.page, 'Level', '40');
    await eventually(async () => {
      const ls = await lines();
      return ls.length > 0 && ls.every((l) => l.level === 'ERROR' || l.level === 'CRITICAL');
    }, 'only ERROR and up');

    await choose(ui.page, 'Level', '0');
    await choose(ui.page, 'Source', 'picky');
    await eventually(async () => {
      const ls = await lines();
      return ls.length > 0 && ls.every((l) => l.plugin === 'picky') && ls.some((l) => l.text.includes('picky looked at'));
    }, "only picky's lines");

    await ui.page.getByLabel('Search logs', { exact: true }).fill(NOTE_ERROR);
    await eventually(async () => {
      const ls = await lines();
      return ls.length > 0 && ls.every((l) => l.plugin === 'picky' && l.text.includes(NOTE_ERROR));
    }, 'only lines with the search text');

    // Pause view: what is shown stops changing while lines keep arriving.
    await choose(ui.page, 'Source', '');
    await ui.page.getByLabel('Search logs', { exact: true }).fill('');
    await ui.page.getByRole('button', { name: 'Pause view', exact: true }).click();
    const shown = ui.page.getByLabel('Log lines shown', { exact: true });
    await eventually(async () => /new while paused/.test((await shown.textContent()) ?? ''), 'new lines counted while paused');
    await ui.page.getByRole('button', { name: 'Resume view', exact: true }).click();
    await tab(ui.page, 'Events');
  });
});
