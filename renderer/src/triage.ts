// Triage, as pure functions (tested in test/renderer/triage.test.ts): what state a plugin
// shows, which plugins need attention, how the plugins table filters and sorts (failing
// first), and the header's overall health.

import type { EngineView, PluginState, PluginView } from '../../electron/contract.js';
import type { LinkStatus } from './transport.js';
import type { PluginStateFilter, PluginTableView } from './store.js';

export type ShownState = PluginState | 'inert';

/** The state to show: a running plugin that has nothing to run is "inert". */
export function shownState(p: PluginView): ShownState {
  return p.inert && p.state === 'running' ? 'inert' : p.state;
}

const STALLED: Partial<Record<PluginState, string>> = {
  load_error: 'it failed to load',
  unloaded: 'it is unloaded',
  holding: 'it holds on an error',
  paused: 'it is paused',
  disabled: 'it is disabled',
};

/**
 * Why a plugin's lag cannot shrink now, or null while it consumes events. Its lag stays
 * shown (head minus cursor is real: the cursor is kept, and the plugin catches up from it
 * once it runs again), marked "stalled" with this reason, the same in the table and the card.
 */
export function lagStalled(p: PluginView): string | null {
  const why = STALLED[p.state];
  return why ? `Not consuming events: ${why}. The lag is real; the plugin catches up from its cursor once it runs again.` : null;
}

/** Holding on an error, failing to load, or with failed events waiting in its list. */
export function needsAttention(p: PluginView): boolean {
  return p.state === 'holding' || p.state === 'load_error' || p.failedEvents.length > 0;
}

/** Lower sorts first: the worst trouble on top. */
function severity(p: PluginView): number {
  if (p.state === 'load_error') return 0;
  if (p.state === 'holding') return 1;
  if (p.failedEvents.length > 0) return 2;
  return 3;
}

const STATE_ORDER: Record<ShownState, number> = {
  load_error: 0,
  holding: 1,
  paused: 2,
  loading: 3,
  running: 4,
  inert: 5,
  disabled: 6,
  unloaded: 7,
};

export function stateMatches(p: PluginView, f: PluginStateFilter): boolean {
  if (f === '') return true;
  if (f === 'attention') return needsAttention(p);
  return shownState(p) === f;
}

/** The table's rows: filtered by state and search, failing plugins first, then the chosen column. */
export function tableRows(plugins: readonly PluginView[], t: PluginTableView): PluginView[] {
  const q = t.query.trim().toLowerCase();
  // The file's own name, not its folders: searching "f" must not match every plugin under /home/fred.
  const fileName = (p: PluginView) => (p.file.split(/[\\/]/).pop() ?? '').toLowerCase();
  const rows = plugins.filter((p) => stateMatches(p, t.state) && (!q || p.name.toLowerCase().includes(q) || fileName(p).includes(q)));
  const key = (p: PluginView): number | string => {
    switch (t.sort) {
      case 'name':
        return p.name.toLowerCase();
      case 'state':
        return STATE_ORDER[shownState(p)];
      case 'lag':
        return p.lagEvents;
      case 'processed':
        return p.processed;
      case 'failed':
        return p.failed;
      case 'p50':
        return p.p50Ms ?? -1;
      case 'p95':
        return p.p95Ms ?? -1;
    }
  };
  const dir = t.desc ? -1 : 1;
  return rows.sort((a, b) => {
    const s = severity(a) - severity(b);
    if (s !== 0) return s;
    const ka = key(a);
    const kb = key(b);
    const c = typeof ka === 'string' ? ka.localeCompare(kb as string) : ka - (kb as number);
    return c !== 0 ? c * dir : a.name.localeCompare(b.name);
  });
}

export interface Health {
  tone: 'ok' | 'warn' | 'bad' | 'unknown';
  /** How many problems (plugins needing attention, or 1 for a site/state problem). */
  count: number;
  text: string;
  /** Where a click leads. */
  target: 'plugins' | 'settings' | null;
}

/** The header's verdict: red for the site or the state file, amber for plugins, grey when we cannot know. */
export function health(engine: EngineView | null, link: LinkStatus['state'], plugins: readonly PluginView[]): Health {
  if (!engine || link !== 'open')
    return { tone: 'unknown', count: 0, text: link === 'open' ? 'Waiting for the engine' : 'Unknown: not connected', target: null };
  if (engine.stateError) return { tone: 'bad', count: 1, text: `State not saved: ${engine.stateError}`, target: null };
  if (engine.problems?.length) return { tone: 'bad', count: engine.problems.length, text: engine.problems[0]!, target: null };
  if (engine.connection === 'error' || engine.connection === 'retrying') {
    return { tone: 'bad', count: 1, text: `Site unreachable${engine.connectionError ? `: ${engine.connectionError}` : ''}`, target: 'settings' };
  }
  const bad = plugins.filter(needsAttention);
  if (bad.length) {
    const holding = bad.filter((p) => p.state === 'holding').length;
    const broken = bad.filter((p) => p.state === 'load_error').length;
    const failed = bad.length - holding - broken;
    const parts = [holding && `${holding} holding`, broken && `${broken} not loaded`, failed && `${failed} with failed events`].filter(Boolean);
    return {
      tone: 'warn',
      count: bad.length,
      text: `${bad.length} ${bad.length === 1 ? 'plugin needs' : 'plugins need'} attention: ${parts.join(', ')}`,
      target: 'plugins',
    };
  }
  return { tone: 'ok', count: 0, text: 'All plugins healthy', target: null };
}
