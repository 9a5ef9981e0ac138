// Triage (renderer/src/triage.ts), the log folding and the one time format: pure functions.
import { describe, expect, it } from 'vitest';
import type { EngineView } from '../../electron/contract.js';
import { pluginView } from '../fixtures/plugin-view.js';
import { dateTime, localStamp, parseLocalTime } from '../../renderer/src/format.js';
import { health, lagStalled, needsAttention, shownState, tableRows } from '../../renderer/src/triage.js';
import { splitJson } from '../../renderer/src/log-json.js';
import { DEFAULT_PLUGIN_TABLE } from '../../renderer/src/store.js';

const plugin = pluginView;
const held = { eventId: 5, callback: 'cb', error: 'boom', attempt: 3, nextRetryAt: null };
const engine = (extra: Partial<EngineView> = {}): EngineView => ({
  site: 'https://x',
  demo: false,
  connection: 'connected',
  connectionError: null,
  headId: 9,
  eventsPerSecond: 1,
  paused: false,
  startedAt: 0,
  openGaps: 0,
  ...extra,
});

describe('triage', () => {
  it('shows a running plugin without callbacks as inert', () => {
    expect(shownState(plugin('a', { inert: 'registerCallbacks registered no callback' }))).toBe('inert');
    expect(shownState(plugin('a', { inert: 'x', state: 'paused' }))).toBe('paused');
    expect(shownState(plugin('a'))).toBe('running');
  });

  it('marks the lag of a plugin that consumes nothing as stalled, with the reason (its lag stays real)', () => {
    expect(lagStalled(plugin('a', { state: 'load_error', error: 'syntax', lagEvents: 40 }))).toMatch(
      /^Not consuming events: it failed to load\. The lag is real/,
    );
    expect(lagStalled(plugin('a', { state: 'paused', lagEvents: 3 }))).toMatch(/it is paused/);
    expect(lagStalled(plugin('a', { state: 'holding', held, lagEvents: 3 }))).toMatch(/it holds on an error/);
    expect(lagStalled(plugin('a', { state: 'disabled', enabled: false }))).toMatch(/it is disabled/);
    expect(lagStalled(plugin('a', { lagEvents: 40 }))).toBeNull();
    expect(lagStalled(plugin('a', { state: 'loading' }))).toBeNull();
  });

  it('puts failing plugins first, then sorts by the chosen column; filters by state and search', () => {
    const ps = [
      plugin('alpha', { lagEvents: 50 }),
      plugin('beta', { state: 'holding', held, lagEvents: 1 }),
      plugin('gamma', { failedEvents: [{ eventId: 1, callback: 'cb', error: 'e', at: 0, attempts: 1 }], lagEvents: 3 }),
      plugin('delta', { state: 'load_error', error: 'syntax' }),
      plugin('eps', { inert: 'none', lagEvents: 7 }),
    ];
    expect(tableRows(ps, { ...DEFAULT_PLUGIN_TABLE, sort: 'lag', desc: true }).map((p) => p.name)).toEqual([
      'delta',
      'beta',
      'gamma',
      'alpha',
      'eps',
    ]);
    expect(tableRows(ps, { ...DEFAULT_PLUGIN_TABLE, state: 'attention' }).map((p) => p.name)).toEqual(['delta', 'beta', 'gamma']);
    expect(tableRows(ps, { ...DEFAULT_PLUGIN_TABLE, state: 'inert' }).map((p) => p.name)).toEqual(['eps']);
    expect(tableRows(ps, { ...DEFAULT_PLUGIN_TABLE, query: 'ALP' }).map((p) => p.name)).toEqual(['alpha']);
    // The search sees file names, not the folders above them (a temp or home folder would match anything).
    const inFolders = [plugin('f1', { file: '/home/fred/plugins/f1.mjs' }), plugin('rec', { file: '/home/fred/plugins/rec.mjs' })];
    expect(tableRows(inFolders, { ...DEFAULT_PLUGIN_TABLE, query: 'f' }).map((p) => p.name)).toEqual(['f1']);
    expect(tableRows(inFolders, { ...DEFAULT_PLUGIN_TABLE, query: 'rec.mjs' }).map((p) => p.name)).toEqual(['rec']);
    expect(ps.filter(needsAttention).length).toBe(3);
  });

  it('header health: red for the site or the state file, amber with a count for plugins, unknown while disconnected', () => {
    const ps = [plugin('a', { state: 'holding', held }), plugin('b', { state: 'load_error' }), plugin('c')];
    expect(health(engine(), 'open', [plugin('c')]).tone).toBe('ok');
    const amber = health(engine(), 'open', ps);
    expect(amber).toMatchObject({ tone: 'warn', count: 2, target: 'plugins' });
    expect(amber.text).toBe('2 plugins need attention: 1 holding, 1 not loaded');
    expect(health(engine({ connection: 'retrying', connectionError: 'ECONNREFUSED' }), 'open', ps)).toMatchObject({
      tone: 'bad',
      text: 'Site unreachable: ECONNREFUSED',
    });
    expect(health(engine({ stateError: 'EACCES' }), 'open', ps)).toMatchObject({ tone: 'bad', text: 'State not saved: EACCES' });
    expect(health(engine(), 'reconnecting', ps).tone).toBe('unknown');
  });
});

describe('log folding', () => {
  it('finds a JSON payload at the end of a message', () => {
    expect(splitJson('args {"event":{"id":3},"args":null}')).toEqual({ text: 'args', json: { event: { id: 3 }, args: null } });
    expect(splitJson('[1,2]')).toEqual({ text: '', json: [1, 2] });
    expect(splitJson('a {b} c')).toBeNull();
    expect(splitJson('not json {oops}')).toBeNull();
  });
});

describe('time format', () => {
  it('is local with the zone, and reads back what it shows', () => {
    const t = new Date(2024, 4, 1, 9, 30, 5).getTime();
    expect(localStamp(t)).toBe('2024-05-01 09:30:05');
    expect(dateTime(t)).toMatch(/^2024-05-01 09:30:05 \S+/);
    expect(parseLocalTime('2024-05-01 09:30:05')).toBe(t);
    expect(parseLocalTime('2024-05-01 09:30')).toBe(t - 5000);
    expect(parseLocalTime('2024-05-01T07:30:05Z')).toBe(Date.UTC(2024, 4, 1, 7, 30, 5));
    expect(parseLocalTime('2024-02-30 10:00')).toBeNull();
    expect(parseLocalTime('yesterday')).toBeNull();
  });
});
