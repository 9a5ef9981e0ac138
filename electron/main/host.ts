// Hosts the engine inside the Electron main process: builds its config from the settings
// (or, with no site configured, starts the embedded sandbox with the example plugins:
// demo mode, `engine.demo = true`, labelled in the UI), restarts it when the settings
// change, stops it gracefully (state saved) on quit, and answers every contract command:
// the four settings commands here, all others by the engine.

import { userInfo } from 'node:os';
import {
  dispatch,
  type CommandArgs,
  type CommandHandlers,
  type CommandName,
  type CommandResults,
  type SettingsView,
  type Snapshot,
  type Update,
} from '../contract.js';
import { EXAMPLE_PLUGINS, prepare } from '../demo/prepare.js';
import type { EngineConfig } from '../engine/config.js';
import { Engine, type EngineLike, type EngineOptions } from '../engine/engine.js';
import { auditSettingsChange, describeSettingsChange } from './settings-audit.js';
import type { SettingsService } from './settings.js';

export type HostState = 'idle' | 'starting' | 'running' | 'failed' | 'stopping' | 'stopped';

export interface HostEvents {
  /** Every engine update (before batching). */
  update?: (u: Update) => void;
  /** A new engine (started or restarted): the UI needs a fresh snapshot. */
  engineChanged?: () => void;
  /** The host's own state (e.g. failed to start). */
  state?: (state: HostState, error: string | null) => void;
  log?: (message: string) => void;
}

export interface PreparedEngine {
  config: EngineConfig;
  demo: boolean;
  cleanup: () => Promise<void>;
}

export interface EngineHostOptions {
  settings: SettingsService;
  events?: HostEvents;
  /** Grace for in-flight callbacks when restarting. */
  restartGraceMs?: number;
  /** Test seams. */
  createEngine?: (opts: EngineOptions) => Promise<EngineLike>;
  prepareDemo?: () => Promise<PreparedEngine>;
}

export class EngineHost {
  private engine: EngineLike | null = null;
  private prepared: PreparedEngine | null = null;
  private unsubscribe: (() => void) | null = null;
  private starting: Promise<void> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private _state: HostState = 'idle';
  private _error: string | null = null;
  private _demo = false;
  private closed = false;

  constructor(private readonly o: EngineHostOptions) {}

  get state(): HostState {
    return this._state;
  }
  get error(): string | null {
    return this._error;
  }
  get demo(): boolean {
    return this._demo;
  }
  get running(): EngineLike | null {
    return this.engine;
  }

  private setState(state: HostState, error: string | null = null): void {
    this._state = state;
    this._error = error;
    this.o.events?.state?.(state, error);
  }

  /** Lifecycle steps run one after another, never interleaved. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Builds the engine and starts it; a failure leaves the host 'failed' (the UI stays usable). */
  start(): Promise<void> {
    return this.serial(() => this.doStart());
  }

  /** Stops the running engine (in-flight callbacks get `graceMs`), then starts one with the current settings. */
  restart(graceMs = this.o.restartGraceMs ?? 10_000): Promise<void> {
    return this.serial(async () => {
      await this.doStop(graceMs);
      if (!this.closed) await this.doStart();
    });
  }

  /** Stops for good (quit): polling stops, callbacks finish within `graceMs`, state is saved. */
  stop(graceMs = 10_000): Promise<void> {
    this.closed = true;
    return this.serial(() => this.doStop(graceMs));
  }

  private async doStart(): Promise<void> {
    if (this.closed) return;
    this.setState('starting');
    let prepared: PreparedEngine;
    try {
      const config = this.o.settings.engineConfig();
      prepared = config ? { config, demo: false, cleanup: async () => {} } : await (this.o.prepareDemo ?? (() => defaultDemo(this.o.settings)))();
    } catch (e) {
      this.fail(e, 'prepare the engine');
      return;
    }
    this._demo = prepared.demo;
    let engine: EngineLike;
    try {
      const opts: EngineOptions = { config: prepared.config, demo: prepared.demo, console: false };
      engine = await (this.o.createEngine ?? ((x) => Engine.create(x)))(opts);
    } catch (e) {
      await prepared.cleanup().catch(() => {});
      this.fail(e, 'create the engine');
      return;
    }
    this.prepared = prepared;
    this.engine = engine;
    this.unsubscribe = engine.subscribe((u) => this.o.events?.update?.(u));
    this.o.events?.engineChanged?.();
    this.o.events?.log?.(
      prepared.demo
        ? `Demo mode: no ShotGrid site configured, running on the built-in sandbox at ${prepared.config.shotgun?.server} with the example plugins.`
        : `Engine starting on ${prepared.config.shotgun?.server}.`,
    );
    // Not awaited by the lifecycle queue: connecting may retry for minutes, and a stop or a
    // restart must be able to interrupt it (engine.stop wakes its waits).
    this.starting = engine.start().then(
      () => {
        if (this.engine === engine && this._state === 'starting') this.setState('running');
      },
      (e: unknown) => {
        if (this.engine === engine && this._state === 'starting') this.fail(e, 'start the engine');
      },
    );
  }

