// The timeout watchdog of one worker run: one timer, re-armed for the callback running now
// (docs/engine.md). Past a callback's timeout it asks for the abort, then gives the grace; a
// callback still running after it, or a thread blocked between callbacks for the shortest
// timeout, has its worker terminated.

import { MAX_TIMER_MS } from './plugin-host-base.js';
import { nowMs, type CallbackInfo } from './plugin-protocol.js';
import type { RunProgress } from './plugin-run-progress.js';

export interface WatchdogHooks {
  /** Send the abort for the callback at `pos` (its ctx.signal). */
  abort(pos: number): void;
  /** Terminate the worker, with the reason its run's outcome gives. */
  kill(message: string, timedOutPos?: number): void;
}

export class RunWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private grace: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Progress last seen between callbacks, and when (host clock). */
  private seenStarted = 0;
  private seenCompleted = 0;
  private seenAt = nowMs();

  constructor(
    private readonly progress: RunProgress,
    private readonly infos: CallbackInfo[],
    private readonly minTimeoutMs: number,
    private readonly graceMs: number,
    private readonly hooks: WatchdogHooks,
  ) {}

  /** Look at the progress now and arm the timer for the next moment that matters. */
  watch(): void {
    if (this.stopped || this.grace) return;
    const started = this.progress.started();
    const completed = this.progress.completed();
    const now = nowMs();
    let wait: number;
    if (started > completed) {
      const pos = started - 1;
      const due = this.progress.startedAt(pos) + this.infos[pos]!.timeoutMs;
      if (now >= due) return this.timedOut(pos);
      wait = due - now + 1;
    } else {
      // Between callbacks (or not started yet). Normally brief; if nothing moves for the
      // shortest timeout, the worker's thread is blocked outside any callback (stray plugin
      // code in a timer, say) and this run would never end.
      if (started !== this.seenStarted || completed !== this.seenCompleted) {
        this.seenStarted = started;
        this.seenCompleted = completed;
        this.seenAt = now;
      } else if (now - this.seenAt >= this.minTimeoutMs) {
        return this.hooks.kill(
          `The plugin worker did not start its next callback within ${this.minTimeoutMs} ms (its thread is blocked outside any callback, ` +
            'e.g. by stray plugin code in a timer): the worker was terminated (module state is lost; it restarts before the next event)',
        );
      }
      wait = this.seenAt + this.minTimeoutMs - now;
    }
    this.timer = setTimeout(() => this.watch(), Math.min(Math.max(1, Math.ceil(wait)), MAX_TIMER_MS));
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.grace) clearTimeout(this.grace);
  }

  private timedOut(pos: number): void {
    this.hooks.abort(pos);
    this.grace = setTimeout(() => {
      this.grace = undefined;
      if (this.stopped) return;
      if (this.progress.completed() > pos) return this.watch(); // it stopped in time (its outcome says timedOut)
      const info = this.infos[pos]!;
      this.hooks.kill(
        `Callback ${info.name} timed out after ${info.timeoutMs} ms and did not stop within ${this.graceMs} ms of its abort signal: ` +
          'the plugin worker was terminated (module state is lost; it restarts before the next event)',
        pos,
      );
    }, this.graceMs);
  }
}
