// The plugin host: runs ONE plugin file in its own worker thread (plugin-worker.ts) and gives
// the engine a small promise API (load, run, close). Isolation (docs/engine.md):
// - a callback that throws      → its outcome has the error (message, stack); the worker lives on.
// - a callback past its timeout → its ctx.signal is aborted; if it settles within the grace
//   (abortGraceMs, default 1 s) the worker lives on, otherwise the worker is terminated. The
//   outcome is { timedOut: true } either way. A terminated worker is restarted (the file is
//   imported again and registerCallbacks re-run) before the next run: MODULE STATE IS LOST then.
// - process.exit(), out of memory (resourceLimits), a crash of the worker → the running
//   callback's outcome is an error ("plugin worker exited with code N"...), RunResult.crashed
//   says why, and the worker is restarted before the next run.
// - stray async errors in plugin code (unhandled rejections, throws in timers) are logged as
//   error lines of the plugin; they do not end the worker.
// - stray plugin code that blocks the worker's thread between callbacks (a spinning timer):
//   when the next callback has not started within the shortest callback timeout, the worker
//   is terminated and the run ends with `crashed`.
// - off-heap memory (Buffers) over offHeapLimitMb → the worker is terminated, as a crash whose
//   message names the plugin and the limit (plugin-memory.ts).
// - process.kill(process.pid), process.abort(), signal handlers, native addons → throw an error
//   naming the plugin (plugin-process-guard.ts), so they fail the event, not the daemon.
// Threads isolate failures, not hostile code: a plugin that runs `kill` through child_process
// still reaches the whole daemon.
//
// Progress crosses the thread boundary through a SharedArrayBuffer (plugin-run-progress.ts):
// a run of many events costs two messages, not one per callback, and the host still knows
// which callbacks completed when a worker dies mid-run.
//
// This file is the lifecycle (start, run, crash, close). Its parts: plugin-host-base.ts (what it
// shares with the Python host), plugin-worker-entry.ts (the Worker's construction),
// plugin-worker-ctl.ts (one worker's events and output), plugin-run-watchdog.ts (timeouts),
// plugin-run-results.ts (a run's plan and results).

import { homedir } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { delay } from '../retry.js';
import { encodePage } from './page-codec.js';
import { PluginHostBase, type PluginHostOptions } from './plugin-host-base.js';
import { type HostMessage, type LoadResult, type RunResult, type SerializedError, type WorkerInit, type WorkerMessage } from './plugin-protocol.js';
import { collectResults, type RunPlan } from './plugin-run-results.js';
import { RunProgress } from './plugin-run-progress.js';
import { RunWatchdog } from './plugin-run-watchdog.js';
import { defaultTranspileCacheDir } from './plugin-transpile-cache.js';
import { attachWorker, describeExit, type WorkerCtl } from './plugin-worker-ctl.js';
import { spawnWorker } from './plugin-worker-entry.js';

export type {
  CallbackInfo,
  CallbackOutcome,
  LoadResult,
  PluginConnectionEvent,
  PluginLogLine,
  RunResult,
  SerializedError,
  ShotgunConnectionSettings,
} from './plugin-protocol.js';
export { DEFAULT_ABORT_GRACE_MS, DEFAULT_LOAD_TIMEOUT_MS, type PluginHostOptions, type RunItem } from './plugin-host-base.js';

export const DEFAULT_MEMORY_LIMIT_MB = 512;
export const DEFAULT_OFF_HEAP_LIMIT_MB = 512;

interface ActiveRun {
  id: number;
  plan: RunPlan;
  fails: Map<number, SerializedError>;
  watchdog: RunWatchdog;
  resolve: (r: RunResult[]) => void;
  done: Promise<RunResult[]>;
}

export class PluginHost extends PluginHostBase {
  private ctl: WorkerCtl | null = null;
  private active: ActiveRun | null = null;
  private runSeq = 0;
  private readonly progress = new RunProgress();
  private closing: Promise<void> | undefined;

  constructor(opts: PluginHostOptions) {
    super(opts, { kind: 'PluginHost', noun: 'plugin worker', short: 'worker' });
    if (opts.memoryLimitMb !== undefined && !(opts.memoryLimitMb >= 8)) {
      throw new RangeError(`memoryLimitMb must be at least 8, got ${opts.memoryLimitMb}`);
    }
    if (opts.offHeapLimitMb !== undefined && !(opts.offHeapLimitMb === 0 || opts.offHeapLimitMb >= 8)) {
      throw new RangeError(`offHeapLimitMb must be 0 (no limit) or at least 8, got ${opts.offHeapLimitMb}`);
    }
  }

