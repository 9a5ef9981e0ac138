// One running plugin worker as the host sees it: the Worker, why it was ended (when the host
// ended it), its error, and the output it printed, split into lines. attachWorker wires a
// spawned worker's events to the host's handlers; describeExit says why it stopped.

import type { Worker } from 'node:worker_threads';
import type { LoadResult, WorkerMessage } from './plugin-protocol.js';

export interface WorkerCtl {
  worker: Worker;
  /** Set when the host terminates it on purpose: the reason, and the position that timed out. */
  kill: { message: string; timedOutPos?: number } | undefined;
  error: (Error & { code?: string }) | undefined;
  /** The SharedArrayBuffer this worker has. */
  sab: SharedArrayBuffer | undefined;
  /** While loading: the worker's answer, or its end. */
  onLoaded: ((m: { result: LoadResult; emails: string[] | boolean | null }) => void) | undefined;
  onGone: ((why: string) => void) | undefined;
  /** Output not yet ended by a newline. */
  stdio: { stdout: string; stderr: string };
}

export interface WorkerHandlers {
  message(ctl: WorkerCtl, m: WorkerMessage): void;
  exit(ctl: WorkerCtl, code: number): void;
  /** One line the plugin printed (console.log, process.stdout.write...). */
  line(stream: 'stdout' | 'stderr', line: string): void;
}

export function attachWorker(worker: Worker, on: WorkerHandlers): WorkerCtl {
  const ctl: WorkerCtl = {
    worker,
    kill: undefined,
    error: undefined,
    sab: undefined,
    onLoaded: undefined,
    onGone: undefined,
    stdio: { stdout: '', stderr: '' },
  };
  worker.on('message', (m: WorkerMessage) => on.message(ctl, m));
  worker.on('error', (e: Error) => {
    ctl.error = e;
  });
  worker.on('exit', (code: number) => {
    // Whatever it printed last without a newline still counts.
    for (const stream of ['stdout', 'stderr'] as const) if (ctl.stdio[stream]) addOutput(ctl, stream, '\n', on);
    on.exit(ctl, code);
  });
  worker.stdout.setEncoding('utf8').on('data', (chunk: string) => addOutput(ctl, 'stdout', chunk, on));
  worker.stderr.setEncoding('utf8').on('data', (chunk: string) => addOutput(ctl, 'stderr', chunk, on));
  return ctl;
}

function addOutput(ctl: WorkerCtl, stream: 'stdout' | 'stderr', chunk: string, on: WorkerHandlers): void {
  const lines = (ctl.stdio[stream] + chunk).split('\n');
  ctl.stdio[stream] = lines.pop() ?? '';
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() !== '') on.line(stream, line);
  }
}

/** Why a worker stopped, as a run's `crashed` and the plugin's log say it. */
export function describeExit(ctl: WorkerCtl, code: number, memoryLimitMb: number): string {
  if (ctl.kill) return ctl.kill.message;
  const e = ctl.error;
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') return `plugin worker ran out of memory (limit ${memoryLimitMb} MB): ${e.message}`;
  if (e) return `plugin worker crashed: ${e.stack ?? e.message}`;
  return `plugin worker exited with code ${code}`;
}
