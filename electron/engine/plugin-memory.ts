// Off-heap memory of a plugin worker (Buffers, ArrayBuffers, other external allocations).
// The worker's resourceLimits bound only its V8 heap: a plugin holding Buffers can grow the
// daemon's RSS without limit. Each worker measures its own isolate's `external` bytes
// (process.memoryUsage() is per isolate for these figures) and reports going over the limit
// to the host, which terminates it (docs/engine.md, "Plugin isolation limits").
// A callback that allocates in one synchronous loop is seen only once it yields; the
// callback timeout ends it meanwhile.

/** Bytes held outside the V8 heap by this thread's isolate (includes arrayBuffers). */
function offHeapBytes(): number {
  const m = process.memoryUsage();
  return Math.max(m.external, m.arrayBuffers);
}

export interface OffHeapWatch {
  /** Measure now unless measured within the last minGapMs (cheap to call after each callback). */
  check(now: number): void;
}

/**
 * Measures every intervalMs (and on check()); calls onOver once, the first time the figure
 * exceeds limitBytes. limitBytes 0 = no limit (nothing is measured).
 */
export function watchOffHeap(limitBytes: number, onOver: (bytes: number) => void, intervalMs = 200, minGapMs = 100): OffHeapWatch {
  if (!(limitBytes > 0)) return { check: () => undefined };
  let last = 0;
  let reported = false;
  const measure = (now: number) => {
    last = now;
    if (reported) return;
    const bytes = offHeapBytes();
    if (bytes > limitBytes) {
      reported = true;
      onOver(bytes);
    }
  };
  const timer = setInterval(() => measure(Date.now()), intervalMs);
  timer.unref();
  return {
    check(now) {
      if (now - last >= minGapMs) measure(now);
    },
  };
}
