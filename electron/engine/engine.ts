// The engine: one poller feeding a shared window, one runner per plugin file, the state
// store, logging, plugin-file watching, and the control API + update stream of the UI
// contract (contract.ts). Plain Node: the Electron main process and `shotgun-events run`
// both host it.

import { appendFile } from 'node:fs/promises';
import { backoffDelay, delay, isRetriable } from '../retry.js';
import { Shotgun } from '../shotgun/client.js';
import { ShotgunError } from '../shotgun/errors.js';
import type { ConnectionEvent } from '../shotgun/transport.js';
import { EVENT_FIELDS, type EventLogEntry, type FilterTriple } from '../shotgun/types.js';
import type {
  AuditEntry,
  CommandArgs,
  CommandName,
  CommandResults,
  ConnectionState,
  CursorPreview,
  CursorTarget,
  EngineView,
  EventView,
  LogLineView,
  Outcome,
  SettingsView,
  Snapshot,
  Update,
} from '../contract.js';
import type { EngineConfig } from './config.js';
import { listPlugins, PLUGIN_EXTENSIONS, pluginName, PluginWatcher, type PluginFileChange } from './discovery.js';
import { describeIds } from './gaps.js';
import { createLogging, parseLevel, type Logger, type Logging, type LogLine } from './logging.js';
import { createPluginHost, type AnyPluginHost } from './python/host-factory.js';
import { importOnFirstStart } from './pickle-import.js';
import type { CallbackOutcome } from './plugin-protocol.js';
import { Poller } from './poller.js';
import { RetryLog } from './retry-log.js';
import { PluginRunner, type EventSource } from './runner.js';
import { auditedAction } from './audit-actions.js';
import { UiFeed } from './ui-feed.js';
import { newPluginState, StateStore } from './state.js';
import { EventWindow } from './window.js';

export interface EngineOptions {
  config: EngineConfig;
  /** Running on the embedded sandbox (no site configured). */
  demo?: boolean;
  /** Log to stdout too (foreground). */
  console?: boolean;
  /** Events kept for the UI. */
  uiEvents?: number;
  /** Events kept in the shared window. */
  windowCapacity?: number;
  /** Worker memory limit per plugin. */
  pluginMemoryMb?: number;
  /** Extra sink for log lines (besides the UI stream). */
  onLog?: (line: LogLine) => void;
}

const ORDER = [{ field_name: 'id', direction: 'asc' as const }];
const LOG_KEEP = 5000;
const AUDIT_KEEP = 500;
const RECENT_LATE_MS = 15 * 60_000;

type Listener = (u: Update) => void;

export class Engine {
  readonly config: EngineConfig;
  private sg: Shotgun;
  private poller: Poller;
  private window: EventWindow;
  private runners = new Map<string, PluginRunner>();
  private watcher: PluginWatcher | null = null;
  private listeners = new Set<Listener>();
  private logging: Logging;
  private log: Logger;
  /** The client's retries as throttled WARNING lines (retry-log.ts). */
  private readonly retryLog = new RetryLog((l) => this.log.warning(l));
  private uiEvents: EventView[] = [];
  private uiIndex = new Map<number, EventView>();
  private logs: LogLineView[] = [];
  private audit: AuditEntry[] = [];
  private recentLate = new Map<number, { event: EventLogEntry; at: number }>();
  private connection: ConnectionState = 'connecting';
  private connectionError: string | null = null;
  private rate: number[] = [];
  private stopping = false;
  private pollWake: (() => void) | null = null;
  private stopWaiters = new Set<() => void>();
  private pollLoop: Promise<void> | null = null;
  private starting: Promise<void> | null = null;
  /** The newest event id known to exist on the site: a cursor beyond it is ahead (checkAhead). */
  private siteHead = 0;
  /** The last state write failed (it is retried with backoff); null once a write succeeds. */
  private stateError: string | null = null;
  private types: string[] | null = [];
  private pendingPlugins = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly startedAt = Date.now();
  /** Why the engine has nothing to run (no plugin file at start), shown until one loads. */
  private noPlugins: string | null = null;
  private readonly ownScripts = new Set<string>();
  private readonly auditFile: string;
  private readonly feed: UiFeed;

