// The plugins the engine runs: one runner per plugin file (runner.ts) on a plugin host
// (worker thread, or a Python child), added, reloaded and removed as the plugin folders
// change (discovery.ts's watcher), and the union of their event types, which the poller
// pushes to the server as an event_type filter.

import type { Outcome } from '../contract.js';
import type { Shotgun } from '../shotgun/client.js';
import { EVENT_FIELDS, EVENT_ORDER, type EventLogEntry, type FilterTriple } from '../shotgun/types.js';
import type { EngineConfig } from './config.js';
import { pluginName, PluginWatcher, type PluginFileChange } from './discovery.js';
import { parseLevel, type Logger, type Logging } from './logging.js';
import type { CallbackOutcome } from './plugin-protocol.js';
import { loadWarning } from './inert-reason.js';
import type { Poller } from './poller.js';
import { createPluginHost, type AnyPluginHost } from './python/host-factory.js';
import { PluginRunner, type EventSource } from './runner.js';
import { newPluginState, type StateStore } from './state.js';
import type { EventWindow } from './window.js';

const EMPTY: ReadonlySet<string> = new Set();

export interface PluginLifecycleOptions {
  config: EngineConfig;
  sg: Shotgun;
  poller: Poller;
  window: EventWindow;
  state: StateStore;
  logging: Logging;
  log: Logger;
  /** Worker memory limit per plugin. */
  pluginMemoryMb?: number;
  /** Retries a read on the connection backoff (poll-loop.ts). */
  withRetries: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
  recentLate: (from: number, to: number) => EventLogEntry[];
  /** A plugin's view changed. */
  changed: (name: string) => void;
  outcome: (eventId: number, plugin: string, outcome: Outcome) => void;
  removed: (name: string) => void;
  stopping: () => boolean;
}

export class PluginLifecycle {
  readonly runners = new Map<string, PluginRunner>();
  /** Each runner's host, typed as created (the runner sees it only as a HostLike): its recipients come from it. */
  private readonly hosts = new Map<string, AnyPluginHost>();
  /** What each plugin last warned about outside its callbacks (why it may be inert). */
  private readonly warnings = new Map<string, string>();
  /** The event types pushed to the server; null: every type. */
  types: string[] | null = [];
  private watcher: PluginWatcher | null = null;
  /** Script names whose events are ignored with ignore_own_events: the engine's and every callback's. */
  private readonly ownScripts = new Set<string>();

  constructor(private readonly o: PluginLifecycleOptions) {
    this.ownScripts.add(o.config.shotgun!.name);
  }

  /** The runner of a plugin, or a clear error naming the loaded ones. */
  runner(name: string): PluginRunner {
    const r = this.runners.get(name);
    if (!r) throw new Error(`no plugin named '${name}' (loaded: ${[...this.runners.keys()].join(', ') || 'none'})`);
    return r;
  }

  /** Watches the plugin folders: a file added, changed or removed loads, reloads or unloads its plugin. */
  async watch(paths: string[]): Promise<void> {
    this.watcher = new PluginWatcher(paths, (ch) => void this.onFileChange(ch));
    await this.watcher.ready();
  }

  async unwatch(): Promise<void> {
    await this.watcher?.close();
  }

  /** Loads a plugin file and (unless told not to) starts its runner; null when not loaded. */
  async add(file: string, o: { start?: boolean } = {}): Promise<PluginRunner | null> {
    const name = pluginName(file);
    const existing = this.runners.get(name);
    if (existing && existing.file !== file) {
      this.o.log.error(`Plugin ${file} not loaded: a plugin named ${name} is already loaded from ${existing.file}.`);
      return null;
    }
    if (existing) {
      await this.reload(name);
      return null;
    }
    const { config: c, state, logging } = this.o;
    const known = state.plugin(name);
    // A plugin new to the state starts at the newest event known, even when polling
    // resumes further back for a lagging plugin.
    const pluginState = state.ensurePlugin(name, () => newPluginState(Math.max(this.o.poller.readPosition, state.data.headId ?? 0)));
    if (!known) {
      this.o.log.info(`New plugin ${name}: starting after event ${pluginState.lastId}.`);
      // Durable before it takes events (as at start: start-position.ts).
      await state.flushNow();
    }
    const pluginLog = logging.plugin(name);
    const host = createPluginHost({
      file,
      name,
      python: c.plugins.python,
      shotgun: {
        server: c.shotgun!.server,
        apiVersion: c.shotgun!.apiVersion,
        proxy: c.shotgun!.proxyServer ? proxyUrl(c.shotgun!.proxyServer) : undefined,
      },
      callbackTimeoutMs: c.daemon.callbackTimeoutMs || 2_147_483_647,
      memoryLimitMb: this.o.pluginMemoryMb,
      offHeapLimitMb: c.daemon.pluginBufferLimitMb,
      useSessionUuid: c.shotgun!.useSessionUuid,
      logLevel: c.daemon.logLevelValue,
      onLog: (line) => {
        const warned = loadWarning(line);
        if (warned) this.warnings.set(name, warned);
        const logger = line.callback ? logging.callback(name, line.callback) : line.logger === `plugin.${name}` ? pluginLog : logging.plugin(name);
        logger.write({ level: parseLevel(line.level), message: line.message, time: line.time, eventId: line.eventId });
      },
    });
    const runner = new PluginRunner(name, file, host, pluginState, this.eventSource(), this.o.poller.gaps, c.daemon.retryBackoffMs, {
      outcome: (r, event, outcome, callbacks) => this.onOutcome(r, event, outcome, callbacks),
      changed: (r) => this.o.changed(r.name),
      dirty: () => state.markDirty(),
      log: (level, message, eventId) => pluginLog.forEvent(eventId)[level](message),
      ignoredUsers: () => (c.daemon.ignoreOwnEvents ? this.ownScripts : EMPTY),
      recentLate: this.o.recentLate,
    });
    this.runners.set(name, runner);
    this.hosts.set(name, host);
    await runner.load();
    this.afterLoad(runner);
    if (o.start !== false) runner.start();
    return runner;
  }

