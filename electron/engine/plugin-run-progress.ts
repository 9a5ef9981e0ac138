// The host's side of a worker's progress (plugin-protocol.ts, SAB_*): the SharedArrayBuffer the
// worker writes each callback's start, end and duration into, so a run of many events costs
// two messages and the host still knows which callbacks completed when a worker dies mid-run.

import { SAB_COMPLETED, SAB_HEADER_BYTES, SAB_STARTED } from './plugin-protocol.js';

export class RunProgress {
  /** The buffer the worker is given (a larger run gets a new one). */
  sab: SharedArrayBuffer | undefined;
  private hdr: Int32Array<ArrayBufferLike> = new Int32Array(SAB_HEADER_BYTES / 4);
  private times: Float64Array<ArrayBufferLike> = new Float64Array(0);

  /** Ready for a run of `positions` callback calls: room for each, counters at zero. */
  reset(positions: number): void {
    if (!this.sab || this.times.length / 2 < positions) {
      const cap = Math.max(64, 2 ** Math.ceil(Math.log2(positions)));
      this.sab = new SharedArrayBuffer(SAB_HEADER_BYTES + cap * 16);
      this.hdr = new Int32Array(this.sab, 0, SAB_HEADER_BYTES / 4);
      this.times = new Float64Array(this.sab, SAB_HEADER_BYTES, cap * 2);
    }
    Atomics.store(this.hdr, SAB_STARTED, 0);
    Atomics.store(this.hdr, SAB_COMPLETED, 0);
  }

  /** How many positions have started. */
  started(): number {
    return Atomics.load(this.hdr, SAB_STARTED);
  }

  /** How many positions have completed. */
  completed(): number {
    return Atomics.load(this.hdr, SAB_COMPLETED);
  }

  /** When position `p` started (epoch ms, fractional). */
  startedAt(p: number): number {
    return this.times[2 * p]!;
  }

  durationMs(p: number): number {
    return this.times[2 * p + 1]!;
  }
}
