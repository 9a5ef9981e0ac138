// The renderer's state: one zustand store made of slices (link, engine, plugins, events,
// logs, audit, ui). Every snapshot and every update batch lands with ONE `set`. Collections
// are immutable: a plugin's view object is replaced only when that plugin changed, an
// event's only when its outcomes did, so atomic selectors re-render just what changed.

import { create } from 'zustand';
import type {
  AuditEntry,
  EngineView,
  EventView,
  LogLineView,
  Outcome,
  OutcomeStatus,
  PluginState,
  PluginView,
  Snapshot,
  TrendPoint,
  Update,
} from '../../electron/contract.js';
import type { LinkStatus } from './transport.js';

/** Bounds: the renderer never holds more than this, whatever the rate. */
export const EVENT_CAP = 5000;
export const LOG_CAP = 5000;
export const AUDIT_CAP = 1000;
/** One hour of 5-s samples (TREND_KEEP in the contract; a constant here keeps zod out of the bundle). */
export const TREND_CAP = 720;

export type ViewName = 'events' | 'plugins' | 'logs' | 'audit' | 'settings';
export const VIEWS: ViewName[] = ['events', 'plugins', 'logs', 'audit', 'settings'];

export type OutcomeFilter = '' | OutcomeStatus | 'pending';

export interface EventFilters {
  eventType: string;
  entityType: string;
  project: string;
  plugin: string;
  outcome: OutcomeFilter;
}

export interface LogFilters {
  /** Minimum level (Python numbers: 10 DEBUG … 50 CRITICAL); 0 = all. */
  minLevel: number;
  /** '' = all, '(engine)' = lines not from a plugin, else a plugin name. */
  plugin: string;
  search: string;
}

export const ENGINE_SOURCE = '(engine)';

/** What the plugins table shows: a state, '' for all, or 'attention' (holding, errors, failures). */
export type PluginStateFilter = '' | 'attention' | PluginState | 'inert';
export type PluginSortKey = 'name' | 'state' | 'lag' | 'processed' | 'failed' | 'p50' | 'p95';

export interface PluginTableView {
  query: string;
  state: PluginStateFilter;
  sort: PluginSortKey;
  desc: boolean;
}

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export interface State {
  // link slice
  link: LinkStatus;
  /** A snapshot has arrived since the page loaded. */
  ready: boolean;
  // engine slice
  engine: EngineView | null;
  // plugins slice
  plugins: Record<string, PluginView>;
  /** Sorted; a new array only when a plugin appears or goes. */
  pluginNames: string[];
  // events slice: sorted by id, at most EVENT_CAP (oldest dropped first)
  events: EventView[];
  /** Events received since the page loaded (for the "dropped" hint). */
  eventsSeen: number;
  // logs slice: in arrival order, at most LOG_CAP
  logs: LogLineView[];
  // audit slice: oldest first, at most AUDIT_CAP
  audit: AuditEntry[];
  // trends slice: oldest first, at most TREND_CAP
  trends: TrendPoint[];
  // ui slice
  view: ViewName;
  filters: EventFilters;
  selectedEventId: number | null;
  /** Bumped each time something outside the table asks to show the selected event. */
  revealSeq: number;
  pluginTable: PluginTableView;
  /** The plugin whose card is open in the Plugins view. */
  selectedPlugin: string | null;
  logFilters: LogFilters;
  toasts: Toast[];
}

export const NO_FILTERS: EventFilters = { eventType: '', entityType: '', project: '', plugin: '', outcome: '' };
export const DEFAULT_PLUGIN_TABLE: PluginTableView = { query: '', state: '', sort: 'state', desc: false };
export const NO_LOG_FILTERS: LogFilters = { minLevel: 0, plugin: '', search: '' };

export const useStore = create<State>()(() => ({
  link: { kind: 'websocket', state: 'connecting', error: null, retryAt: null, attempts: 0 },
  ready: false,
  engine: null,
  plugins: {},
  pluginNames: [],
  events: [],
  eventsSeen: 0,
  logs: [],
  audit: [],
  trends: [],
  view: 'events',
  filters: NO_FILTERS,
  selectedEventId: null,
  revealSeq: 0,
  pluginTable: DEFAULT_PLUGIN_TABLE,
  selectedPlugin: null,
  logFilters: NO_LOG_FILTERS,
  toasts: [],
}));

// ------------------------------------------------------------------ pure helpers (exported for tests)