  /** The worker's thread id, or null when no worker runs (before load, after a crash). */
  get threadId(): number | null {
    return this.ctl ? this.ctl.worker.threadId : null;
  }

  /** Shutdown: the worker starts no further callback; the one running finishes (its run resolves with what ran). */
  drain(): void {
    this.post({ t: 'drain' });
  }

  /**
   * Stop the worker. A callback in progress gets its ctx.signal aborted (shutdown) and up to
   * abortGraceMs to finish; its run then resolves (crashed when it had to be terminated).
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = (async () => {
      const a = this.active;
      if (a && this.ctl) {
        this.post({ t: 'abort', run: a.id, pos: -1, reason: 'shutdown' });
        await Promise.race([a.done, delay(this.graceMs, { unref: true })]);
      }
      const c = this.ctl;
      if (c) {
        c.kill = { message: 'The plugin host was closed' };
        await c.worker.terminate();
        if (this.ctl === c) this.onExit(c, 1);
      }
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------- internals: lifecycle

  protected sendLogLevel(level: number): void {
    this.post({ t: 'level', level });
  }

  private get memoryLimitMb(): number {
    return this.opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  }

  protected async start(): Promise<LoadResult> {
    if (this.closed) throw new Error(`The plugin host of ${this.opts.name} is closed`);
    await this.stopWorker('The plugin was reloaded');
    const init: WorkerInit = {
      file: this.opts.file,
      name: this.opts.name,
      shotgun: { ...this.opts.shotgun },
      useSessionUuid: this.opts.useSessionUuid ?? false,
      logLevel: this.logLevel,
      callbackTimeoutMs: Math.ceil(this.opts.callbackTimeoutMs),
      offHeapLimitMb: this.opts.offHeapLimitMb ?? DEFAULT_OFF_HEAP_LIMIT_MB,
      transpileCacheDir:
        this.opts.transpileCacheDir === undefined ? defaultTranspileCacheDir(process.env, process.platform, homedir()) : this.opts.transpileCacheDir,
    };
    const memoryLimitMb = this.opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
    let worker: Worker;
    try {
      worker = spawnWorker(init, memoryLimitMb);
    } catch (e) {
      const result: LoadResult = { ok: false, error: `Could not start a worker for the plugin at ${this.opts.file}: ${(e as Error).message}` };
      this._loaded = result;
      this._emails = null;
      return result;
    }
    const ctl = attachWorker(worker, {
      message: (c, m) => this.onMessage(c, m),
      exit: (c, code) => this.onExit(c, code),
      line: (stream, message) => this.hostLog(stream === 'stdout' ? 'info' : 'warning', message, `plugin.${this.opts.name}.${stream}`),
    });
    this.ctl = ctl;

    // This plugin's own clock: a load that hangs fails alone and delays no other plugin.
    const loadTimeoutMs = this.loadTimeoutMs;
    const { result, emails } = await new Promise<{ result: LoadResult; emails: string[] | boolean | null }>((resolve) => {
      const timer = setTimeout(() => {
        resolve({
          result: {
            ok: false,
            error:
              `Plugin ${this.opts.name} did not finish loading within ${loadTimeoutMs / 1000} s, its load timeout ` +
              `(does importing ${this.opts.file} or its registerCallbacks hang?); its worker was terminated`,
          },
          emails: null,
        });
      }, loadTimeoutMs);
      ctl.onLoaded = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      ctl.onGone = (why) => {
        clearTimeout(timer);
        resolve({ result: { ok: false, error: `Could not load the plugin at ${this.opts.file}: ${why}` }, emails: null });
      };
    });
    ctl.onLoaded = undefined;
    ctl.onGone = undefined;
    this._loaded = result;
    this._emails = result.ok ? emails : null;
    if (!result.ok) await this.stopWorker('The plugin failed to load');
    else this.lastCrash = undefined;
    return result;
  }

  /** Detach and terminate the current worker (its exit is then not a crash). */
  private async stopWorker(reason: string): Promise<void> {
    const c = this.ctl;
    if (!c) return;
    this.ctl = null;
    c.kill = { message: reason };
    await c.worker.terminate();
  }

  private onMessage(ctl: WorkerCtl, m: WorkerMessage): void {
    switch (m.t) {
      case 'out':
        for (const line of m.logs) this.emitLog(line);
        if (this.opts.onConnection) {
          for (const c of m.conns) {
            try {
              this.opts.onConnection(c);
            } catch {
              // an observer's failure is not the plugin's
            }
          }
        }
        break;
      case 'loaded':
        ctl.onLoaded?.(m);
        break;
      case 'fail':
        if (ctl === this.ctl && this.active?.id === m.run) this.active.fails.set(m.pos, m.error);
        break;
      case 'done':
        if (ctl === this.ctl && this.active?.id === m.run) this.finishRun(this.active, null);
        break;
      case 'offheap':
        this.onOffHeap(ctl, m.bytes);
        break;
    }
  }

