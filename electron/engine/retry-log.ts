// The client's retries as WARNING lines (docs/reliability.md, "never silent"): each retried
// request (timeout, 429, 502-504, a connection error, an expired token) says what happened
// and what happens next. Throttled per kind of retry, so a burst of 429s is one line and a
// count, not a flood.

import type { ConnectionEvent } from '../shotgun/index.js';

type Retry = Extract<ConnectionEvent, { kind: 'retry' }>;

/** What the line says comes next: a replay after re-authentication, or a wait. */
function next(e: Retry): string {
  if (e.status === 401) return 're-authenticating and replaying the request once';
  const why = e.status === 429 ? ' (the site is throttling)' : '';
  return `retrying in ${e.delayMs} ms${why}`;
}

export class RetryLog {
  /** Per kind with a window open: the retries kept quiet in it. */
  private readonly windows = new Map<string, { quiet: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly warn: (line: string) => void,
    private readonly windowMs = 10_000,
  ) {}

  note(e: Retry): void {
    const kind = e.status !== undefined ? `HTTP ${e.status}` : e.timedOut ? 'timeout' : 'network';
    const w = this.windows.get(kind);
    if (w) {
      w.quiet++;
      return;
    }
    this.warn(`${e.method} ${e.url}: ${e.reason} (attempt ${e.attempt}); ${next(e)}.`);
    const timer = setTimeout(() => this.close(kind), this.windowMs);
    // A pending summary must not hold the process open.
    timer.unref();
    this.windows.set(kind, { quiet: 0, timer });
  }

  /** Ends every window now, saying what each kept quiet (on stop). */
  flush(): void {
    for (const kind of [...this.windows.keys()]) this.close(kind);
  }

  private close(kind: string): void {
    const w = this.windows.get(kind);
    if (!w) return;
    clearTimeout(w.timer);
    this.windows.delete(kind);
    if (w.quiet)
      this.warn(
        `${w.quiet} more request${w.quiet > 1 ? 's' : ''} retried after ${kind} in the last ${Math.round(this.windowMs / 1000)} s (one line per ${Math.round(this.windowMs / 1000)} s per kind).`,
      );
  }
}