  private constructor(
    private opts: EngineOptions,
    private state: StateStore,
  ) {
    const c = opts.config;
    this.config = c;
    if (!c.shotgun) throw new Error('Engine needs a [shotgun] site (the CLI starts the sandbox when none is configured)');
    this.auditFile = `${c.daemon.stateFile}.audit.jsonl`;
    this.logging = createLogging({
      logMode: c.daemon.logMode,
      logPath: c.daemon.logPath,
      logFile: c.daemon.logFile,
      level: c.daemon.logLevelValue,
      console: opts.console ?? false,
      timingLog: c.daemon.timingLog,
      emails: c.emails,
      onLine: (line) => this.onLogLine(line),
    });
    this.log = this.logging.engine;
    this.ownScripts.add(c.shotgun.name);
    this.sg = new Shotgun({
      server: c.shotgun.server,
      credentials: { scriptName: c.shotgun.name, scriptKey: c.shotgun.key },
      apiVersion: c.shotgun.apiVersion,
      proxy: c.shotgun.proxyServer ? proxyUrl(c.shotgun.proxyServer) : undefined,
      timeoutMs: c.shotgun.timeoutMs,
      onConnectionEvent: (e) => this.onConnectionEvent(e),
    });
    this.poller = new Poller({
      sg: this.sg,
      batchSize: c.daemon.maxEventBatchSize,
      backlogTimeoutMs: c.daemon.backlogTimeoutMs,
      eventTypes: () => this.types,
    });
    this.window = new EventWindow(0, opts.windowCapacity ?? Math.max(20_000, c.daemon.maxEventBatchSize * 4));
    this.feed = new UiFeed({
      runners: () => this.runners.values(),
      window: this.window,
      eventsPerSecond: () => this.engineView().eventsPerSecond,
      emit: (u) => this.emit(u),
      // The age of a stalled plugin's oldest unprocessed event, once it is behind the window.
      createdAfter: async (after) => {
        const [e] = await this.sg.find<EventLogEntry>('EventLogEntry', [['id', 'greater_than', after]], ['created_at'], ORDER, 1);
        return e ? Date.parse(e.created_at) : null;
      },
    });
  }

  /** Opens (and locks) the state; nothing is polled until start(). */
  static async create(opts: EngineOptions): Promise<Engine> {
    let engine: Engine | undefined;
    const state = await StateStore.open(opts.config.daemon.stateFile, {
      onWriteError: (e) => engine?.stateWriteFailed(e),
      onWrite: () => engine?.stateWriteOk(),
    });
    try {
      engine = new Engine(opts, state);
      return engine;
    } catch (e) {
      await state.close();
      throw e;
    }
  }

  /** A state write failed: an ERROR (mailed), shown in the UI header; the store retries with backoff. */
  private stateWriteFailed(e: Error): void {
    this.log.error(`${e.message}. Cursors are not being saved: a restart now would repeat the events since the last save. Retrying with backoff.`);
    this.stateError = e.message;
    this.emit({ kind: 'engine', engine: this.engineView() });
  }

  private stateWriteOk(): void {
    if (this.stateError === null) return;
    this.stateError = null;
    this.log.info(`State saved to ${this.state.path} again.`);
    this.emit({ kind: 'engine', engine: this.engineView() });
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(u: Update): void {
    for (const l of this.listeners) {
      try {
        l(u);
      } catch (e) {
        this.log.warning(`update listener failed: ${(e as Error).message}`);
      }
    }
  }

  // ------------------------------------------------------------------ lifecycle

  start(): Promise<void> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    const c = this.config;
    for (const w of c.warnings) this.log.warning(`config: ${w}`);
    for (const w of this.state.warnings) this.log.warning(`state: ${w}`);
    this.log.info(`Shotgun Events engine starting: site ${c.shotgun!.server}${this.opts.demo ? ' (demo sandbox)' : ''}, state ${c.daemon.stateFile}`);

    // Where polling starts. First start: the newest existing event (nothing historical
    // replayed, as the original). Restart: the slowest running plugin, so one shared
    // read serves everyone catching up. A cursor past the site's newest event is left
    // out (checkAhead flags that plugin).
    const latest = await this.withRetries('read the latest event id', () => this.poller.latestId());
    if (this.stopping) return;
    this.siteHead = latest;
    const files = listPlugins(c.plugins.paths);
    // Nothing to run is a misconfiguration, never a quiet idle daemon (docs/reliability.md).
    this.noPlugins = files.length ? null : `No plugins to run: ${c.plugins.paths.length ? `no ${PLUGIN_EXTENSIONS.join(' ')} file in ${c.plugins.paths.join(', ')}` : '[plugins] paths is empty'}. Add plugin files (they load as they appear) or fix [plugins] paths.`;
    if (this.noPlugins) this.log.error(this.noPlugins);
    // First start beside the original daemon's cursor file: carry its cursors over (docs/migrating.md).
    const first = this.state.isNew && !importOnFirstStart(this.state, c.daemon.eventIdFile, files, this.log);
    if (first) this.log.info(`No state at ${c.daemon.stateFile}: starting at the newest event, ${latest}.`);
    const saved = this.state.data.plugins;
    const names = [...new Set(files.map((f) => pluginName(f)))];
    const cursors = names
      .map((n) => saved[n])
      .filter((s) => s && s.enabled && !s.paused && s.lastId <= latest)
      .map((s) => s!.lastId);
    const head = first || cursors.length === 0 ? latest : Math.min(...cursors);
    this.poller.head = head;
    this.window.reset(head);
    this.state.data.headId = latest;
    for (const s of Object.values(saved)) for (const g of s.gaps) this.poller.gaps.restore(g);

    // Every plugin's starting cursor is on disk before any event is dispatched: a kill
    // now must not let a plugin that was never saved start later, past the events the
    // others already got.
    for (const n of names) {
      if (saved[n]) continue;
      this.state.ensurePlugin(n, () => newPluginState(latest));
      this.log.info(`New plugin ${n}: starting after event ${latest}.`);
    }
    this.state.markDirty();
    await this.state.flushNow();

    // Loaded in parallel: a plugin slow to load delays no other.
    const runners = await Promise.all(files.map((f) => this.addPlugin(f, { start: false })));
    if (this.stopping) return;
    this.checkAhead();
    for (const r of runners) r?.start();
    this.watcher = new PluginWatcher(c.plugins.paths, (ch) => void this.onFileChange(ch));
    await this.watcher.ready();
    if (this.stopping) return;
    this.pollLoop = this.runPollLoop();
    this.scheduleFlush();
    this.feed.start();
  }