  private fail(e: unknown, what: string): void {
    const message = `Cannot ${what}: ${(e as Error)?.message ?? String(e)}`;
    this.o.events?.log?.(message);
    this.setState('failed', message);
    this.o.events?.engineChanged?.();
  }

  private async doStop(graceMs: number): Promise<void> {
    const engine = this.engine;
    const prepared = this.prepared;
    if (engine) this.setState('stopping');
    if (engine) await engine.stop(graceMs);
    await this.starting;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.engine = null;
    this.prepared = null;
    this.starting = null;
    await prepared?.cleanup();
    this.setState('stopped');
  }

  /**
   * The engine's snapshot; while there is no engine (failed to start, or between two
   * engines) a placeholder with no plugins whose engine view carries the host's error, so
   * the UI can still show what is wrong and open Settings.
   */
  snapshot(): Snapshot {
    if (this.engine) return this.engine.snapshot();
    const failed = this._state === 'failed';
    return {
      engine: {
        site: this.o.settings.site ?? '',
        demo: this.o.settings.site === null,
        connection: failed ? 'error' : 'connecting',
        connectionError: failed ? this._error : null,
        headId: 0,
        eventsPerSecond: 0,
        paused: false,
        startedAt: Date.now(),
        openGaps: 0,
      },
      plugins: [],
      events: [],
      logs: [],
      audit: [],
    };
  }

  /**
   * One handler per command, checked by the compiler (a new command in contract.ts without
   * one fails `npm run typecheck`): the settings commands and the snapshot are answered
   * here, every other command by the running engine.
   */
  private readonly handlers: CommandHandlers = {
    snapshot: () => Promise.resolve(this.snapshot()),
    getSettings: () => Promise.resolve(this.o.settings.view(this.engine ? this._demo : undefined)),
    saveSettings: (args) => this.changeSettings(undefined, () => this.o.settings.save(args)),
    importConfig: ({ path }) => this.changeSettings(path, () => this.o.settings.importFile(path)),
    testConnection: (args) => this.o.settings.testConnection(args),
    pauseAll: (a) => this.toEngine('pauseAll', a),
    resumeAll: (a) => this.toEngine('resumeAll', a),
    pause: (a) => this.toEngine('pause', a),
    resume: (a) => this.toEngine('resume', a),
    setEnabled: (a) => this.toEngine('setEnabled', a),
    previewCursor: (a) => this.toEngine('previewCursor', a),
    setCursor: (a) => this.toEngine('setCursor', a),
    retryHeld: (a) => this.toEngine('retryHeld', a),
    skipHeld: (a) => this.toEngine('skipHeld', a),
    retryFailed: (a) => this.toEngine('retryFailed', a),
    dismissFailed: (a) => this.toEngine('dismissFailed', a),
    replayEvent: (a) => this.toEngine('replayEvent', a),
    reload: (a) => this.toEngine('reload', a),
    getEvent: (a) => this.toEngine('getEvent', a),
  };

  /** One validated command of the contract. */
  async command<C extends CommandName>(name: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
    // Awaited here so that a handler's synchronous throw is a rejection too.
    return await dispatch(this.handlers, name, args);
  }

  /** Saves or imports settings (`from`: the imported file), restarts the engine on them, and audits what changed. */
  private async changeSettings(from: string | undefined, apply: () => void): Promise<SettingsView> {
    const s = this.o.settings;
    const before = s.view(this._demo);
    apply();
    const oldStateFile = this.prepared?.config.daemon.stateFile ?? null;
    await this.restart();
    const after = s.view(this._demo);
    const sink = { stateFile: this.prepared?.config.daemon.stateFile ?? oldStateFile, update: this.o.events?.update, log: this.o.events?.log };
    await auditSettingsChange(describeSettingsChange(before, after, from), desktopUser(), sink);
    return after;
  }

  private async toEngine<C extends CommandName>(name: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
    const engine = this.engine;
    if (!engine) {
      const why = this._state === 'failed' ? this._error : `the engine is ${this._state}`;
      throw new Error(`The engine is not running (${why}). Check Settings.`);
    }
    return engine.command(name, args, desktopUser());
  }
}

/** Demo mode, as `shotgun-events run` without a site: the sandbox plus the example plugins (or the configured plugin folders). */
async function defaultDemo(settings: SettingsService): Promise<PreparedEngine> {
  const p = await prepare(undefined);
  const configured = settings.read().pluginPaths;
  const paths = configured.length > 0 ? configured : [EXAMPLE_PLUGINS];
  return { config: { ...p.config, plugins: { paths } }, demo: p.demo, cleanup: p.cleanup };
}

// Re-exported for the packaging probe (scripts/package/probe-main.mjs), which reads where the
// packaged desktop app looks for its example plugins.
export { EXAMPLE_PLUGINS };

/** Who acts in the desktop app, for the audit log: the OS user running it. */
export function desktopUser(): string {
  try {
    return userInfo().username || 'desktop';
  } catch {
    return 'desktop';
  }
}
