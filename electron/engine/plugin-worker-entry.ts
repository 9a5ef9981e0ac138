// Spawning a plugin worker: the one place a plugin's Worker is constructed, with its limits,
// its output piped to the host, and its environment. Its code: plugin-worker-bundle.ts.

import { Worker } from 'node:worker_threads';
import type { WorkerInit } from './plugin-protocol.js';
import { workerEntry } from './plugin-worker-bundle.js';

export function spawnWorker(init: WorkerInit, memoryLimitMb: number): Worker {
  return new Worker(workerEntry(), {
    workerData: init,
    resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb },
    stdout: true,
    stderr: true,
    // esbuild (under tsx, for .ts plugins) then runs as a short process per transform that the
    // worker waits for, instead of a service that a terminated worker would leave as a zombie.
    env: { ...process.env, ESBUILD_WORKER_THREADS: '0' },
  });
}