/** Index of the first event whose id is >= `id` (events sorted by id). */
export function lowerBound(events: readonly EventView[], id: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function findEvent(events: readonly EventView[], id: number | null): EventView | undefined {
  if (id === null) return undefined;
  const e = events[lowerBound(events, id)];
  return e && e.id === id ? e : undefined;
}

function bounded<T>(arr: T[], cap: number): T[] {
  return arr.length > cap ? arr.slice(arr.length - cap) : arr;
}

function sortedNames(plugins: Record<string, PluginView>): string[] {
  return Object.keys(plugins).sort((a, b) => a.localeCompare(b));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Merges incoming events into a sorted, bounded list: appends in the common case, inserts late ones, replaces duplicates. */
export function mergeEvents(current: EventView[], incoming: readonly EventView[], cap = EVENT_CAP): EventView[] {
  if (incoming.length === 0) return current;
  const out = current.slice();
  for (const e of incoming) {
    const last = out[out.length - 1];
    if (!last || e.id > last.id) {
      out.push(e);
      continue;
    }
    const i = lowerBound(out, e.id);
    const there = out[i];
    if (there && there.id === e.id) out[i] = { ...e, outcomes: { ...there.outcomes, ...e.outcomes } };
    else out.splice(i, 0, e);
  }
  return bounded(out, cap);
}

type OutcomeUpdate = Extract<Update, { kind: 'outcome' }>;

/** Applies outcomes (one new object per touched event, one new array per batch). */
export function applyOutcomes(events: EventView[], outcomes: readonly OutcomeUpdate[]): EventView[] {
  if (outcomes.length === 0) return events;
  let out: EventView[] | null = null;
  const cloned = new Set<number>();
  for (const u of outcomes) {
    const arr: EventView[] = out ?? events;
    const i = lowerBound(arr, u.eventId);
    const e = arr[i];
    if (!e || e.id !== u.eventId) continue;
    if (!out) out = events.slice();
    if (cloned.has(i)) {
      (out[i] as EventView).outcomes[u.plugin] = u.outcome;
    } else {
      out[i] = { ...e, outcomes: { ...e.outcomes, [u.plugin]: u.outcome } };
      cloned.add(i);
    }
  }
  return out ?? events;
}

/** The state a snapshot stands for (replaces the stream slices, keeps the ui slice). */
export function fromSnapshot(s: Snapshot): Partial<State> {
  const plugins: Record<string, PluginView> = {};
  for (const p of s.plugins) plugins[p.name] = p;
  const events = mergeEvents(
    [],
    [...s.events].sort((a, b) => a.id - b.id),
  );
  return {
    ready: true,
    engine: s.engine,
    plugins,
    pluginNames: sortedNames(plugins),
    events,
    logs: bounded(s.logs.slice(), LOG_CAP),
    audit: bounded(s.audit.slice(), AUDIT_CAP),
    trends: bounded((s.trends ?? []).slice(), TREND_CAP),
  };
}

/** The state after one batch of updates: computed off-store, applied with one `set`. */
export function reduceUpdates(st: State, updates: readonly Update[]): Partial<State> {
  let engine = st.engine;
  let plugins: Record<string, PluginView> | null = null;
  let newEvents: EventView[] = [];
  const outcomes: OutcomeUpdate[] = [];
  let newLogs: LogLineView[] = [];
  const newAudit: AuditEntry[] = [];
  const newTrends: TrendPoint[] = [];
  for (const u of updates) {
    switch (u.kind) {
      case 'engine':
        engine = u.engine;
        break;
      case 'plugin':
        plugins ??= { ...st.plugins };
        plugins[u.plugin.name] = u.plugin;
        break;
      case 'pluginRemoved':
        plugins ??= { ...st.plugins };
        delete plugins[u.name];
        break;
      case 'events':
        newEvents = newEvents.length ? newEvents.concat(u.events) : u.events;
        break;
      case 'outcome':
        // Applied after this batch's events are merged: an outcome may name one of them.
        outcomes.push(u);
        break;
      case 'logs':
        newLogs = newLogs.length ? newLogs.concat(u.lines) : u.lines;
        break;
      case 'audit':
        newAudit.push(u.entry);
        break;
      case 'trend':
        newTrends.push(u.point);
        break;
      default:
        // A new Update kind without a case fails the typecheck (contract.ts's exhaustive(),
        // inlined: only types come from the contract, so zod stays out of the bundle).
        void (u satisfies never);
    }
  }
  const patch: Partial<State> = {};
  if (engine !== st.engine) patch.engine = engine;
  if (plugins) {
    patch.plugins = plugins;
    const names = sortedNames(plugins);
    if (!sameList(names, st.pluginNames)) patch.pluginNames = names;
  }
  if (newEvents.length || outcomes.length) {
    patch.events = applyOutcomes(mergeEvents(st.events, newEvents), outcomes);
    patch.eventsSeen = st.eventsSeen + newEvents.length;
  }
  if (newLogs.length) patch.logs = bounded(st.logs.concat(newLogs), LOG_CAP);
  if (newAudit.length) patch.audit = bounded(st.audit.concat(newAudit), AUDIT_CAP);
  if (newTrends.length) patch.trends = bounded(st.trends.concat(newTrends), TREND_CAP);
  return patch;
}

// ------------------------------------------------------------------ actions

export function applySnapshot(s: Snapshot): void {
  useStore.setState(fromSnapshot(s));
}

export function applyUpdates(updates: readonly Update[]): void {
  if (updates.length === 0) return;
  useStore.setState((st) => reduceUpdates(st, updates));
}

export function setLink(link: LinkStatus): void {
  useStore.setState({ link });
}

export function setView(view: ViewName): void {
  if (useStore.getState().view !== view) useStore.setState({ view });
}

export function setFilter<K extends keyof EventFilters>(key: K, value: EventFilters[K]): void {
  useStore.setState((st) => ({ filters: { ...st.filters, [key]: value } }));
}

export function clearFilters(): void {
  useStore.setState({ filters: NO_FILTERS });
}

export function selectEvent(id: number | null): void {
  useStore.setState({ selectedEventId: id });
}

/** Opens the Events view on one event, scrolled to and selecting its row. */
export function showEvent(id: number): void {
  useStore.setState((st) => ({ selectedEventId: id, view: 'events', revealSeq: st.revealSeq + 1 }));
}

export function setPluginTable(patch: Partial<PluginTableView>): void {
  useStore.setState((st) => ({ pluginTable: { ...st.pluginTable, ...patch } }));
}

export function selectPlugin(name: string | null): void {
  useStore.setState({ selectedPlugin: name });
}

export function setLogFilter<K extends keyof LogFilters>(key: K, value: LogFilters[K]): void {
  useStore.setState((st) => ({ logFilters: { ...st.logFilters, [key]: value } }));
}

let toastSeq = 0;
export function toast(text: string, kind: Toast['kind'] = 'info', ttlMs = kind === 'error' ? 10_000 : 5000): void {
  const t: Toast = { id: ++toastSeq, kind, text };
  useStore.setState((st) => ({ toasts: [...st.toasts.slice(-4), t] }));
  setTimeout(() => dismissToast(t.id), ttlMs);
}

export function dismissToast(id: number): void {
  useStore.setState((st) => (st.toasts.some((t) => t.id === id) ? { toasts: st.toasts.filter((t) => t.id !== id) } : {}));
}

// ------------------------------------------------------------------ filtering

/** Case-insensitive substring match, where `*` stands for anything (`task*change`). */
export function textMatcher(pattern: string): ((s: string | null | undefined) => boolean) | null {
  const p = pattern.trim().toLowerCase();
  if (!p) return null;
  if (p.includes('*')) {
    const re = new RegExp(
      p
        .split('*')
        .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*'),
    );
    return (s) => !!s && re.test(s.toLowerCase());
  }
  return (s) => !!s && s.toLowerCase().includes(p);
}

function outcomeMatches(o: Outcome | undefined, want: OutcomeFilter): boolean {
  if (want === '') return true;
  if (want === 'pending') return o === undefined;
  return o?.status === want;
}

export function eventFilter(f: EventFilters): ((e: EventView) => boolean) | null {
  const type = textMatcher(f.eventType);
  const entity = textMatcher(f.entityType);
  const project = textMatcher(f.project);
  const { plugin, outcome } = f;
  if (!type && !entity && !project && !plugin && !outcome) return null;
  return (e) => {
    if (type && !type(e.event_type)) return false;
    if (entity && !entity(e.entity?.type)) return false;
    if (project && !project(e.project?.name ?? (e.project ? `${e.project.type} ${e.project.id}` : null))) return false;
    if (plugin) {
      const o = e.outcomes[plugin];
      if (!outcome && o === undefined) return false;
      if (!outcomeMatches(o, outcome)) return false;
    } else if (outcome) {
      const all = Object.values(e.outcomes);
      if (outcome === 'pending' ? all.length > 0 : !all.some((o) => o.status === outcome)) return false;
    }
    return true;
  };
}

export function logFilter(f: LogFilters): ((l: LogLineView) => boolean) | null {
  const search = textMatcher(f.search);
  if (!search && !f.minLevel && !f.plugin) return null;
  return (l) => {
    if (f.minLevel && l.level < f.minLevel) return false;
    if (f.plugin === ENGINE_SOURCE ? l.plugin !== undefined && l.plugin !== null : f.plugin && l.plugin !== f.plugin) return false;
    if (search && !search(l.message) && !search(l.logger)) return false;
    return true;
  };
}
