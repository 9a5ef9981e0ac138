// Connection loss through the real CLI: the site answers 503 for a while, or goes away
// altogether and comes back on the same port. The daemon logs its retries, keeps its
// place, and delivers everything once the site is back: nothing lost, nothing twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxError } from '../../electron/sandbox/errors.js';
import { startSandbox, type Sandbox } from '../../electron/sandbox/index.js';
import { eventSearches, makeSite, readState, recorderPlugin, until, type Daemon, type Site } from './harness.js';
import { shotId, writeCut } from './helpers.js';

let site: Site;
let tmp: string | null = null;
/** A sandbox a test started in place of the site's own: site.close() closes only the original. */
let revived: Sandbox | null = null;
afterEach(async () => {
  // Closed before its folder goes: its periodic save would otherwise hit a missing site.json.tmp.
  await revived?.close();
  revived = null;
  await site?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = null;
});

/**
 * Stops the daemon once every plugin's saved cursor reached `lastId`: from then on nothing
 * can be delivered again, so the records are final (no wall-clock settling time).
 */
async function stopAt(s: Site, d: Daemon, plugins: string[], lastId: number): Promise<void> {
  await until(() => plugins.every((n) => readState(s)?.plugins[n]?.lastId === lastId), `saved cursors at ${lastId}`);
  expect(await d.stop()).toBe(0);
}

describe('connection loss', () => {
  it('503s on every event read for a while: retries logged, then everything delivered once', async () => {
    site = await makeSite();
    site.writePlugin('a.mjs', recorderPlugin(site.recordsDir, 'a'));
    site.writePlugin('b.mjs', recorderPlugin(site.recordsDir, 'b'));
    const shot = await shotId(site);
    const d = site.run();
    await d.waitFor(/Polling every event type/);
    const e1 = await writeCut(site, shot, 1);
    await until(() => site.records('a').length === 1 && site.records('b').length === 1, 'first event');

    // The next 15 event reads fail (Retry-After: 0 keeps the client's own retries quick).
    const r = await fetch(`${site.sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fail: [{ status: 503, count: 15, path: 'EventLogEntry', retryAfter: 0 }] }),
    });
    expect(r.status).toBe(200);
    const during = [await writeCut(site, shot, 2), await writeCut(site, shot, 3)];
    await d.waitFor(/Unable to connect to SG \(attempt 1 of 3\)/, 8000);
    await until(() => site.sandbox.faults.fail.length === 0, 'the outage is over', 12_000);
    const e4 = await writeCut(site, shot, 4);
    await until(() => site.records('a').length >= 4 && site.records('b').length >= 4, 'events after the outage');
    await stopAt(site, d, ['a', 'b'], e4);
    for (const n of ['a', 'b']) expect(site.records(n).map((x) => x.id)).toEqual([e1, ...during, e4]);
    for (const n of ['a', 'b']) expect(readState(site)!.plugins[n]).toMatchObject({ lastId: e4, gaps: [] });
  });

  it('an outage that hits only the re-ask of an open gap loses none of the page read just before', async () => {
    site = await makeSite();
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    const shot = await shotId(site);
    // While \`down\`, event searches by \`id in [...]\` (the gap re-ask) answer 503; page reads work.
    let down = false;
    let refused = 0;
    const store = site.sandbox.store;
    const find = store.find.bind(store);
    store.find = (type, q) => {
      if (down && type === 'EventLogEntry' && JSON.stringify(q.filters).includes('"in"')) {
        refused++;
        throw new SandboxError(503, 103, 'down for maintenance');
      }
      return find(type, q);
    };
    const d = site.run();
    await d.waitFor(/Polling every event type/);
    // One full poll first, so the held write lands between two reads.
    const polls = eventSearches(site);
    await until(() => eventSearches(site) > polls, 'a poll after the start');
    store.eventFaults.holdWrites = 1;
    store.eventFaults.holdMs = 4500;
    const held = await writeCut(site, shot, 1);
    const y1 = await writeCut(site, shot, 2);
    await until(() => site.records('rec').length === 1, 'the event after the gap');
    down = true;
    const during = [await writeCut(site, shot, 3), await writeCut(site, shot, 4)];
    await d.waitFor(/Unable to (connect to SG|poll for events)/, 8000);
    down = false;
    await until(() => site.records('rec').length >= 4, 'the page read during the outage, then the late event', 12_000);
    await stopAt(site, d, ['rec'], during[1]!);
    expect(refused).toBeGreaterThan(0);
    expect(site.records('rec').map((x) => [x.id, x.late])).toEqual([
      [y1, false],
      [during[0], false],
      [during[1], false],
      [held, true],
    ]);
    expect(readState(site)!.plugins.rec).toMatchObject({ lastId: during[1], gaps: [] });
  });

  it('the site goes away and comes back on the same port: the daemon keeps its place', async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'sge-conn-'));
    const persistPath = path.join(tmp, 'site.json');
    site = await makeSite({ persistPath });
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    const shot = await shotId(site);
    const d = site.run();
    await d.waitFor(/Polling every event type/);
    const e1 = await writeCut(site, shot, 1);
    await until(() => site.records('rec').length === 1, 'first event');

    // A write just before the site goes down: maybe read, maybe not yet.
    const e2 = await writeCut(site, shot, 2);
    const port = site.sandbox.port;
    await site.sandbox.close();
    await d.waitFor(/Unable to connect to SG/, 10_000);
    // Down long enough for the daemon to retry at least once more.
    const failures = () => d.output().match(/Unable to (connect to SG|poll for events)/g)?.length ?? 0;
    await until(() => failures() >= 2, 'a second failed attempt during the outage', 30_000);
    const outage = failures();

    site.sandbox = revived = await startSandbox({ port, persistPath });
    expect(site.sandbox.store.lastEventId).toBe(e2);
    const e3 = await writeCut(site, shot, 3);
    await until(() => site.records('rec').length >= 3, 'events after the site came back', 12_000);
    await stopAt(site, d, ['rec'], e3);
    expect(site.records('rec').map((x) => x.id)).toEqual([e1, e2, e3]);
    console.log(`connection failures logged while the site was down: ${outage}`);
    expect(outage).toBeGreaterThanOrEqual(2);
    expect(readState(site)!.plugins.rec).toMatchObject({ lastId: e3, gaps: [] });
  });
});
