// A runner's counters for the UI (runner.ts view()): events processed and failed, the
// newest created_at handled (lag in seconds), and callback durations for p50/p95.

const DURATIONS = 256;

export class RunnerStats {
  processed = 0;
  failedCount = 0;
  /** created_at (ms) of the last event processed, for lag in seconds. */
  lastCreatedAt = 0;
  private durations: number[] = [];

  recordDuration(ms: number): void {
    this.durations.push(ms);
    if (this.durations.length > DURATIONS) this.durations.shift();
  }

  /** Average callback time (ms), or null before the first. */
  average(): number | null {
    const n = this.durations.length;
    return n === 0 ? null : this.durations.reduce((a, b) => a + b, 0) / n;
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
