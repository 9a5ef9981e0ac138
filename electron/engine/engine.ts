// The engine: one poller feeding a shared window, one runner per plugin file, the state
// store, logging, and the control API + update stream of the UI contract (contract.ts).
// Plain Node: the Electron main process and `shotgun-events run` both host it. This file is
// the facade; the jobs live in poll-loop.ts (polling, connection), plugin-lifecycle.ts
// (runners, file watching, event types), control.ts (commands, cursor preview, audit),
// ui-buffers.ts and ui-feed.ts (what the UI is sent). docs/architecture.md has the flow.

import type { CommandArgs, CommandName, CommandResults, EngineView, SettingsView, Snapshot, Update } from '../contract.js';
import { delay } from '../retry.js';
import { Shotgun } from '../shotgun/client.js';
import type { EngineConfig } from './config.js';
import { Control } from './control.js';
import { listPlugins } from './discovery.js';
import { createLogging, type Logger, type Logging, type LogLine } from './logging.js';
import { PluginLifecycle, proxyUrl } from './plugin-lifecycle.js';
import { PollLoop } from './poll-loop.js';
import { configSettingsView } from './settings-view.js';
import { Poller } from './poller.js';
import type { PluginRunner } from './runner.js';
import { nothingToRun, startPosition } from './start-position.js';
import { StateStore } from './state.js';
import { UiBuffers } from './ui-buffers.js';
import { UiFeed } from './ui-feed.js';
import { EventWindow } from './window.js';

export { proxyUrl } from './plugin-lifecycle.js';
export { toView } from './ui-buffers.js';

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
  /** The UI trend's sample step (default TREND_STEP_MS); tests shorten it (docs/engine.md, "The UI's feeds"). */
  trendStepMs?: number;
}

type Listener = (u: Update) => void;

/** The part of the engine its hosts use: the desktop app (main/host.ts) and the headless UI server. Tests give fakes. */
export type EngineLike = Pick<Engine, 'start' | 'stop' | 'subscribe' | 'snapshot' | 'command'>;

export class Engine {
  readonly config: EngineConfig;
  private readonly sg: Shotgun;
  private readonly poller: Poller;
  private readonly window: EventWindow;
  private readonly logging: Logging;
  private readonly log: Logger;
  private readonly loop: PollLoop;
  private readonly plugins: PluginLifecycle;
  private readonly buffers: UiBuffers;
  private readonly control: Control;
  private readonly feed: UiFeed;
  private readonly listeners = new Set<Listener>();
  private stopping = false;
  private starting: Promise<void> | null = null;
  /** The last state write failed (it is retried with backoff); null once a write succeeds. */
  private stateError: string | null = null;
  private readonly startedAt = Date.now();
  /** Why the engine has nothing to run (no plugin file at start), shown until one loads. */
  private noPlugins: string | null = null;

