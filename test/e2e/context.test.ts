// End to end, the context an event carries (issue 10), against a real `run --ui` on the
// sandbox with traffic, in a browser set to New York time: the event detail's old → new
// values (and added/removed for a multi-entity field), links to the site's pages, copy
// buttons; logs rendered structured with JSON folded (and kept off the daemon's terminal);
// deep links that survive a reload; one local time format with the zone; the dark theme.
import { describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { fieldChanges, shotId, type FieldChange } from '../daemon/helpers.js';
import { recorderPlugin } from '../daemon/harness.js';
import { chromiumMissing, E2E_TIMEOUT, eventually, pluginCard, screenshot, tab, type UiRun, uiSession, WAIT } from './helpers.js';

const ZONE = 'America/New_York';
const MARKER = 'chatty-per-event-marker';

/** A ui.page on the UI in New York time, with the clipboard allowed. */
async function open(
  browser: Browser,
  run: UiRun,
  url: string,
  colorScheme: 'light' | 'dark' = 'light',
): Promise<{ context: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: ZONE, colorScheme, locale: 'en-US' });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: run.base });
  const p = await ctx.newPage();
  p.setDefaultTimeout(WAIT);
  await p.goto(url);
  await p.getByRole('status', { name: 'UI connection: Live', exact: true }).waitFor();
  return { context: ctx, page: p };
}

/**
 * Makes a change to one entity's field and returns its event. The sandbox's traffic may
 * change the same field around it, so the event is picked by what it carries, and the test
 * asserts that event's own old and new values (docs/testing.md, "Waiting").
 */
async function change(
  entity: { type: string; id: number },
  field: string,
  fn: () => Promise<unknown>,
  pick: (e: FieldChange) => boolean,
): Promise<FieldChange> {
  const before = ui.run.site.sandbox.store.lastEventId;
  await fn();
  const events = await fieldChanges(ui.run.site, entity, field, before);
  const ev = events.find(pick);
  expect(ev, JSON.stringify(events)).toBeTruthy();
  return ev!;
}

const ui = uiSession({
  plugins: (site) => ({
    rec: recorderPlugin(site.recordsDir, 'rec'),
    // Logs a JSON payload per event, as the example logArgs does.
    chatty: recorderPlugin(site.recordsDir, 'chatty', {
      body: `ctx.logger.info('%s %s', ${JSON.stringify(MARKER)}, JSON.stringify({ id: event.id, type: event.event_type, meta: event.meta, padding: 'x'.repeat(60) }));`,
    }),
  }),
  rate: 3,
  open: (browser, run) => open(browser, run, run.url),
});

