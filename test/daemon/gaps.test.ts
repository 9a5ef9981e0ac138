// Gaps through the real CLI: ids that commit late reach every plugin exactly once, flagged
// late, without re-running the events after them and without re-reading pages in a loop
// (the original's duplicate bug and bug #32); ids that never commit are given up after
// backlog_timeout, or at once when the events around them are already older than that.
import { afterEach, describe, expect, it } from 'vitest';
import { eventSearches, makeSite, readState, recorderPlugin, sleep, until, type Site } from './harness.js';
import { settledAt, shotId, writeCut } from './helpers.js';

let site: Site;
afterEach(async () => site?.close());

async function faults(s: Site, body: unknown): Promise<void> {
  const r = await fetch(`${s.sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(r.status).toBe(200);
}

const PLUGINS = ['alpha', 'beta'];

describe('gaps filled late', () => {
  // Without a type filter a poll is one page read plus one re-ask; with one pushed to the
  // server, an id listing too.
  it.each([
    { filter: 'every event type', match: null, perPoll: 2, ready: /Polling every event type/ },
    {
      filter: 'a pushed-down event_type filter',
      match: { Shotgun_Shot_Change: '*' },
      perPoll: 3,
      ready: /Pushing an event_type filter to the server: Shotgun_Shot_Change/,
    },
  ])(
    '$filter: a late event reaches every plugin exactly once, flagged late; later events are not re-run; no page loop while the gap is open',
    async ({ match, perPoll, ready }) => {
      site = await makeSite();
      // Small pages: the events after the gap fill a page, the case where the original
      // re-read the same full page in a tight loop while the gap stayed open.
      site.writeConfig({ daemon: { max_event_batch_size: 3 } });
      for (const n of PLUGINS) site.writePlugin(`${n}.mjs`, recorderPlugin(site.recordsDir, n, { match }));
      const shot = await shotId(site);
      const d = site.run();
      await d.waitFor(ready);

      await faults(site, { events: { holdWrites: 1, holdMs: 3000 } });
      const held = await writeCut(site, shot, 1);
      const after = [await writeCut(site, shot, 2), await writeCut(site, shot, 3), await writeCut(site, shot, 4)];
      // The events after the gap go through at once; the gap is noted in each plugin's state.
      await until(() => PLUGINS.every((n) => site.records(n).length === 3), 'events after the gap');
      await until(
        () =>
          PLUGINS.every(
            (n) =>
              readState(site)
                ?.plugins[n]?.gaps.map((g) => g.id)
                .join() === `${held}`,
          ),
        'gap in the saved state',
      );
      expect(PLUGINS.map((n) => readState(site)!.plugins[n]!.lastId)).toEqual(PLUGINS.map(() => after[2]));

      // While the gap is open: one page read and one re-ask per poll (0.2 s), not a loop.
      const c0 = eventSearches(site);
      const t0 = Date.now();
      // A rate needs a time window: counting to N searches instead would let a slow machine's
      // polls outlast the 3 s hold, and a tight loop show only as a short wait.
      await sleep(1000);
      const perSecond = ((eventSearches(site) - c0) * 1000) / (Date.now() - t0);
      console.log(`event searches while a gap is open (${perPoll} per poll expected): ${perSecond.toFixed(1)}/s`);
      expect(PLUGINS.map((n) => site.records(n).length)).toEqual([3, 3]); // the gap was open throughout
      expect(perSecond).toBeGreaterThanOrEqual(2); // the gap is re-asked
      expect(perSecond).toBeLessThanOrEqual(perPoll * 5 * 1.3 + 2); // ≈ perPoll per 0.2 s poll, not hundreds

      await until(() => PLUGINS.every((n) => site.records(n).length === 4), 'the late event', 6000);
      await d.waitFor(new RegExp(`Late event ${held} arrived`));
      const next = await writeCut(site, shot, 5);
      await settledAt(site, PLUGINS, next);
      for (const n of PLUGINS) {
        const recs = site.records(n);
        expect(recs.map((r) => r.id)).toEqual([...after, held, next]);
        expect(recs.map((r) => r.late)).toEqual([false, false, false, true, false]);
      }
      expect(await d.stop()).toBe(0);
      for (const n of PLUGINS) {
        const s = readState(site)!.plugins[n]!;
        expect(s.lastId).toBe(next);
        expect(s.gaps).toEqual([]);
      }
    },
  );

  it('a gap still open at shutdown is owed after restart: delivered late, once', async () => {
    site = await makeSite();
    for (const n of PLUGINS) site.writePlugin(`${n}.mjs`, recorderPlugin(site.recordsDir, n));
    const shot = await shotId(site);
    let d = site.run();
    await d.waitFor(/Polling every event type/);
    await faults(site, { events: { holdWrites: 1, holdMs: 3000 } });
    const held = await writeCut(site, shot, 1);
    const after = [await writeCut(site, shot, 2), await writeCut(site, shot, 3)];
    await until(() => PLUGINS.every((n) => site.records(n).length === 2), 'events after the gap');
    expect(await d.stop()).toBe(0);
    for (const n of PLUGINS) {
      const s = readState(site)!.plugins[n]!;
      expect(s.lastId).toBe(after[1]);
      expect(s.gaps.map((g) => g.id)).toEqual([held]);
    }

    d = site.run();
    await until(() => PLUGINS.every((n) => site.records(n).length === 3), 'the late event after restart', 8000);
    const next = await writeCut(site, shot, 4);
    await settledAt(site, PLUGINS, next);
    for (const n of PLUGINS) {
      const recs = site.records(n);
      expect(recs.map((r) => r.id)).toEqual([...after, held, next]);
      expect(recs.map((r) => r.late)).toEqual([false, false, true, false]);
    }
    expect(await d.stop()).toBe(0);
    for (const n of PLUGINS) expect(readState(site)!.plugins[n]!.gaps).toEqual([]);
  });
});

describe('expired gaps', () => {
  it('a gap that never fills is given up after backlog_timeout, logged, and leaves the saved state', async () => {
    site = await makeSite();
    site.writeConfig({ daemon: { backlog_timeout: 2 } });
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    const shot = await shotId(site);
    const d = site.run();
    await d.waitFor(/Polling every event type/);
    await faults(site, { events: { skipIds: 3 } });
    const before = site.sandbox.store.lastEventId;
    await site.sg.update('Shot', shot, { sg_cut_in: 1 });
    const revealing = site.sandbox.store.lastEventId;
    expect(revealing).toBe(before + 4);
    const missing = [before + 1, before + 2, before + 3];
    await until(() => site.records('rec').length === 1, 'the event after the gap');
    await until(
      () =>
        readState(site)
          ?.plugins.rec?.gaps.map((g) => g.id)
          .join() === missing.join(),
      'the gap in the saved state',
    );
    await d.waitFor(new RegExp(`Timeout elapsed on backlog event ids ${missing[0]}-${missing[2]}: they never arrived`), 5000);
    await until(() => readState(site)?.plugins.rec?.gaps.length === 0, 'the expired gap leaves the saved state');
    const next = await writeCut(site, shot, 2);
    await until(() => site.records('rec').length === 2, 'later events still flow');
    expect(site.records('rec').map((r) => [r.id, r.late])).toEqual([
      [revealing, false],
      [next, false],
    ]);
    expect(await d.stop()).toBe(0);
    expect(readState(site)!.plugins.rec).toMatchObject({ lastId: next, gaps: [] });
  });

  it('a gap already older than backlog_timeout by the server clock is dropped at once ("never happened")', async () => {
    // The site's clock runs 2 minutes ahead halfway through: events after the gap are
    // 120 s apart by created_at, which is all the poller may judge age by (skew-proof).
    let skew = 0;
    site = await makeSite({ clock: () => Date.now() + skew });
    site.writeConfig({ daemon: { backlog_timeout: 60 } });
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    const shot = await shotId(site);
    let d = site.run();
    await d.waitFor(/Polling every event type/);
    const first = await writeCut(site, shot, 1);
    await until(() => site.records('rec').length === 1, 'first event');
    expect(await d.stop()).toBe(0);

    // While the daemon is down: a gap of 2 ids, its revealing event, then one 120 s later.
    await faults(site, { events: { skipIds: 2 } });
    await site.sg.update('Shot', shot, { sg_cut_in: 2 });
    const revealing = site.sandbox.store.lastEventId;
    expect(revealing).toBe(first + 3);
    skew = 120_000;
    const later = await writeCut(site, shot, 3);

    d = site.run();
    await d.waitFor(new RegExp(`Events ${first + 1}-${first + 2} never happened - ignoring`));
    await settledAt(site, ['rec'], later);
    expect(site.records('rec').map((r) => [r.id, r.late])).toEqual([
      [first, false],
      [revealing, false],
      [later, false],
    ]);
    expect(readState(site)!.plugins.rec!.gaps).toEqual([]);
    expect(d.output()).not.toMatch(/Waiting for missing event ids/);
    expect(await d.stop()).toBe(0);
    expect(readState(site)!.plugins.rec).toMatchObject({ lastId: later, gaps: [] });
  });
});