  private constructor(
    private readonly opts: EngineOptions,
    private readonly state: StateStore,
  ) {
    const c = opts.config;
    this.config = c;
    if (!c.shotgun) throw new Error('Engine needs a [shotgun] site (the CLI starts the sandbox when none is configured)');
    const emit = (u: Update) => this.emit(u);
    const engineChanged = () => this.emit({ kind: 'engine', engine: this.engineView() });
    this.buffers = new UiBuffers({ emit, eventCap: opts.uiEvents, pluginView: (name) => this.pluginView(name) });
    this.logging = createLogging({
      logMode: c.daemon.logMode,
      logPath: c.daemon.logPath,
      logFile: c.daemon.logFile,
      level: c.daemon.logLevelValue,
      console: opts.console ?? false,
      timingLog: c.daemon.timingLog,
      emails: c.emails,
      onLine: (line) => {
        this.buffers.addLog(line);
        opts.onLog?.(line);
      },
    });
    this.log = this.logging.engine;
    this.sg = new Shotgun({
      server: c.shotgun.server,
      credentials: { scriptName: c.shotgun.name, scriptKey: c.shotgun.key },
      apiVersion: c.shotgun.apiVersion,
      proxy: c.shotgun.proxyServer ? proxyUrl(c.shotgun.proxyServer) : undefined,
      timeoutMs: c.shotgun.timeoutMs,
      onConnectionEvent: (e) => this.loop.onConnectionEvent(e),
    });
    this.poller = new Poller({
      sg: this.sg,
      batchSize: c.daemon.maxEventBatchSize,
      backlogTimeoutMs: c.daemon.backlogTimeoutMs,
      eventTypes: () => this.plugins.types,
    });
    this.window = new EventWindow(0, opts.windowCapacity ?? Math.max(20_000, c.daemon.maxEventBatchSize * 4));
    const runners = () => this.plugins.runners.values();
    this.loop = new PollLoop({
      daemon: c.daemon,
      poller: this.poller,
      window: this.window,
      state,
      log: this.log,
      runners,
      cursorAhead: (r, siteNewest) => this.cursorAhead(r, siteNewest),
      onEvents: (events, late) => this.buffers.addEvents(events, late),
      changed: engineChanged,
    });
    this.plugins = new PluginLifecycle({
      config: c,
      sg: this.sg,
      poller: this.poller,
      window: this.window,
      state,
      logging: this.logging,
      log: this.log,
      pluginMemoryMb: opts.pluginMemoryMb,
      withRetries: (what, fn) => this.loop.withRetries(what, fn),
      recentLate: (from, to) => this.loop.recentLateBetween(from, to),
      changed: (name) => {
        this.buffers.pluginChanged(name);
        this.loop.readerMoved();
      },
      outcome: (eventId, plugin, outcome) => this.buffers.setOutcome(eventId, plugin, outcome),
      removed: (name) => this.emit({ kind: 'pluginRemoved', name }),
      stopping: () => this.stopping,
    });
    this.control = new Control({
      sg: this.sg,
      poller: this.poller,
      window: this.window,
      plugins: this.plugins,
      buffers: this.buffers,
      log: this.log,
      auditFile: `${c.daemon.stateFile}.audit.jsonl`,
      configPath: c.path,
      snapshot: () => this.snapshot(),
      settingsView: () => this.settingsView(),
      engineChanged,
    });
    this.feed = new UiFeed({
      runners,
      window: this.window,
      eventsPerSecond: () => this.loop.eventsPerSecond,
      emit,
      // The age of a stalled plugin's oldest unprocessed event, once it is behind the window.
      createdAfter: (after) => this.poller.createdAfter(after),
      loadWarning: (name) => this.plugins.loadWarning(name),
      stepMs: opts.trendStepMs,
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

    const latest = await this.loop.withRetries('read the latest event id', () => this.poller.latestId());
    if (this.stopping) return;
    this.loop.siteNewest = latest;
    const files = listPlugins(c.plugins.paths);
    this.noPlugins = nothingToRun(c.plugins.paths, files);
    if (this.noPlugins) this.log.error(this.noPlugins);
    const readFrom = startPosition({
      state: this.state,
      files,
      latest,
      eventIdFile: c.daemon.eventIdFile,
      stateFile: c.daemon.stateFile,
      log: this.log,
    });
    this.poller.readPosition = readFrom;
    this.window.reset(readFrom);
    for (const s of Object.values(this.state.data.plugins)) for (const g of s.gaps) this.poller.gaps.restore(g);
    // Every plugin's starting cursor is on disk before any event is dispatched (start-position.ts).
    await this.state.flushNow();

    // Loaded in parallel: a plugin slow to load delays no other.
    const runners = await Promise.all(files.map((f) => this.plugins.add(f, { start: false })));
    if (this.stopping) return;
    this.loop.checkAhead();
    for (const r of runners) r?.start();
    await this.plugins.watch(c.plugins.paths);
    if (this.stopping) return;
    this.loop.start();
    this.buffers.start();
    this.feed.start();
  }

  /**
   * A plugin whose cursor is past the site's newest event (the config pointed at another
   * site, a site restored from a backup) would get nothing, silently: it is flagged as
   * errored, with the fix, until its cursor is moved.
   */
  private cursorAhead(r: PluginRunner, siteNewest: number): void {
    const how = this.opts.demo
      ? 'move it from the UI'
      : `shotgun-events cursor --config ${this.config.path} --plugin ${r.name} --to-latest (or --to-id N), or from the UI`;
    const message =
      `cursor ${r.cursor} is past the newest event on ${this.config.shotgun!.server} (${siteNewest}): was the config ` +
      `pointed at another site, or the site restored from a backup? Nothing is delivered to ${r.name} until its cursor is moved: ${how}.`;
    r.setCursorAhead(message);
    this.logging.plugin(r.name).error(message);
  }

  /** Stops polling, lets in-flight callbacks finish within `graceMs` (else abandons them), saves. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info('Stopping: finishing in-flight callbacks...');
    this.feed.stop();
    this.loop.halt();
    // A start still retrying the first connection (or loading plugins) ends first.
    await this.starting?.catch(() => {});
    await this.plugins.unwatch();
    await this.loop.join();
    const runners = [...this.plugins.runners.values()];
    const finished = Promise.all(runners.map((r) => r.stop()));
    const timedOut = await Promise.race([finished.then(() => false), delay(graceMs, { unref: true }).then(() => true)]);
    if (timedOut) {
      this.log.warning(`Grace period of ${graceMs} ms over: abandoning in-flight callbacks (they run again next start).`);
      // Close the hosts first: a runner's close() waits for its loop, which waits for the hung callback.
      await Promise.all(runners.map((r) => r.abandon()));
    }
    await Promise.all(runners.map((r) => r.close()));
    await this.sg.close();
    this.loop.flushRetryLog();
    this.buffers.stop();
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

  // ------------------------------------------------------------------ views and commands

  engineView(): EngineView {
    const all = [...this.plugins.runners.values()];
    return {
      site: this.config.shotgun!.server,
      demo: this.opts.demo ?? false,
      ...this.loop.state,
      // The window's head: the last id read, from which the UI counts lag (docs/engine.md).
      headId: this.window.head,
      eventsPerSecond: this.loop.eventsPerSecond,
      paused: all.length > 0 && all.every((r) => r.state.paused),
      startedAt: this.startedAt,
      openGaps: this.poller.gaps.size,
      stateError: this.stateError,
      problems: this.noPlugins && this.plugins.runners.size === 0 ? [this.noPlugins] : [],
    };
  }

  private pluginView(name: string) {
    const r = this.plugins.runners.get(name);
    return r ? this.feed.view(r) : null;
  }

  snapshot(): Snapshot {
    return {
      engine: this.engineView(),
      plugins: [...this.plugins.runners.values()].map((r) => this.feed.view(r)),
      ...this.buffers.snapshot(),
      trends: this.feed.series(),
    };
  }

  /** Every UI command lands here (contract.ts), already validated by the transport; `source` is who acts, for the audit log. */
  command<C extends CommandName>(name: C, args: CommandArgs<C>, source = 'ui'): Promise<CommandResults[C]> {
    return this.control.command(name, args, source);
  }

  /** The config as a UI may see it (no keys, no passwords). */
  settingsView(): SettingsView {
    return configSettingsView(this.config, this.opts.demo ?? false);
  }
}
