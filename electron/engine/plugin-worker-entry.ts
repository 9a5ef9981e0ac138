// Spawning a plugin worker: the one place a plugin's Worker is constructed, with its limits,
// its output piped to the host, and its environment. Its code: plugin-worker-bundle.ts.

import { Worker } from 'node:worker_threads';
import type { WorkerInit } from './plugin-protocol.js';
import { workerEntry } from './plugin-worker-bundle.js';

/**
 * A worker's young generation (V8's semi-spaces, committed per isolate). Left alone, a worker
 * that decodes pages grows it to 32 MB and keeps it; 24 holds it at 16 MB with no cost at batch
 * 500 (docs/performance.md, "Memory, round 5"). Lower caps cost CPU: 3 MB (the floor, which would
 * save 0.85 MB per idle worker) made page decoding 60% slower.
 */
export const WORKER_YOUNG_GENERATION_MB = 24;

export function spawnWorker(init: WorkerInit, memoryLimitMb: number): Worker {
  return new Worker(workerEntry(), {
    workerData: init,
    resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    stdout: true,
    stderr: true,
    // esbuild (under tsx, for .ts plugins) then runs as a short process per transform that the
    // worker waits for, instead of a service that a terminated worker would leave as a zombie.
    env: { ...process.env, ESBUILD_WORKER_THREADS: '0' },
  });
}
