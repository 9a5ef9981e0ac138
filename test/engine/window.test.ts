// EventWindow (electron/engine/window.ts): the shared, bounded window of polled events.
import { describe, expect, it } from 'vitest';
import { EventWindow } from '../../electron/engine/window.js';
import type { EventLogEntry } from '../../electron/shotgun/types.js';

const ev = (id: number): EventLogEntry => ({ id, event_type: 'Shotgun_Task_Change', created_at: '2024-01-01T00:00:00Z' }) as EventLogEntry;
const ids = (es: EventLogEntry[]) => es.map((e) => e.id);

describe('EventWindow', () => {
  it('appends only ids above head, and reads after an id with the id it is complete through', () => {
    const w = new EventWindow(10, 100);
    w.append([ev(11), ev(12), ev(14)], 15);
    w.append([ev(12), ev(16)], 16);
    expect(ids(w.read(10, 10).events)).toEqual([11, 12, 14, 16]);
    expect(w.read(10, 10).upTo).toBe(16);
    // A limited read is complete only through its last event.
    expect(w.read(10, 2)).toEqual({ events: [ev(11), ev(12)], upTo: 12 });
    expect(w.read(12, 10).events.map((e) => e.id)).toEqual([14, 16]);
    expect(w.read(16, 10)).toEqual({ events: [], upTo: 16 });
  });

  it('covers readers at or above its start only', () => {
    const w = new EventWindow(10, 100);
    expect(w.covers(10)).toBe(true);
    expect(w.covers(9)).toBe(false);
  });

  it('inserts a late event in id order inside the window, once', () => {
    const w = new EventWindow(10, 100);
    w.append([ev(11), ev(14)], 14);
    w.insertLate(ev(13));
    w.insertLate(ev(13));
    w.insertLate(ev(12));
    w.insertLate(ev(20)); // above head: the poller has not reached it
    w.insertLate(ev(9)); // below the window
    expect(ids(w.read(10, 10).events)).toEqual([11, 12, 13, 14]);
    expect(w.get(13)?.id).toBe(13);
    expect(w.get(15)).toBeUndefined();
  });

  it('evicts what every reader passed, or the oldest beyond capacity, moving its start', () => {
    const w = new EventWindow(0, 3);
    w.append([ev(1), ev(2), ev(3), ev(4), ev(5)], 5);
    expect(w.full).toBe(true);
    w.evict(2);
    // Complete above its start: ids 1 and 2 went, so a reader at 2 still reads from here.
    expect(w.from).toBe(2);
    expect(w.size).toBe(3);
    expect(w.covers(2)).toBe(true);
    expect(w.covers(1)).toBe(false);
    w.append([ev(6), ev(7)], 7);
    w.evict(0, 2);
    expect(ids(w.read(w.from, 10).events)).toEqual([6, 7]);
    expect(w.from).toBe(5);
  });

  it('evicted one event at a time (a plugin finishing each), it reads, gets and inserts exactly as a plain list would', () => {
    const w = new EventWindow(0, 10_000);
    // Odd ids only, so late even ones can go in between.
    w.append(
      Array.from({ length: 4000 }, (_, i) => ev(2 * i + 1)),
      7999,
    );
    let model = Array.from({ length: 4000 }, (_, i) => 2 * i + 1);
    for (let through = 1; through <= 6001; through += 2) {
      w.evict(through);
      model = model.filter((id) => id > through);
      if (through % 500 === 1) {
        w.insertLate(ev(through + 3));
        model = [...model, through + 3].sort((a, b) => a - b);
      }
      if (through % 97 === 0 || through > 5990) {
        expect(w.size).toBe(model.length);
        expect(w.from).toBe(through);
        expect(ids(w.read(through, 5).events)).toEqual(model.slice(0, 5));
        expect(w.get(model[0]!)?.id).toBe(model[0]);
        expect(w.get(through)).toBeUndefined();
      }
    }
    expect(ids(w.read(0, 10_000).events)).toEqual(model);
  });

  it('reset starts over empty at a new start', () => {
    const w = new EventWindow(0, 10);
    w.append([ev(1), ev(2)], 2);
    w.reset(50);
    expect([w.size, w.from, w.head]).toEqual([0, 50, 50]);
  });
});