  /**
   * Plugins whose cursor is past the site's newest event (the config pointed at another
   * site, a site restored from a backup) would get nothing, silently: each is flagged as
   * errored, with the fix, until its cursor is moved. Called at start and on every poll.
   */
  private checkAhead(): void {
    for (const r of this.runners.values()) {
      if (r.cursor <= this.siteHead || r.cursorAhead) continue;
      const how = this.opts.demo ? 'move it from the UI' : `shotgun-events cursor --config ${this.config.path} --plugin ${r.name} --to-latest (or --to-id N), or from the UI`;
      const message =
        `cursor ${r.cursor} is past the newest event on ${this.config.shotgun!.server} (${this.siteHead}): was the config ` +
        `pointed at another site, or the site restored from a backup? Nothing is delivered to ${r.name} until its cursor is moved: ${how}.`;
      r.setCursorAhead(message);
      this.logging.plugin(r.name).error(message);
    }
  }

  /** Stops polling, lets in-flight callbacks finish within `graceMs` (else abandons them), saves. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info('Stopping: finishing in-flight callbacks...');
    this.feed.stop();
    this.pollWake?.();
    for (const w of [...this.stopWaiters]) w();
    // A start still retrying the first connection (or loading plugins) ends first.
    await this.starting?.catch(() => {});
    await this.watcher?.close();
    await this.pollLoop;
    const runners = [...this.runners.values()];
    const finished = Promise.all(runners.map((r) => r.stop()));
    const timedOut = await Promise.race([finished.then(() => false), delay(graceMs, { unref: true }).then(() => true)]);
    if (timedOut) {
      this.log.warning(`Grace period of ${graceMs} ms over: abandoning in-flight callbacks (they run again next start).`);
      // Close the hosts first: a runner's close() waits for its loop, which waits for the hung callback.
      await Promise.all(runners.map((r) => r.abandon()));
    }
    await Promise.all(runners.map((r) => r.close()));
    await this.sg.close();
    this.retryLog.flush();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    try {
      await this.state.close();
      this.log.info('Stopped; state saved.');
    } catch (e) {
      this.log.error(`Stopped, but ${(e as Error).message}: the next start repeats the events since the last save.`);
      throw e;
    } finally {
      await this.logging.close();
    }
  }

  /** The client's connection reports: connection state for the UI, and a WARNING per request timeout. */
  private onConnectionEvent(e: ConnectionEvent): void {
    if (e.kind === 'ok') this.setConnection('connected', null);
    else if (e.kind === 'retry') {
      this.setConnection('retrying', e.reason);
      this.retryLog.note(e);
    } else if (e.kind === 'error' && e.timedOut) {
      this.log.warning(`${e.method} ${e.url}: ${e.error.message}; giving up on this request: ${this.stopping ? 'stopping' : 'the engine retries it on its connection backoff'} (raise [shotgun] timeout if the site is just slow).`);
    }
  }

