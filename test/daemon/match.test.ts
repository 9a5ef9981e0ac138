// matchEvents through the real daemon, and the server-side event_type pushdown.
//
// Original quirks we deliberately do NOT keep (original-daemon.md §2, canProcess):
// - A '*' key made the original use ONLY matchEvents['*'] and ignore every other key:
//   {'*': ['sg_cut_in'], Shotgun_Shot_New: null} never got Shot_New. Here each key is its
//   own rule and an event matches when ANY rule accepts it, so that plugin gets both.
// - A string value was tested with `attribute_name in value`, a SUBSTRING test: 'cut'
//   matched sg_cut_in. Here a string is one attribute name matched exactly.
// Kept: _New (and _Retirement/_Revival) events have no attribute_name, so only a null or
// '*' value accepts them; a list of attribute names never matches them.
import { afterEach, describe, expect, it } from 'vitest';
import type { FindQuery } from '../../electron/sandbox/store.js';
import { makeSite, recorderPlugin, until, type Site } from './harness.js';
import { cursorsReach, eventsAfter, ids, shotId, type LogEvent } from './helpers.js';

let site: Site;
afterEach(async () => site?.close());

/** Records the filters of every EventLogEntry query the sandbox answers. */
function recordQueries(s: Site): Array<{ filters: string }> {
  const seen: Array<{ filters: string }> = [];
  const store = s.sandbox.store;
  const find = store.find.bind(store);
  store.find = (type: string, q: FindQuery) => {
    if (type === 'EventLogEntry') seen.push({ filters: JSON.stringify(q.filters) });
    return find(type, q);
  };
  return seen;
}

const expected = (events: LogEvent[], pred: (e: LogEvent) => boolean) => events.filter(pred).map((e) => e.id);

describe('matchEvents through the daemon', () => {
  it('delivers exactly what each filter names; pushes event types to the server until a plugin takes every type', async () => {
    site = await makeSite();
    const queries = recordQueries(site);
    const plugins: Record<string, unknown> = {
      cutin: { Shotgun_Shot_Change: ['sg_cut_in'] },
      // The original's substring test: 'cut' matched sg_cut_in. Not any more: nothing here.
      substr: { Shotgun_Shot_Change: 'cut' },
      exact: { Shotgun_Shot_Change: 'sg_cut_out' },
      // _New has no attribute_name: a list of names never matches it...
      newlist: { Shotgun_Shot_New: ['code'] },
      // ...null or '*' does.
      newstar: { Shotgun_Shot_New: '*' },
    };
    for (const [n, match] of Object.entries(plugins)) site.writePlugin(`${n}.mjs`, recorderPlugin(site.recordsDir, n, { match }));
    const d = site.run();
    await d.waitFor(/Pushing an event_type filter to the server: Shotgun_Shot_Change, Shotgun_Shot_New\n/);
    const before = site.sandbox.store.lastEventId;
    const shot = await shotId(site);
    const project = (await site.sg.findOne<{ id: number }>('Project', [], ['id']))!;
    await site.sg.update('Shot', shot, { sg_cut_in: 11 });
    await site.sg.update('Shot', shot, { sg_cut_out: 99 });
    await site.sg.update('Shot', shot, { description: 'a cut' });
    await site.sg.create('Shot', { code: 'sh_new', project: { type: 'Project', id: project.id }, sg_cut_in: 5 });
    const asset = (await site.sg.findOne<{ id: number }>('Task', [], ['id']))!;
    await site.sg.update('Task', asset.id, { sg_description: 'not a shot' });
    const last = site.sandbox.store.lastEventId;
    await cursorsReach(site, Object.keys(plugins), last);

    const events = await eventsAfter(site, before);
    const shotChange = (a: string) => (e: LogEvent) => e.event_type === 'Shotgun_Shot_Change' && e.attribute_name === a;
    const cutIn = expected(events, shotChange('sg_cut_in'));
    expect(cutIn.length).toBe(2); // the update and the in-create change of the new shot
    expect(ids(site, 'cutin')).toEqual(cutIn);
    expect(ids(site, 'substr')).toEqual([]);
    expect(ids(site, 'exact')).toEqual(expected(events, shotChange('sg_cut_out')));
    expect(ids(site, 'exact').length).toBe(1);
    expect(ids(site, 'newlist')).toEqual([]);
    const shotNew = expected(events, (e) => e.event_type === 'Shotgun_Shot_New');
    expect(shotNew.length).toBe(1);
    expect(ids(site, 'newstar')).toEqual(shotNew);

    // The pushdown: the page queries carried `event_type in [Change, New]` (the id-only
    // listing that finds gaps does not, by design).
    const typed = queries.filter((q) => q.filters.includes('"event_type"'));
    expect(typed.length).toBeGreaterThan(0);
    expect(typed.every((q) => q.filters.includes('"values":["Shotgun_Shot_Change","Shotgun_Shot_New"]'))).toBe(true);

    // A plugin that takes every type ('*' key) turns the pushdown off. '*' beside a
    // specific key: the original used only '*' and never gave this plugin Shot_New.
    site.writePlugin('star.mjs', recorderPlugin(site.recordsDir, 'star', { match: { '*': ['sg_cut_in'], Shotgun_Shot_New: null } }));
    await d.waitFor(/Polling every event type/);
    await d.waitFor(/New plugin star/);
    // A poll begun before the switch may still be answered: polls run one at a time and a
    // poll makes at most 3 event queries, so after 4 more the old one is over.
    const switched = queries.length;
    await until(() => queries.length >= switched + 4, 'a poll begun after the switch');
    const mark = queries.length;
    const before2 = site.sandbox.store.lastEventId;
    await site.sg.update('Shot', shot, { sg_cut_in: 12 });
    await site.sg.update('Task', asset.id, { sg_description: 'still not' });
    await site.sg.create('Shot', { code: 'sh_new2', project: { type: 'Project', id: project.id } });
    const last2 = site.sandbox.store.lastEventId;
    await cursorsReach(site, [...Object.keys(plugins), 'star'], last2);
    const events2 = await eventsAfter(site, before2);
    expect(ids(site, 'star')).toEqual(expected(events2, (e) => e.attribute_name === 'sg_cut_in' || e.event_type === 'Shotgun_Shot_New'));
    expect(ids(site, 'star')).toContain(expected(events2, (e) => e.event_type === 'Shotgun_Shot_New')[0]);
    expect(ids(site, 'cutin')).toEqual([...cutIn, ...expected(events2, shotChange('sg_cut_in'))]);
    expect(ids(site, 'newstar')).toEqual([...shotNew, ...expected(events2, (e) => e.event_type === 'Shotgun_Shot_New')]);
    const after = queries.slice(mark);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((q) => q.filters.includes('"event_type"'))).toEqual([]);
    expect(await d.stop()).toBe(0);
  });
});
