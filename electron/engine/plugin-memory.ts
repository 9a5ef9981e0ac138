// Off-heap memory of a plugin worker (Buffers, ArrayBuffers, other external allocations).
// The worker's resourceLimits bound only its V8 heap: a plugin holding Buffers can grow the
// daemon's RSS without limit. Each worker measures its own isolate's `external` bytes
// (the v8 module's heap statistics are per isolate) and reports going over the limit
// to the host, which terminates it (docs/engine.md, "Plugin isolation limits").
// A callback that allocates in one synchronous loop would be seen only once it yields, so
// large Buffer allocations are also checked as they are made (guardAllocations).

import { getHeapStatistics } from 'node:v8';

/**
 * Bytes held outside the V8 heap by this thread's isolate (includes arrayBuffers). From
 * the isolate's heap statistics: process.memoryUsage() also reads the process's RSS from
 * /proc on every call, 20× the cost (it showed in worker profiles, docs/performance.md).
 */
function offHeapBytes(): number {
  return getHeapStatistics().external_memory;
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

/** Allocations at least this big are checked against the limit as they are made. */
const LARGE_ALLOCATION = 1024 * 1024;

/**
 * Wraps Buffer.alloc / allocUnsafe / allocUnsafeSlow: a large allocation that would take
 * this isolate's off-heap bytes over limitBytes calls onOver and throws a RangeError naming
 * the plugin, before the memory is taken (a synchronous loop never yields to the periodic
 * check). limitBytes 0 = no limit.
 */
export function guardAllocations(limitBytes: number, plugin: string, onOver: (bytes: number) => void): void {
  if (!(limitBytes > 0)) return;
  const B = Buffer as unknown as Record<'alloc' | 'allocUnsafe' | 'allocUnsafeSlow', (size: number, ...rest: unknown[]) => Buffer>;
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const original = B[name].bind(Buffer);
    B[name] = (size: number, ...rest: unknown[]) => {
      if (typeof size === 'number' && size >= LARGE_ALLOCATION) {
        const bytes = offHeapBytes() + size;
        if (bytes > limitBytes) {
          onOver(bytes);
          const mb = (n: number) => Math.round(n / (1024 * 1024));
          throw new RangeError(
            `Plugin ${plugin} would hold ${mb(bytes)} MB of off-heap memory (Buffers, ArrayBuffers) with Buffer.${name}(${size}), ` +
              `over its limit of ${mb(limitBytes)} MB ([daemon] plugin_buffer_limit)`,
          );
        }
      }
      return original(size, ...rest);
    };
  }
}
