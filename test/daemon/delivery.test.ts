// Delivery through the real CLI: several plugins get every event in id order, the first
// start begins at the newest event, and a restart resumes after the saved cursor.
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, recorderPlugin, until, type Site } from './harness.js';

let site: Site;
afterEach(async () => site?.close());

const shotId = async (s: Site) => (await s.sg.findOne<{ id: number }>('Shot', [], ['id']))!.id;

describe('delivery', () => {
  it('first start begins at the newest event; several plugins get every later event in id order', async () => {
    site = await makeSite();
    const before = site.sandbox.store.lastEventId;
    for (const n of ['alpha', 'beta', 'gamma']) site.writePlugin(`${n}.mjs`, recorderPlugin(site.recordsDir, n));
    const d = site.run();
    await d.waitFor(/starting at the newest event/);
    await d.waitFor(/Polling every event type/);
    const id = await shotId(site);
    for (let i = 0; i < 30; i++) await site.sg.update('Shot', id, { sg_cut_in: 1000 + i });
    const last = site.sandbox.store.lastEventId;
    await until(() => ['alpha', 'beta', 'gamma'].every((n) => site.records(n).length === last - before), 'all plugins got 30 events');
    for (const n of ['alpha', 'beta', 'gamma']) {
      const ids = site.records(n).map((r) => r.id);
      expect(ids).toEqual(Array.from({ length: last - before }, (_, i) => before + 1 + i));
    }
    expect(await d.stop()).toBe(0);
  });

  it('resumes after the saved cursor on restart, without duplicates', async () => {
    site = await makeSite();
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    const id = await shotId(site);
    let d = site.run();
    await d.waitFor(/Polling every event type/);
    await site.sg.update('Shot', id, { sg_cut_in: 1 });
    await until(() => site.records('rec').length === 1, 'first event');
    expect(await d.stop()).toBe(0);
    // Written while the daemon is down: delivered after restart.
    await site.sg.update('Shot', id, { sg_cut_in: 2 });
    await site.sg.update('Shot', id, { sg_cut_in: 3 });
    d = site.run();
    await until(() => site.records('rec').length === 3, 'events written while down');
    const ids = site.records('rec').map((r) => r.id);
    expect(new Set(ids).size).toBe(3);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(await d.stop()).toBe(0);
  });
});