  /** What the plugin last warned about outside its callbacks since it (re)loaded, or null. */
  loadWarning(name: string): string | null {
    return this.warnings.get(name) ?? null;
  }

  async reload(name: string): Promise<void> {
    const r = this.runner(name);
    this.o.log.info(`Reloading plugin at ${r.file}`);
    this.warnings.delete(name);
    await r.load();
    this.afterLoad(r);
  }

  async remove(name: string): Promise<void> {
    const r = this.runners.get(name);
    if (!r) return;
    this.runners.delete(name);
    this.hosts.delete(name);
    this.warnings.delete(name);
    await r.close();
    await this.o.logging.closePluginFile(name);
    this.o.log.info(`Unloaded plugin ${name} (its file was removed; its cursor is kept in the state).`);
    this.refreshTypes();
    this.o.removed(name);
  }

  private afterLoad(runner: PluginRunner): void {
    for (const cb of runner.callbackViews()) this.ownScripts.add(cb.scriptName);
    this.o.logging.setPluginEmails(runner.name, this.hosts.get(runner.name)?.emails ?? null);
    this.refreshTypes();
    this.o.changed(runner.name);
  }

  private async onFileChange(c: PluginFileChange): Promise<void> {
    if (this.o.stopping()) return;
    try {
      if (c.kind === 'unlink') await this.remove(pluginName(c.file));
      else if (this.runners.has(pluginName(c.file))) await this.reload(pluginName(c.file));
      else await this.add(c.file);
    } catch (e) {
      this.o.log.error(`Handling ${c.kind} of ${c.file} failed: ${(e as Error).message}`);
    }
  }

  /** The event types pushed to the server: the union over plugins, or null if any takes all. */
  private refreshTypes(): void {
    let types: string[] | null = [];
    for (const r of this.runners.values()) {
      const t = r.eventTypes();
      if (t === null) {
        types = null;
        break;
      }
      types.push(...t);
    }
    const next = types ? [...new Set(types)].sort() : null;
    const same = JSON.stringify(next) === JSON.stringify(this.types);
    if (same) return;
    // An empty list would filter everything out: then nobody needs events at all, but
    // the read position must still move, so poll unfiltered.
    this.types = next && next.length === 0 ? null : next;
    // The window holds only events of the old filter: start it afresh at the read position.
    this.o.window.reset(this.o.poller.readPosition);
    this.o.log.info(this.types ? `Pushing an event_type filter to the server: ${this.types.join(', ')}` : 'Polling every event type.');
  }

  private eventSource(): EventSource {
    const { window, sg } = this.o;
    return {
      next: async (after, limit, types) => {
        if (window.covers(after)) return window.read(after, limit);
        // Behind the window: read the gap from the server, up to where the window starts, a
        // whole batch per request as the poller does (at 500 a slow plugin evicted at batch
        // 5000 made ten requests per page: docs/performance.md).
        const to = window.from;
        const size = Math.max(limit, this.o.config.daemon.maxEventBatchSize);
        const filters: FilterTriple[] = [
          ['id', 'greater_than', after],
          ['id', 'less_than', to + 1],
        ];
        if (types) filters.push(['event_type', 'in', types]);
        const events = await this.o.withRetries('read events', () =>
          sg.find<EventLogEntry>('EventLogEntry', filters, [...EVENT_FIELDS], EVENT_ORDER, size),
        );
        return { events, upTo: events.length >= size ? events[events.length - 1]!.id : to };
      },
    };
  }

  private onOutcome(r: PluginRunner, event: EventLogEntry, outcome: Outcome, callbacks: CallbackOutcome[]): void {
    for (const cb of callbacks) {
      this.o.logging.timing({
        eventId: event.id,
        createdAt: event.created_at,
        plugin: r.name,
        callback: cb.name,
        start: cb.startedAt,
        end: cb.startedAt + cb.durationMs,
        error: !cb.ok,
      });
    }
    this.o.outcome(event.id, r.name, outcome);
  }
}

/** shotgun_api3 proxy_server is `host:port` or `user:pass@host:port`; undici wants a URL. */
export function proxyUrl(proxy: string): string {
  return /^[a-z]+:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}