describe.skipIf(chromiumMissing())('e2e: event context, logs, deep links, time', { timeout: E2E_TIMEOUT }, () => {
  it('shows old → new values, links the entity, project and user to the site, copies the id and JSON', async () => {
    const shot = await shotId(ui.run.site);
    const now = (await ui.run.site.sg.findOne<{ sg_status_list: string }>('Shot', [['id', 'is', shot]], ['sg_status_list']))!.sg_status_list;
    const next = now === 'omt' ? 'ip' : 'omt';
    const { id, meta } = await change(
      { type: 'Shot', id: shot },
      'sg_status_list',
      () => ui.run.site.sg.update('Shot', shot, { sg_status_list: next }),
      (e) => e.meta.new_value === next,
    );
    const old = meta.old_value as string;
    await ui.page.goto(`${ui.run.url}#events/${id}`);
    const detail = ui.page.getByRole('complementary', { name: `Event ${id} details`, exact: true });
    await detail.waitFor();
    const diff = detail.getByTestId('event-diff');
    await diff.waitFor();
    expect(await diff.getByTestId('diff-old').textContent()).toBe(old);
    expect(await diff.getByTestId('diff-new').textContent()).toBe(next);
    const site = ui.run.site.sandbox.url.replace(/\/+$/, '');
    const entity = detail.getByRole('link', { name: new RegExp(`^Shot `) });
    expect(await entity.getAttribute('href')).toBe(`${site}/detail/Shot/${shot}`);
    const hrefs = await detail.locator('dl.facts a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs.some((h) => /\/detail\/Project\/\d+$/.test(h ?? ''))).toBe(true);
    expect(hrefs.some((h) => /\/detail\/HumanUser\/\d+$/.test(h ?? ''))).toBe(true);
    await screenshot(ui.page, 'event-diff');

    await detail.getByRole('button', { name: `Copy event id ${id}`, exact: true }).click();
    await eventually(async () => (await ui.page.evaluate(() => navigator.clipboard.readText())) === String(id), 'the id on the clipboard');
    await detail.getByRole('button', { name: 'Copy event JSON', exact: true }).click();
    await eventually(async () => {
      const text = await ui.page.evaluate(() => navigator.clipboard.readText());
      return (JSON.parse(text) as { id: number }).id === id;
    }, 'the JSON on the clipboard');

    // A multi-entity field: who was added.
    const task = (await ui.run.site.sg.findOne<{ id: number; task_assignees: Array<{ id: number }> }>('Task', [], ['task_assignees']))!;
    const users = await ui.run.site.sg.find<{ id: number; name: string }>('HumanUser', [], ['name']);
    const user = users.find((u) => !task.task_assignees.some((a) => a.id === u.id))!;
    const { id: mid } = await change(
      { type: 'Task', id: task.id },
      'task_assignees',
      () =>
        ui.run.site.sg.update('Task', task.id, {
          task_assignees: [...task.task_assignees.map((a) => ({ type: 'HumanUser', id: a.id })), { type: 'HumanUser', id: user.id }],
        }),
      (e) => (e.meta.added ?? []).some((a) => a.id === user.id),
    );
    await ui.page.goto(`${ui.run.url}#events/${mid}`);
    const added = ui.page.getByRole('complementary', { name: `Event ${mid} details`, exact: true }).getByTestId('diff-added');
    await added.waitFor();
    expect(await added.textContent()).toContain(user.name);
    expect(await added.getByRole('link').first().getAttribute('href')).toBe(`${site}/detail/HumanUser/${user.id}`);
  });

  it('renders logs structured, with JSON folded; the per-event INFO stays off the terminal', async () => {
    await tab(ui.page, 'Logs');
    const fold = ui.page
      .getByRole('log', { name: 'Log lines', exact: true })
      .locator('.log-line[data-plugin="chatty"]')
      .getByTestId('json-fold')
      .last();
    await fold.waitFor();
    const summary = (await fold.locator('summary').textContent()) ?? '';
    expect(summary).toBe('{…} 4 keys');
    expect(await fold.locator('pre').isVisible()).toBe(false);
    await fold.locator('summary').click();
    await eventually(async () => (await fold.locator('pre').textContent())?.includes('"padding"'), 'the JSON unfolded');
    const line = fold.locator('xpath=ancestor::div[contains(@class,"log-line")]');
    expect(await line.locator('.lvl').textContent()).toBe('INFO');
    expect(await line.locator('.logger').textContent()).toBe('chatty.record');
    // The daemon's console: the engine's lines, not chatty's per-event INFO.
    expect(ui.run.daemon.output()).toContain('Polling every event type');
    expect(ui.run.daemon.output()).not.toContain(MARKER);
  });

  it('keeps filters, the selected event and the open plugin in the URL across a reload', async () => {
    // Nothing selected (the first test left an event open).
    await ui.page.goto(`${ui.run.url}#events`);
    await ui.page.getByLabel('Event type', { exact: true }).fill('Shotgun_Shot_*');
    await ui.page.getByRole('combobox', { name: 'Outcome', exact: true }).selectOption('ok');
    const first = ui.page.getByRole('grid', { name: 'Events', exact: true }).locator('[data-event-id]').first();
    await first.waitFor();
    const id = Number(await first.getAttribute('data-event-id'));
    await ui.page.locator(`#event-row-${id}`).click();
    await eventually(() => ui.page.url().includes(`#events/${id}?`), 'the URL naming the event');
    expect(ui.page.url()).toContain('type=Shotgun_Shot_*');
    expect(ui.page.url()).toContain('outcome=ok');
    await ui.page.reload();
    await ui.page.getByRole('complementary', { name: `Event ${id} details`, exact: true }).waitFor();
    expect(await ui.page.getByLabel('Event type', { exact: true }).inputValue()).toBe('Shotgun_Shot_*');
    expect(await ui.page.getByRole('combobox', { name: 'Outcome', exact: true }).inputValue()).toBe('ok');
    await ui.page.locator(`[data-event-id="${id}"][aria-selected="true"]`).waitFor();
    await screenshot(ui.page, 'deep-link-reload');

    // The same link in a fresh page.
    const url = ui.page.url();
    const other = await open(ui.browser, ui.run, url);
    await other.page.getByRole('complementary', { name: `Event ${id} details`, exact: true }).waitFor();
    await other.context.close();

    await ui.page.goto(`${ui.run.url}#plugins/chatty?q=cha`);
    await pluginCard(ui.page, 'chatty').waitFor();
    await ui.page.reload();
    await pluginCard(ui.page, 'chatty').waitFor();
    expect(await ui.page.getByLabel('Search plugins', { exact: true }).inputValue()).toBe('cha');
    expect(await ui.page.getByRole('table', { name: 'Plugins', exact: true }).locator('tbody tr').count()).toBe(1);
  });

  it('shows every time in local time with the zone, the rewind dialog included', async () => {
    await ui.page.goto(`${ui.run.url}#events`);
    const header = (await ui.page.getByRole('columnheader', { name: /^Time \(/ }).textContent()) ?? '';
    expect(header).toMatch(/^Time \((EST|EDT)\)$/);
    const last = ui.page.getByRole('grid', { name: 'Events', exact: true }).locator('[data-event-id]').last();
    await last.waitFor();
    // Pinned by id: the tail moves on while we look.
    const id = Number(await last.getAttribute('data-event-id'));
    const row = ui.page.locator(`#event-row-${id}`);
    await row.click();
    const detail = ui.page.getByRole('complementary', { name: `Event ${id} details`, exact: true });
    const created = (await detail.locator('dt:text-is("Created") + dd').textContent()) ?? '';
    const ev = (await ui.run.site.sg.findOne<{ created_at: string }>('EventLogEntry', [['id', 'is', id]], ['created_at']))!;
    const ny = new Intl.DateTimeFormat('en-CA', {
      timeZone: ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .format(new Date(ev.created_at))
      .replace(',', '');
    expect(created).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (EST|EDT)$/);
    expect(created.slice(0, 19)).toBe(ny);
    // The row's time is the same clock.
    expect(await row.locator('[role=gridcell]').nth(1).textContent()).toBe(ny.slice(11));

    await ui.page.goto(`${ui.run.url}#plugins/rec`);
    await pluginCard(ui.page, 'rec').getByRole('button', { name: 'Move cursor of plugin rec', exact: true }).click();
    // The strategies need a paused plugin: pause it from the dialog.
    await ui.page.getByRole('button', { name: 'Pause rec now', exact: true }).click();
    await ui.page.getByRole('radio', { name: 'Timestamp', exact: true }).check();
    const input = ui.page.getByRole('textbox', { name: /^Target time \((EST|EDT)\)$/ });
    expect(await input.inputValue()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    await ui.page.getByRole('button', { name: 'Cancel', exact: true }).click();
  });

  it('has a dark theme', async () => {
    const dark = await open(ui.browser, ui.run, `${ui.run.url}#plugins/rec`, 'dark');
    await pluginCard(dark.page, 'rec').waitFor();
    const bg = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
    expect((r! + g! + b!) / 3).toBeLessThan(60);
    await screenshot(dark.page, 'dark-theme');
    await dark.context.close();
  });
});
