// One plugin's cursor, its one owner: the last id it finished, the gaps it walked past and
// still owes, its failed-events list and its enabled/paused flags. Every change goes
// through here and marks the state dirty (the store writes it, docs/engine.md "State").
// Invariants: it never moves past an unfinished (held) event, and never moves back except
// by an explicit seek().

import type { FailedEvent } from '../contract.js';
import type { EventLogEntry } from '../shotgun/types.js';
import type { GapRegistry } from './gaps.js';
import type { SavedPluginState } from './state.js';

const FAILED_KEEP = 1000;

export interface PluginCursorOptions {
  /** The state changed and needs saving. */
  dirty: () => void;
  /** Gap fillers that arrived recently with ids in (from, to). */
  recentLate?: (from: number, to: number) => EventLogEntry[];
  now?: () => number;
}

export class PluginCursor {
  /** A held event's id: the cursor may not reach it until it is released. */
  private heldAt: number | null = null;
  private readonly dirty: () => void;
  private readonly recentLate: (from: number, to: number) => EventLogEntry[];
  private readonly now: () => number;

  constructor(
    private readonly saved: SavedPluginState,
    private readonly registry: GapRegistry,
    opts: PluginCursorOptions,
  ) {
    this.dirty = opts.dirty;
    this.recentLate = opts.recentLate ?? (() => []);
    this.now = opts.now ?? Date.now;
  }

  get lastId(): number {
    return this.saved.lastId;
  }

  get enabled(): boolean {
    return this.saved.enabled;
  }

  get paused(): boolean {
    return this.saved.paused;
  }

  /** The saved state, read-only: change it through the methods here. */
  get state(): Readonly<SavedPluginState> {
    return this.saved;
  }

  gapIds(): number[] {
    return this.saved.gaps.map((g) => g.id);
  }

  /** Whether a late event with this id is owed (the cursor walked past its gap). */
  owes(id: number): boolean {
    return this.saved.gaps.some((g) => g.id === id);
  }

  get failed(): readonly FailedEvent[] {
    return this.saved.failed;
  }

  /**
   * Moves the cursor forward to `to`, noting the open gaps walked past: they are owed
   * later as late events. `processed` is the event just handled (not owed, even if the
   * poller still thinks it a gap). Returns the fillers that arrived while this plugin was
   * reading below them: owed at once. Never moves back; refuses to pass a held event.
   */
  advance(to: number, processed?: number): EventLogEntry[] {
    const from = this.saved.lastId;
    if (to <= from) return [];
    if (this.heldAt !== null && to >= this.heldAt) {
      throw new Error(`cursor cannot move to ${to}: event ${this.heldAt} is held and unfinished`);
    }
    this.saved.lastId = to;
    for (const id of this.registry.within(from, to)) {
      if (id === processed || this.owes(id)) continue;
      const gap = this.registry.get(id)!;
      this.saved.gaps.push({ id, discoveredAt: gap.discoveredAt, expiresAt: gap.expiresAt });
    }
    const fillers: EventLogEntry[] = [];
    for (const filled of this.recentLate(from, to)) {
      if (filled.id === processed || this.owes(filled.id)) continue;
      const now = this.now();
      this.saved.gaps.push({ id: filled.id, discoveredAt: now, expiresAt: now });
      fillers.push(filled);
    }
    this.dirty();
    return fillers;
  }

  /** A late event finished (or was skipped): nothing more is owed for it. */
  settle(id: number): void {
    this.dropGaps((g) => g === id);
  }

  /** Gaps the poller gave up on: nothing more is owed for them. */
  forget(ids: readonly number[]): void {
    const drop = new Set(ids);
    this.dropGaps((g) => drop.has(g));
  }

  /** Marks an event unfinished: the cursor stays before it until release() or seek(). */
  hold(eventId: number): void {
    this.heldAt = eventId;
  }

  release(): void {
    this.heldAt = null;
  }

  /**
   * Puts the cursor at `id`, back or forward (the user's move; the only way back). Gaps
   * above it will be walked again; those below stay owed. A hold is dropped.
   */
  seek(id: number): void {
    this.heldAt = null;
    this.saved.lastId = id;
    this.saved.gaps = this.saved.gaps.filter((g) => g.id <= id);
    this.dirty();
  }

  /** `attempts`: how many tries this failure stands for (a skipped hold: every attempt it had). */
  recordFailure(eventId: number, callback: string, error: string, attempts = 1): void {
    const at = this.now();
    const existing = this.saved.failed.find((f) => f.eventId === eventId && f.callback === callback);
    if (existing) {
      existing.attempts += attempts;
      existing.at = at;
      existing.error = error;
    } else {
      this.saved.failed.push({ eventId, callback, error, at, attempts });
      if (this.saved.failed.length > FAILED_KEEP) this.saved.failed.splice(0, this.saved.failed.length - FAILED_KEEP);
    }
    this.dirty();
  }

  /** A recorded failure that now succeeded leaves the list. */
  clearFailure(eventId: number, callback: string): void {
    this.dropFailed((f) => f.eventId === eventId && f.callback === callback);
  }

  dismissFailures(eventId: number): void {
    this.dropFailed((f) => f.eventId === eventId);
  }

  setPaused(paused: boolean): void {
    this.saved.paused = paused;
    this.dirty();
  }

  setEnabled(enabled: boolean): void {
    this.saved.enabled = enabled;
    this.dirty();
  }

  private dropGaps(drop: (id: number) => boolean): void {
    const before = this.saved.gaps.length;
    this.saved.gaps = this.saved.gaps.filter((g) => !drop(g.id));
    if (this.saved.gaps.length !== before) this.dirty();
  }

  private dropFailed(drop: (f: FailedEvent) => boolean): void {
    const before = this.saved.failed.length;
    this.saved.failed = this.saved.failed.filter((f) => !drop(f));
    if (this.saved.failed.length !== before) this.dirty();
  }
}
