// The one retry policy: exponential backoff with jitter, a delay that a signal can cut
// short, and errors that say whether another attempt could succeed. The ShotGrid client,
// the state store, the engine's connection loop and the renderer's reconnect all use it.
// Pure (no Node or DOM imports) because the renderer shares it (docs/architecture.md).

export interface Backoff {
  /** The first retry waits up to this. */
  baseMs: number;
  /** No wait is longer than this. */
  maxMs: number;
  /**
   * 'full' (the default): uniform in [0, cap), which spreads clients that failed together
   * (AWS architecture blog, "Exponential Backoff And Jitter").
   * 'narrow': cap ±20%, for a wait a person watches count down.
   */
  jitter?: 'full' | 'narrow';
}

/** The wait before retry `retry` (1 = the first retry): cap = min(maxMs, baseMs·2^(retry-1)), jittered. */
export function backoffDelay(retry: number, b: Backoff, random: () => number = Math.random): number {
  const cap = Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, retry - 1));
  return b.jitter === 'narrow' ? Math.round(cap * (0.8 + random() * 0.4)) : Math.floor(random() * cap);
}

export interface DelayOptions {
  /** Rejects with the signal's reason as soon as it aborts. */
  signal?: AbortSignal | undefined;
  /** Under Node, unref the timer: for a wait raced against other work that must not keep the process alive. */
  unref?: boolean;
}

/** Resolves after `ms`. */
export function delay(ms: number, o: DelayOptions = {}): Promise<void> {
  const { signal } = o;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (o.unref) (timer as { unref?: () => void }).unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An error that knows whether retrying the same call could succeed. */
export interface MaybeRetriable {
  readonly retriable: boolean;
}

/** True only for an error that says so (`retriable: true`); anything else is not retried blindly. */
export function isRetriable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as Partial<MaybeRetriable>).retriable === true;
}
