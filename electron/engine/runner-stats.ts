// A runner's counters for the UI (runner.ts view()): events processed and failed, the
// newest created_at handled (lag in seconds), and callback durations for p50/p95.

const DURATIONS = 256;

export class RunnerStats {
  processed = 0;
  failedCount = 0;
  /** created_at (ms) of the last event processed, for lag in seconds. */
  lastCreatedAt = 0;
  /** The created_at text last parsed: events of the same second share it (one Date.parse, not one per event). */
  private lastCreatedText = '';
  /** The last DURATIONS callback times, as a ring (called per callback: no shifting). */
  private durations: number[] = [];
  private next = 0;
  private sum = 0;

  /** An event was handled: its created_at counts for the lag when it is the newest. */
  noteCreatedAt(createdAt: string): void {
    if (createdAt === this.lastCreatedText) return;
    this.lastCreatedText = createdAt;
    const ms = Date.parse(createdAt);
    if (ms > this.lastCreatedAt) this.lastCreatedAt = ms;
  }

  recordDuration(ms: number): void {
    if (this.durations.length < DURATIONS) this.durations.push(ms);
    else {
      this.sum -= this.durations[this.next]!;
      this.durations[this.next] = ms;
      this.next = (this.next + 1) % DURATIONS;
    }
    this.sum += ms;
    // Summed afresh once per lap, so the running sum's rounding never drifts.
    if (this.next === 0 && this.durations.length === DURATIONS) this.sum = this.durations.reduce((a, b) => a + b, 0);
  }

  /** Average callback time (ms), or null before the first. */
  average(): number | null {
    const n = this.durations.length;
    return n === 0 ? null : this.sum / n;
  }

  /**
   * Events per round trip to the worker: ~100 ms of work, so pause and replay stay
   * responsive with slow plugins while fast ones are not paced by messaging.
   */
  batchSize(max: number): number {
    const avg = this.average();
    if (avg === null) return 8;
    return Math.max(1, Math.min(max, Math.floor(100 / Math.max(avg, 0.01))));
  }

  percentile(p: number): number | null {
    if (this.durations.length === 0) return null;
    const s = [...this.durations].sort((a, b) => a - b);
    return Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 100) / 100;
  }
}
