// The headless UI's slow-client policy (docs/architecture.md, step 6): what a connection whose
// socket has fallen behind is still sent, and when it is cut off.

import type { Update } from '../contract.js';

/** Stream updates a slow client may miss (it gets a fresh snapshot after); state updates are always sent. Every kind is listed, so a new one must be classified. */
const STREAM_KINDS: Record<Update['kind'], boolean> = {
  engine: false,
  plugin: false,
  pluginRemoved: false,
  audit: false,
  trend: false,
  events: true,
  outcome: true,
  logs: true,
};

/**
 * The slow-client policy, per connection and per batch: below `slowBytes` buffered, send
 * the batch; above it, send only the state items (engine, plugin, pluginRemoved, audit) and
 * drop the stream (events, outcomes, logs); on the first batch after that with the buffer
 * drained, send a fresh snapshot instead; above `killBytes`, disconnect.
 */
export class Backpressure {
  private dropped = 0;
  private behind = false;

  constructor(
    private slowBytes: number,
    private killBytes: number,
  ) {}

  decide(
    updates: Update[],
    buffered: number,
  ): { action: 'send'; updates: Update[] } | { action: 'snapshot'; dropped: number } | { action: 'disconnect' } {
    if (buffered > this.killBytes) return { action: 'disconnect' };
    if (buffered > this.slowBytes) {
      const kept = updates.filter((u) => !STREAM_KINDS[u.kind]);
      this.dropped += updates.length - kept.length;
      this.behind = true;
      return { action: 'send', updates: kept };
    }
    if (this.behind) {
      const dropped = this.dropped;
      this.behind = false;
      this.dropped = 0;
      return { action: 'snapshot', dropped };
    }
    return { action: 'send', updates };
  }
}
