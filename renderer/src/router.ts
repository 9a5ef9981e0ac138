// Deep links: the view, its filters and its selection live in the URL's hash, so a reload
// or a pasted link shows the same thing. `#events/1234?type=Shotgun_Task_*&outcome=failed`,
// `#plugins/notes?q=no&state=attention`, `#logs?level=40&source=notes&q=timeout`.
// Pure functions (tested in test/renderer/router.test.ts); App.tsx wires them to the store.

import {
  DEFAULT_PLUGIN_TABLE,
  NO_FILTERS,
  NO_LOG_FILTERS,
  VIEWS,
  type EventFilters,
  type LogFilters,
  type PluginSortKey,
  type PluginStateFilter,
  type PluginTableView,
  type State,
  type ViewName,
} from './store.js';

export type Routed = Pick<State, 'view' | 'selectedEventId' | 'filters' | 'selectedPlugin' | 'pluginTable' | 'logFilters'>;

const EVENT_KEYS: Array<[keyof EventFilters, string]> = [
  ['eventType', 'type'],
  ['entityType', 'entity'],
  ['project', 'project'],
  ['plugin', 'plugin'],
  ['outcome', 'outcome'],
];
const OUTCOMES = new Set(['ok', 'failed', 'held', 'skipped', 'pending']);
const SORTS = new Set<PluginSortKey>(['name', 'state', 'lag', 'processed', 'failed', 'p50', 'p95']);

/** What a hash asks for; null when it names no known view (then nothing changes). */
export function parseHash(hash: string): Partial<Routed> | null {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const slash = pathPart.indexOf('/');
  const view = (slash < 0 ? pathPart : pathPart.slice(0, slash)) as ViewName;
  const arg = slash < 0 ? '' : safeDecode(pathPart.slice(slash + 1));
  if (!VIEWS.includes(view)) return null;
  const out: Partial<Routed> = { view };
  if (view === 'events') {
    out.selectedEventId = /^\d+$/.test(arg) ? Number(arg) : null;
    const filters: EventFilters = { ...NO_FILTERS };
    for (const [key, param] of EVENT_KEYS) {
      const v = params.get(param);
      if (v !== null) (filters as unknown as Record<string, string>)[key] = v;
    }
    if (!OUTCOMES.has(filters.outcome)) filters.outcome = '';
    out.filters = filters;
  } else if (view === 'plugins') {
    out.selectedPlugin = arg || null;
    const sort = params.get('sort') as PluginSortKey | null;
    const table: PluginTableView = {
      query: params.get('q') ?? '',
      state: (params.get('state') ?? '') as PluginStateFilter,
      sort: sort && SORTS.has(sort) ? sort : DEFAULT_PLUGIN_TABLE.sort,
      desc: params.get('desc') === '1',
    };
    out.pluginTable = table;
  } else if (view === 'logs') {
    const level = Number(params.get('level') ?? 0);
    const f: LogFilters = {
      ...NO_LOG_FILTERS,
      minLevel: Number.isFinite(level) ? level : 0,
      plugin: params.get('source') ?? '',
      search: params.get('q') ?? '',
    };
    out.logFilters = f;
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function query(pairs: Array<[string, string | number | boolean | null | undefined]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of pairs) if (v !== '' && v !== null && v !== undefined && v !== false && v !== 0) p.set(k, v === true ? '1' : String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The hash that stands for this state (only the current view's part). */
export function toHash(s: Routed): string {
  switch (s.view) {
    case 'events':
      return `#events${s.selectedEventId !== null ? `/${s.selectedEventId}` : ''}${query(EVENT_KEYS.map(([k, p]) => [p, s.filters[k]]))}`;
    case 'plugins': {
      const t = s.pluginTable;
      return `#plugins${s.selectedPlugin ? `/${encodeURIComponent(s.selectedPlugin)}` : ''}${query([
        ['q', t.query],
        ['state', t.state],
        ['sort', t.sort === DEFAULT_PLUGIN_TABLE.sort ? '' : t.sort],
        ['desc', t.desc],
      ])}`;
    }
    case 'logs':
      return `#logs${query([
        ['level', s.logFilters.minLevel],
        ['source', s.logFilters.plugin],
        ['q', s.logFilters.search],
      ])}`;
    default:
      return `#${s.view}`;
  }
}
