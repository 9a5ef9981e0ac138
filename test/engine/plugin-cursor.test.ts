// PluginCursor (electron/engine/plugin-cursor.ts): the one writer of a plugin's saved
// cursor. Every change marks the state dirty; it never moves back except by seek(), never
// passes a held event, and owes exactly the gaps it walked past.
import { describe, expect, it } from 'vitest';
import { PluginCursor } from '../../electron/engine/plugin-cursor.js';
import { GapRegistry } from '../../electron/engine/gaps.js';
import { newPluginState, type SavedPluginState } from '../../electron/engine/state.js';
import type { EventLogEntry } from '../../electron/shotgun/types.js';

const ev = (id: number): EventLogEntry => ({ id, event_type: 'Shotgun_Task_Change', created_at: '2024-01-01T00:00:00Z' }) as EventLogEntry;

function make(lastId = 10, late: EventLogEntry[] = []) {
  const saved: SavedPluginState = newPluginState(lastId);
  const registry = new GapRegistry(60_000);
  let dirty = 0;
  const cursor = new PluginCursor(saved, registry, {
    dirty: () => dirty++,
    recentLate: (from, to) => late.filter((e) => e.id > from && e.id < to),
    now: () => 5_000,
  });
  return { saved, registry, cursor, dirty: () => dirty };
}

describe('PluginCursor', () => {
  it('advances forward only, marking dirty once per move', () => {
    const { cursor, saved, dirty } = make(10);
    cursor.advance(15);
    expect(saved.lastId).toBe(15);
    expect(dirty()).toBe(1);
    expect(cursor.advance(12)).toEqual([]);
    expect(cursor.advance(15)).toEqual([]);
    expect(saved.lastId).toBe(15);
    expect(dirty()).toBe(1);
  });

  it('owes the open gaps it walks past, with their deadlines, but not the event just processed', () => {
    const { cursor, registry, saved } = make(10);
    registry.add(12, 1_000);
    registry.add(14, 1_000);
    registry.add(30, 1_000);
    cursor.advance(14, 14);
    expect(saved.gaps).toEqual([{ id: 12, discoveredAt: 1_000, expiresAt: 61_000 }]);
    expect(cursor.owes(12)).toBe(true);
    expect(cursor.owes(14)).toBe(false);
    expect(cursor.owes(30)).toBe(false);
    // Walking past the same gap again (after a seek) does not owe it twice.
    cursor.seek(11);
    cursor.advance(20);
    expect(cursor.gapIds()).toEqual([12, 14]);
  });

  it('returns fillers that arrived while it read below them, owed at once', () => {
    const { cursor } = make(10, [ev(13)]);
    const owed = cursor.advance(20);
    expect(owed.map((e) => e.id)).toEqual([13]);
    expect(cursor.gapIds()).toEqual([13]);
    // A second move over the same range owes nothing new.
    cursor.seek(10);
    cursor.advance(20);
    expect(cursor.gapIds()).toEqual([13]);
  });

  it('settles a late event and forgets expired gaps, dirty only when something changed', () => {
    const { cursor, registry, dirty } = make(10);
    registry.add(11, 0);
    registry.add(12, 0);
    cursor.advance(13);
    const d = dirty();
    cursor.settle(11);
    expect(cursor.gapIds()).toEqual([12]);
    expect(dirty()).toBe(d + 1);
    cursor.settle(11);
    expect(dirty()).toBe(d + 1);
    cursor.forget([12, 99]);
    expect(cursor.gapIds()).toEqual([]);
    expect(dirty()).toBe(d + 2);
  });

  it('refuses to pass a held event until it is released', () => {
    const { cursor, saved } = make(10);
    cursor.hold(12);
    cursor.advance(11);
    expect(() => cursor.advance(12)).toThrow(/event 12 is held/);
    expect(() => cursor.advance(50)).toThrow(/held/);
    expect(saved.lastId).toBe(11);
    cursor.release();
    cursor.advance(12);
    expect(saved.lastId).toBe(12);
  });

  it('seek moves back or forward, drops gaps above it and any hold', () => {
    const { cursor, registry, saved, dirty } = make(10);
    registry.add(12, 0);
    registry.add(18, 0);
    cursor.advance(20);
    cursor.hold(21);
    const d = dirty();
    cursor.seek(15);
    expect(saved.lastId).toBe(15);
    expect(cursor.gapIds()).toEqual([12]);
    expect(dirty()).toBe(d + 1);
    cursor.advance(40); // the hold went with the seek
    expect(saved.lastId).toBe(40);
  });

  it('records failures once per event and callback, counting attempts, and clears them', () => {
    const { cursor, dirty } = make(10);
    cursor.recordFailure(11, 'a', 'boom');
    cursor.recordFailure(11, 'a', 'boom again', 3);
    cursor.recordFailure(11, 'b', 'other');
    cursor.recordFailure(12, 'a', 'x');
    expect(cursor.failed.map((f) => [f.eventId, f.callback, f.attempts, f.error, f.at])).toEqual([
      [11, 'a', 4, 'boom again', 5_000],
      [11, 'b', 1, 'other', 5_000],
      [12, 'a', 1, 'x', 5_000],
    ]);
    expect(dirty()).toBe(4);
    cursor.clearFailure(11, 'a');
    expect(cursor.failed.map((f) => `${f.eventId}${f.callback}`)).toEqual(['11b', '12a']);
    cursor.dismissFailures(11);
    expect(cursor.failed.map((f) => `${f.eventId}${f.callback}`)).toEqual(['12a']);
    expect(dirty()).toBe(6);
    cursor.dismissFailures(11);
    expect(dirty()).toBe(6);
  });

  it('keeps the newest 1000 failures', () => {
    const { cursor } = make(0);
    for (let i = 1; i <= 1005; i++) cursor.recordFailure(i, 'a', 'e');
    expect(cursor.failed).toHaveLength(1000);
    expect(cursor.failed[0]!.eventId).toBe(6);
  });

  it('pause and enable are saved and marked dirty', () => {
    const { cursor, saved, dirty } = make(10);
    cursor.setPaused(true);
    cursor.setEnabled(false);
    expect([saved.paused, saved.enabled, cursor.paused, cursor.enabled]).toEqual([true, false, true, false]);
    expect(dirty()).toBe(2);
  });
});