  private onExit(ctl: WorkerCtl, code: number): void {
    const why = describeExit(ctl, code, this.memoryLimitMb);
    if (ctl.onGone) {
      const gone = ctl.onGone;
      ctl.onGone = undefined;
      gone(why);
    }
    if (ctl !== this.ctl) return; // replaced or stopped on purpose
    this.ctl = null;
    this.lastCrash = why;
    const a = this.active;
    if (a) {
      this.finishRun(a, why, ctl.kill?.timedOutPos);
    } else if (!ctl.kill) {
      this.hostLog('error', `The plugin worker stopped between events (${why}); it restarts before the next event`);
    }
  }

  /** The worker holds more off-heap memory than allowed: end it, as an error of this plugin. */
  private onOffHeap(ctl: WorkerCtl, bytes: number): void {
    if (ctl.kill) return;
    const limit = this.opts.offHeapLimitMb ?? DEFAULT_OFF_HEAP_LIMIT_MB;
    const message =
      `Plugin ${this.opts.name} held ${Math.round(bytes / 1048576)} MB of off-heap memory (Buffers, ArrayBuffers), over its limit of ` +
      `${limit} MB ([daemon] plugin_buffer_limit): its worker was terminated (module state is lost; it restarts before the next event)`;
    ctl.kill = { message };
    // During a run the run's outcome carries the message; otherwise nothing else would say it.
    if (ctl === this.ctl && !this.active && !ctl.onGone) this.hostLog('error', message);
    void ctl.worker.terminate();
  }

  private post(msg: HostMessage): void {
    try {
      this.ctl?.worker.postMessage(msg);
    } catch {
      // the worker is gone; its exit handler reports it
    }
  }

  // ---------------------------------------------------------------- internals: runs

  protected get running(): boolean {
    return this.ctl !== null;
  }

  protected doRun(plan: RunPlan, attempt: number): Promise<RunResult[]> {
    const ctl = this.ctl!;
    this.progress.reset(plan.infos.length);
    const id = ++this.runSeq;
    let resolve!: (r: RunResult[]) => void;
    const done = new Promise<RunResult[]>((r) => (resolve = r));
    const watchdog = new RunWatchdog(this.progress, plan.infos, plan.minTimeoutMs, this.graceMs, {
      abort: (pos) => this.post({ t: 'abort', run: id, pos, reason: 'timeout' }),
      kill: (message, timedOutPos) => {
        const c = this.ctl;
        if (!c) return;
        c.kill = timedOutPos === undefined ? { message } : { message, timedOutPos };
        void c.worker.terminate();
      },
    });
    const a: ActiveRun = { id, plan, fails: new Map(), watchdog, resolve, done };
    this.active = a;
    const msg: HostMessage = { t: 'run', run: id, attempt, page: encodePage(plan.items) };
    if (ctl.sab !== this.progress.sab) {
      msg.sab = this.progress.sab;
      ctl.sab = this.progress.sab;
    }
    try {
      ctl.worker.postMessage(msg);
    } catch (e) {
      // An event that cannot be cloned (a function, a symbol...): the engine's bug, said clearly.
      this.active = null;
      throw new TypeError(`Cannot send the event to plugin ${this.opts.name}: ${(e as Error).message}`, { cause: e });
    }
    watchdog.watch();
    return done;
  }

  /** `crash`: why the worker died mid-run; null when the worker said the run is done. */
  private finishRun(a: ActiveRun, crash: string | null, timedOutPos?: number): void {
    if (this.active !== a) return;
    this.active = null;
    a.watchdog.stop();
    const completed = this.progress.completed();
    const started = this.progress.started();
    const p = this.progress;
    const results = collectResults(
      a.plan,
      (pos) =>
        pos < completed
          ? { startedAt: p.startedAt(pos), durationMs: p.durationMs(pos), error: a.fails.get(pos) }
          : { startedAt: pos < started ? p.startedAt(pos) : undefined },
      {
        crash,
        timedOutPos,
        crashErrorName: 'PluginWorkerError',
        earlyEnd: this.closed ? 'The plugin host was closed before this event ran' : 'The plugin worker ended the run early (see the plugin log)',
      },
    );
    a.resolve(results);
  }
}
