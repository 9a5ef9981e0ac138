// The runner loop's sleep and wake. A wake() that comes while the loop is busy (stop, new
// events) is not lost: without that, stop() between two awaits left the loop asleep until
// the grace period ran out.

export class Wakeup {
  private waiting: (() => void) | null = null;
  private pending = false;

  wake(): void {
    const w = this.waiting;
    this.waiting = null;
    if (w) w();
    else this.pending = true;
  }

  /** Resolves at the next wake(), or at once if one came since the last sleep or `now`. */
  sleep(now = false): Promise<void> {
    if (this.pending || now) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}
