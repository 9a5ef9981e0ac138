// Deep links (renderer/src/router.ts): every view's filters and selection survive a trip
// through the URL's hash; junk in a hash is ignored, never thrown.
import { describe, expect, it } from 'vitest';
import { parseHash, toHash, type Routed } from '../../renderer/src/router.js';
import { DEFAULT_PLUGIN_TABLE, NO_FILTERS, NO_LOG_FILTERS } from '../../renderer/src/store.js';

const base: Routed = {
  view: 'events',
  selectedEventId: null,
  filters: NO_FILTERS,
  selectedPlugin: null,
  pluginTable: DEFAULT_PLUGIN_TABLE,
  logFilters: NO_LOG_FILTERS,
};

describe('router', () => {
  it('round-trips the events view: selection and filters', () => {
    const s: Routed = {
      ...base,
      selectedEventId: 1234,
      filters: { eventType: 'Shotgun_Task_*', entityType: 'Task', project: 'Big Buck', plugin: 'notes', outcome: 'failed' },
    };
    const h = toHash(s);
    expect(h).toBe('#events/1234?type=Shotgun_Task_*&entity=Task&project=Big+Buck&plugin=notes&outcome=failed');
    expect(parseHash(h)).toEqual({ view: 'events', selectedEventId: 1234, filters: s.filters });
    expect(toHash(base)).toBe('#events');
  });

  it('round-trips the plugins view: the open plugin, search, state, sort', () => {
    const s: Routed = {
      ...base,
      view: 'plugins',
      selectedPlugin: 'my plugin/2',
      pluginTable: { query: 'no', state: 'attention', sort: 'lag', desc: true },
    };
    const h = toHash(s);
    expect(h).toBe('#plugins/my%20plugin%2F2?q=no&state=attention&sort=lag&desc=1');
    expect(parseHash(h)).toEqual({ view: 'plugins', selectedPlugin: 'my plugin/2', pluginTable: s.pluginTable });
  });

  it('round-trips the logs view', () => {
    const s: Routed = { ...base, view: 'logs', logFilters: { minLevel: 40, plugin: '(engine)', search: 'time*out' } };
    expect(parseHash(toHash(s))).toEqual({ view: 'logs', logFilters: s.logFilters });
  });

  it('ignores what it does not know', () => {
    expect(parseHash('#nowhere/1')).toBeNull();
    expect(parseHash('')).toBeNull();
    expect(parseHash('#events/abc?outcome=bogus')).toEqual({ view: 'events', selectedEventId: null, filters: NO_FILTERS });
    expect(parseHash('#plugins/%E0%A4%A?sort=nope')).toEqual({ view: 'plugins', selectedPlugin: '%E0%A4%A', pluginTable: DEFAULT_PLUGIN_TABLE });
    expect(parseHash('#/audit')).toEqual({ view: 'audit' });
  });
});