  private async withRetries<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await fn();
        this.setConnection('connected', null);
        return r;
      } catch (e) {
        if (this.stopping) throw e;
        await this.connectionFailed(what, e as Error, attempt, (ms) => this.stoppableDelay(ms));
      }
    }
  }

  /** A wait that ends early when the engine stops. */
  private stoppableDelay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.stopWaiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.stopWaiters.add(done);
    });
  }

  private async connectionFailed(what: string, e: Error, attempt: number, sleep = (ms: number) => this.pollSleep(ms)): Promise<void> {
    const d = this.config.daemon;
    const permanent = e instanceof ShotgunError && !isRetriable(e);
    this.setConnection(permanent ? 'error' : 'retrying', e.message);
    if (permanent || attempt % d.maxConnRetries === 0) {
      this.log.error(`Unable to ${what} (attempt ${attempt}): ${e.message}; waiting ${d.connRetrySleepMs / 1000} s`);
      await sleep(d.connRetrySleepMs);
    } else {
      this.log.warning(`Unable to connect to SG (attempt ${attempt % d.maxConnRetries} of ${d.maxConnRetries}): ${e.message}`);
      await sleep(backoffDelay(attempt % d.maxConnRetries, { baseMs: 2000, maxMs: d.connRetrySleepMs, jitter: 'narrow' }));
    }
  }

  private setConnection(state: ConnectionState, error: string | null): void {
    if (this.connection === state && this.connectionError === error) return;
    this.connection = state;
    this.connectionError = error;
    this.emit({ kind: 'engine', engine: this.engineView() });
  }

  private pollSleep(ms: number): Promise<void> {
    // stop() during an in-flight poll found no sleep to wake: do not start one now, or
    // shutdown waits a whole fetch_interval.
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.pollWake = done;
    });
  }

  private async runPollLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      // Nobody is reading: let the runners drain before reading further.
      if (this.window.full && this.window.size > 0) {
        this.evict();
        if (this.window.full) {
          await this.pollSleep(this.config.daemon.fetchIntervalMs);
          continue;
        }
      }
      let full: boolean;
      try {
        const r = await this.poller.poll();
        failures = 0;
        this.setConnection('connected', null);
        if (r.head > this.siteHead) this.siteHead = r.head;
        this.checkAhead();
        full = r.full;
        this.onPoll(r.events, r.late, r.head, r.neverHappened, r.expired, r.opened);
      } catch (e) {
        if (this.stopping) break;
        failures++;
        await this.connectionFailed('poll for events', e as Error, failures);
        continue;
      }
      if (!full) await this.pollSleep(this.config.daemon.fetchIntervalMs);
    }
  }

  private onPoll(events: EventLogEntry[], late: EventLogEntry[], head: number, never: number[], expired: number[], opened: number[]): void {
    if (events.length) {
      this.log.debug(`Got ${events.length} events: ${events[0]!.id} to ${events[events.length - 1]!.id}.`);
      this.countRate(events.length);
    }
    this.window.append(events, head);
    if (head > (this.state.data.headId ?? 0)) this.state.data.headId = head;
    if (opened.length) this.log.debug(`Waiting for missing event ids ${describeIds(opened)} (gap timeout ${this.config.daemon.backlogTimeoutMs / 1000} s).`);
    if (never.length) this.log.info(`Events ${describeIds(never)} never happened - ignoring.`);
    for (const e of late) {
      this.log.info(`Late event ${e.id} arrived (${e.event_type}).`);
      this.window.insertLate(e);
      this.recentLate.set(e.id, { event: e, at: Date.now() });
      for (const r of this.runners.values()) r.offerLate(e);
    }
    if (expired.length) {
      this.log.warning(`Timeout elapsed on backlog event ids ${describeIds(expired)}: they never arrived.`);
      for (const r of this.runners.values()) r.forgetGaps(expired);
      this.state.markDirty();
    }
    this.pruneRecentLate();
    this.addUiEvents(events, false);
    this.addUiEvents(late, true);
    for (const r of this.runners.values()) r.wake();
    this.evict();
    this.emit({ kind: 'engine', engine: this.engineView() });
  }

  private pruneRecentLate(): void {
    const cutoff = Date.now() - RECENT_LATE_MS;
    for (const [id, l] of this.recentLate) if (l.at < cutoff) this.recentLate.delete(id);
  }

  /** Drops window events every running plugin has passed; if one idles at head while the window is full, make room anyway. */
  private evict(): void {
    const active = [...this.runners.values()].filter((r) => r.active);
    if (active.length === 0) {
      this.window.evict(this.window.head, this.window.capacity);
      return;
    }
    const slowest = Math.min(...active.map((r) => r.cursor));
    const fastest = Math.max(...active.map((r) => r.cursor));
    this.window.evict(slowest);
    if (this.window.full && fastest >= this.window.head) this.window.evict(slowest, Math.floor(this.window.capacity / 2));
  }

  private countRate(n: number): void {
    const now = Date.now();
    for (let i = 0; i < n; i++) this.rate.push(now);
    const cutoff = now - 10_000;
    let k = 0;
    while (k < this.rate.length && this.rate[k]! < cutoff) k++;
    if (k) this.rate.splice(0, k);
  }

  // ------------------------------------------------------------------ plugins

  private eventSource(): EventSource {
    return {
      next: async (after, limit, types) => {
        if (this.window.covers(after)) return this.window.read(after, limit);
        // Behind the window: read the gap from the server, up to where the window starts.
        const to = this.window.from;
        const filters: FilterTriple[] = [
          ['id', 'greater_than', after],
          ['id', 'less_than', to + 1],
        ];
        if (types) filters.push(['event_type', 'in', types]);
        const events = await this.withRetries('read events', () =>
          this.sg.find<EventLogEntry>('EventLogEntry', filters, [...EVENT_FIELDS], ORDER, limit),
        );
        return { events, upTo: events.length >= limit ? events[events.length - 1]!.id : to };
      },
    };
  }

  /** Loads a plugin file and (unless told not to) starts its runner; null when not loaded. */
  private async addPlugin(file: string, o: { start?: boolean } = {}): Promise<PluginRunner | null> {
    const name = pluginName(file);
    const existing = this.runners.get(name);
    if (existing && existing.file !== file) {
      this.log.error(`Plugin ${file} not loaded: a plugin named ${name} is already loaded from ${existing.file}.`);
      return null;
    }
    if (existing) {
      await this.reloadPlugin(name);
      return null;
    }
    const c = this.config;
    const known = this.state.plugin(name);
    // A plugin new to the state starts at the newest event known, even when polling
    // resumes further back for a lagging plugin.
    const state = this.state.ensurePlugin(name, () => newPluginState(Math.max(this.poller.head, this.state.data.headId ?? 0)));
    if (!known) {
      this.log.info(`New plugin ${name}: starting after event ${state.lastId}.`);
      // Durable before it takes events (see startOnce).
      await this.state.flushNow();
    }
    const pluginLog = this.logging.plugin(name);
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
      memoryLimitMb: this.opts.pluginMemoryMb,
      offHeapLimitMb: c.daemon.pluginBufferLimitMb,
      useSessionUuid: c.shotgun!.useSessionUuid,
      logLevel: c.daemon.logLevelValue,
      onLog: (line) => {
        const logger = line.callback ? this.logging.callback(name, line.callback) : line.logger === `plugin.${name}` ? pluginLog : this.logging.plugin(name);
        logger.write({ level: parseLevel(line.level), message: line.message, time: line.time, eventId: line.eventId });
      },
    });
    const runner = new PluginRunner(name, file, host, state, this.eventSource(), this.poller.gaps, c.daemon.retryBackoffMs, {
      outcome: (r, event, outcome, callbacks) => this.onOutcome(r, event, outcome, callbacks),
      changed: (r) => this.pluginChanged(r.name),
      dirty: () => this.state.markDirty(),
      log: (level, message, eventId) => pluginLog.forEvent(eventId)[level](message),
      ignoredUsers: () => (c.daemon.ignoreOwnEvents ? this.ownScripts : EMPTY),
      recentLate: (from, to) => {
        const out: EventLogEntry[] = [];
        for (const [id, l] of this.recentLate) if (id > from && id < to) out.push(l.event);
        return out;
      },
    });
    this.runners.set(name, runner);
    await runner.load();
    this.afterLoad(runner, host);
    if (o.start !== false) runner.start();
    return runner;
  }

  private afterLoad(runner: PluginRunner, host: AnyPluginHost): void {
    for (const cb of runner.callbackViews()) this.ownScripts.add(cb.scriptName);
    this.logging.setPluginEmails(runner.name, host.emails);
    this.refreshTypes();
    this.pluginChanged(runner.name);
  }

  private async reloadPlugin(name: string): Promise<void> {
    const r = this.runners.get(name);
    if (!r) throw new Error(`no plugin named ${name}`);
    this.log.info(`Reloading plugin at ${r.file}`);
    await r.load();
    this.afterLoad(r, r.hostRef as AnyPluginHost);
  }

  private async removePlugin(name: string): Promise<void> {
    const r = this.runners.get(name);
    if (!r) return;
    this.runners.delete(name);
    await r.close();
    await this.logging.closePluginFile(name);
    this.log.info(`Unloaded plugin ${name} (its file was removed; its cursor is kept in the state).`);
    this.refreshTypes();
    this.emit({ kind: 'pluginRemoved', name });
  }

  private async onFileChange(c: PluginFileChange): Promise<void> {
    if (this.stopping) return;
    try {
      if (c.kind === 'unlink') await this.removePlugin(pluginName(c.file));
      else if (this.runners.has(pluginName(c.file))) await this.reloadPlugin(pluginName(c.file));
      else await this.addPlugin(c.file);
    } catch (e) {
      this.log.error(`Handling ${c.kind} of ${c.file} failed: ${(e as Error).message}`);
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
    // the head must still move, so poll unfiltered.
    this.types = next && next.length === 0 ? null : next;
    // The window holds only events of the old filter: start it afresh at the head.
    this.window.reset(this.poller.head);
    this.log.info(this.types ? `Pushing an event_type filter to the server: ${this.types.join(', ')}` : 'Polling every event type.');
  }

  private onOutcome(r: PluginRunner, event: EventLogEntry, outcome: Outcome, callbacks: CallbackOutcome[]): void {
    for (const cb of callbacks) {
      this.logging.timing({
        eventId: event.id,
        createdAt: event.created_at,
        plugin: r.name,
        callback: cb.name,
        start: cb.startedAt,
        end: cb.startedAt + cb.durationMs,
        error: !cb.ok,
      });
    }
    const view = this.uiIndex.get(event.id);
    if (view) view.outcomes[r.name] = outcome;
    this.emit({ kind: 'outcome', eventId: event.id, plugin: r.name, outcome });
  }

  private pluginChanged(name: string): void {
    this.pendingPlugins.add(name);
    this.scheduleFlush();
  }

  /** Plugin views go out at most every 100 ms: a busy plugin changes per event. */
  private scheduleFlush(): void {
    if (this.flushTimer || this.stopping) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      for (const name of this.pendingPlugins) {
        const r = this.runners.get(name);
        if (r) this.emit({ kind: 'plugin', plugin: this.feed.view(r) });
      }
      this.pendingPlugins.clear();
    }, 100);
    this.flushTimer.unref();
  }

  // ------------------------------------------------------------------ UI stream

  private addUiEvents(events: EventLogEntry[], late: boolean): void {
    if (events.length === 0) return;
    const cap = this.opts.uiEvents ?? 2000;
    const tail = events.length > cap ? events.slice(-cap) : events;
    const views = tail.map((e) => toView(e, late));
    for (const v of views) {
      this.uiEvents.push(v);
      this.uiIndex.set(v.id, v);
    }
    if (this.uiEvents.length > cap) {
      for (const v of this.uiEvents.splice(0, this.uiEvents.length - cap)) this.uiIndex.delete(v.id);
    }
    this.emit({ kind: 'events', events: views });
  }

  private onLogLine(line: LogLine): void {
    const v: LogLineView = {
      time: line.time,
      level: line.level,
      levelName: line.levelName,
      logger: line.logger,
      message: line.message,
      plugin: line.plugin,
      callback: line.callback,
      eventId: line.eventId,
    };
    this.logs.push(v);
    if (this.logs.length > LOG_KEEP) this.logs.splice(0, this.logs.length - LOG_KEEP);
    this.opts.onLog?.(line);
    this.emit({ kind: 'logs', lines: [v] });
  }

  engineView(): EngineView {
    const all = [...this.runners.values()];
    return {
      site: this.config.shotgun!.server,
      demo: this.opts.demo ?? false,
      connection: this.connection,
      connectionError: this.connectionError,
      headId: this.window.head,
      eventsPerSecond: Math.round((this.rate.length / 10) * 10) / 10,
      paused: all.length > 0 && all.every((r) => r.state.paused),
      startedAt: this.startedAt,
      openGaps: this.poller.gaps.size,
      stateError: this.stateError,
      problems: this.noPlugins && this.runners.size === 0 ? [this.noPlugins] : [],
    };
  }

  snapshot(): Snapshot {
    return {
      engine: this.engineView(),
      plugins: [...this.runners.values()].map((r) => this.feed.view(r)),
      events: this.uiEvents.slice(),
      logs: this.logs.slice(-1000),
      audit: this.audit.slice(),
      trends: this.feed.series(),
    };
  }

  // ------------------------------------------------------------------ control API

  private runner(name: string): PluginRunner {
    const r = this.runners.get(name);
    if (!r) throw new Error(`no plugin named '${name}' (loaded: ${[...this.runners.keys()].join(', ') || 'none'})`);
    return r;
  }

  private async fetchEvent(id: number): Promise<EventLogEntry> {
    const inWindow = this.window.get(id);
    if (inWindow) return inWindow;
    const rows = await this.sg.find<EventLogEntry>('EventLogEntry', [['id', 'is', id]], [...EVENT_FIELDS], ORDER, 1);
    if (!rows[0]) throw new Error(`event ${id} does not exist (or is not committed yet)`);
    return rows[0];
  }

  /** The cursor a target means: the id of the last event considered processed. */
  private async resolveTarget(r: PluginRunner, target: CursorTarget): Promise<number> {
    switch (target.kind) {
      case 'latest':
        return Math.max(this.window.head, await this.poller.latestId());
      case 'id':
        return target.id;
      case 'shift':
        return Math.max(0, Math.min(this.window.head, r.cursor + target.by));
      case 'time': {
        // Everything created at or after the time is processed again.
        const rows = await this.sg.find<EventLogEntry>(
          'EventLogEntry',
          [['created_at', 'less_than', new Date(target.time).toISOString()]],
          ['id'],
          [{ field_name: 'id', direction: 'desc' }],
          1,
        );
        return rows[0]?.id ?? 0;
      }
    }
  }

  /** How many events the plugin would take (again) between the two cursors. */
  private async countBetween(r: PluginRunner, a: number, b: number): Promise<number> {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    if (lo === hi) return 0;
    const filters: FilterTriple[] = [
      ['id', 'greater_than', lo],
      ['id', 'less_than', hi + 1],
    ];
    const types = r.eventTypes();
    if (types) filters.push(['event_type', 'in', types.length ? types : ['-']]);
    // Count what the plugin's filters actually accept, page by page (ids and types only).
    let n = 0;
    let after = lo;
    for (;;) {
      const page = await this.sg.find<EventLogEntry>(
        'EventLogEntry',
        [['id', 'greater_than', after], ...filters.slice(1)],
        ['id', 'event_type', 'attribute_name', 'user'],
        ORDER,
        5000,
      );
      for (const e of page) if (r.accepts(e)) n++;
      if (page.length < 5000) break;
      after = page[page.length - 1]!.id;
    }
    return n;
  }

  private async preview(name: string, target: CursorTarget): Promise<CursorPreview> {
    const r = this.runner(name);
    const before = r.cursor;
    const after = await this.resolveTarget(r, target);
    const count = await this.countBetween(r, after, before);
    return { plugin: name, before, after, replayCount: after <= before ? count : -count };
  }

  private async writeAudit(entry: AuditEntry): Promise<void> {
    this.audit.push(entry);
    if (this.audit.length > AUDIT_KEEP) this.audit.splice(0, this.audit.length - AUDIT_KEEP);
    this.emit({ kind: 'audit', entry });
    const cursor = entry.before !== entry.after || entry.replayCount !== null ? `: cursor ${entry.before} -> ${entry.after}${entry.replayCount !== null ? ` (${entry.replayCount} events)` : ''}` : '';
    this.log.warning(`Audit: ${entry.plugin === '*' ? 'all plugins' : entry.plugin} ${entry.action}${cursor} by ${entry.source}`);
    try {
      await appendFile(this.auditFile, `${JSON.stringify(entry)}\n`);
    } catch (e) {
      this.log.error(`Cannot write the audit log ${this.auditFile}: ${(e as Error).message}`);
    }
  }

  /** Every UI command lands here (contract.ts), already validated by the transport; actions are audited with who did them. */
  async command<C extends CommandName>(name: C, args: CommandArgs<C>, source = 'ui'): Promise<CommandResults[C]> {
    const action = auditedAction(name, args);
    const r = action ? this.runners.get(action.plugin) : undefined;
    const before = r?.cursor ?? 0;
    const result = await this.exec(name, args, source);
    if (action) await this.writeAudit({ time: Date.now(), plugin: action.plugin, action: action.text, before, after: r?.cursor ?? 0, replayCount: null, source });
    return result;
  }

  private async exec<C extends CommandName>(name: C, args: CommandArgs<C>, source: string): Promise<CommandResults[C]> {
    const a = args as Record<string, unknown>;
    const plugin = a.plugin as string;
    const done = <T>(v: T) => {
      this.pluginChanged(plugin);
      return v as unknown as CommandResults[C];
    };
    switch (name) {
      case 'snapshot':
        return this.snapshot() as CommandResults[C];
      case 'pauseAll':
      case 'resumeAll':
        for (const r of this.runners.values()) r.setPaused(name === 'pauseAll');
        this.emit({ kind: 'engine', engine: this.engineView() });
        return undefined as CommandResults[C];
      case 'pause':
      case 'resume':
        this.runner(plugin).setPaused(name === 'pause');
        return done(undefined);
      case 'setEnabled':
        this.runner(plugin).setEnabled(a.enabled as boolean);
        return done(undefined);
      case 'previewCursor':
        return (await this.preview(plugin, a.target as CursorTarget)) as CommandResults[C];
      case 'setCursor': {
        const r = this.runner(plugin);
        if (r.state.enabled && !r.state.paused) throw new Error(`pause ${plugin} before moving its cursor`);
        const p = await this.preview(plugin, a.target as CursorTarget);
        r.setCursor(p.after);
        await this.writeAudit({
          time: Date.now(),
          plugin,
          action: `set to ${describeTarget(a.target as CursorTarget)}`,
          before: p.before,
          after: p.after,
          replayCount: p.replayCount,
          source,
        });
        return done(p);
      }
      case 'retryHeld':
        this.runner(plugin).retryHeld();
        return done(undefined);
      case 'skipHeld': {
        const r = this.runner(plugin);
        const before = r.cursor;
        const id = r.skipHeld();
        await this.writeAudit({ time: Date.now(), plugin, action: `skipped held event ${id}`, before, after: r.cursor, replayCount: null, source });
        return done(undefined);
      }
      case 'retryFailed':
        return done(await this.runner(plugin).retryFailed(await this.fetchEvent(a.eventId as number)));
      case 'dismissFailed':
        this.runner(plugin).dismissFailed(a.eventId as number);
        return done(undefined);
      case 'replayEvent': {
        const r = this.runner(plugin);
        const event = await this.fetchEvent(a.eventId as number);
        this.log.info(`Replaying event ${event.id} to ${plugin} (${source}).`);
        return done(await r.runOnce(event));
      }
      case 'reload':
        await this.reloadPlugin(plugin);
        return done(undefined);
      case 'getEvent': {
        const id = a.id as number;
        let event: EventView | null = this.uiIndex.get(id) ?? null;
        if (!event) {
          try {
            event = toView(await this.fetchEvent(id), false);
          } catch {
            event = null;
          }
        }
        return { event, logs: this.logs.filter((l) => l.eventId === id) } as CommandResults[C];
      }
      case 'getSettings':
        return this.settingsView() as CommandResults[C];
      case 'saveSettings':
      case 'testConnection':
      case 'importConfig':
        // The desktop app handles these in its main process; a daemon's settings are its config file.
        throw new Error(`${name} is not available here: this daemon's settings come from ${this.config.path}`);
    }
    throw new Error(`unknown command ${String(name)}`);
  }

  /** The config as a UI may see it (no keys, no passwords). */
  settingsView(): SettingsView {
    const c = this.config;
    return {
      source: 'config',
      editable: false,
      configPath: this.opts.demo ? null : c.path,
      site: c.shotgun?.server ?? null,
      scriptName: c.shotgun?.name ?? null,
      hasScriptKey: Boolean(c.shotgun?.key),
      pluginPaths: c.plugins.paths,
      fetchIntervalS: c.daemon.fetchIntervalMs / 1000,
      maxEventBatchSize: c.daemon.maxEventBatchSize,
      backlogTimeoutS: c.daemon.backlogTimeoutMs / 1000,
      emailTo: c.emails?.to ?? [],
      demo: this.opts.demo ?? false,
    };
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** shotgun_api3 proxy_server is `host:port` or `user:pass@host:port`; undici wants a URL. */
export function proxyUrl(proxy: string): string {
  return /^[a-z]+:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

function describeTarget(t: CursorTarget): string {
  switch (t.kind) {
    case 'latest':
      return 'latest';
    case 'id':
      return `event id ${t.id}`;
    case 'time':
      return `time ${t.time}`;
    case 'shift':
      return `shift by ${t.by}`;
  }
}

export function toView(e: EventLogEntry, late: boolean): EventView {
  const v: EventView = {
    id: e.id,
    event_type: e.event_type,
    attribute_name: e.attribute_name ?? null,
    entity: e.entity ? { type: e.entity.type, id: e.entity.id, name: e.entity.name ?? null } : null,
    user: e.user ? { type: e.user.type, id: e.user.id, name: e.user.name ?? null } : null,
    project: e.project ? { type: e.project.type, id: e.project.id, name: e.project.name ?? null } : null,
    created_at: e.created_at,
    meta: e.meta ?? null,
    session_uuid: e.session_uuid ?? null,
    outcomes: {},
  };
  if (late) v.late = true;
  return v;
}
