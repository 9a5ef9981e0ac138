// GapRegistry (electron/engine/gaps.ts): one registry of open gaps for the engine.
import { describe, expect, it } from 'vitest';
import { describeIds, GapRegistry } from '../../electron/engine/gaps.js';

describe('GapRegistry', () => {
  it('opens a gap once, with its deadline measured from discovery', () => {
    const g = new GapRegistry(1_000);
    expect(g.add(5, 100)).toEqual({ id: 5, discoveredAt: 100, expiresAt: 1_100 });
    expect(g.add(5, 900)).toEqual({ id: 5, discoveredAt: 100, expiresAt: 1_100 });
    expect(g.size).toBe(1);
    expect(g.has(5)).toBe(true);
    expect(g.get(6)).toBeUndefined();
  });

  it('lists ids sorted, and those within (from, to]', () => {
    const g = new GapRegistry(1_000);
    for (const id of [9, 3, 7, 5]) g.add(id, 0);
    expect(g.ids()).toEqual([3, 5, 7, 9]);
    expect(g.within(3, 7)).toEqual([5, 7]);
    expect(g.within(7, 7)).toEqual([]);
    expect(g.within(9, 3)).toEqual([]);
  });

  it('closes a gap when its event arrives, once', () => {
    const g = new GapRegistry(1_000);
    g.add(4, 0);
    expect(g.close(4)).toBe(true);
    expect(g.close(4)).toBe(false);
    expect(g.size).toBe(0);
  });

  it('expires gaps whose deadline passed, sorted, and removes them', () => {
    const g = new GapRegistry(1_000);
    g.add(8, 0);
    g.add(2, 0);
    g.add(5, 500);
    expect(g.expire(999)).toEqual([]);
    expect(g.expire(1_000)).toEqual([2, 8]);
    expect(g.ids()).toEqual([5]);
    expect(g.expire(10_000)).toEqual([5]);
    expect(g.size).toBe(0);
  });

  it('restores a saved gap with its original deadline, never over an open one', () => {
    const g = new GapRegistry(1_000);
    g.restore({ id: 3, discoveredAt: 10, expiresAt: 20 });
    g.add(4, 0);
    g.restore({ id: 4, discoveredAt: 99, expiresAt: 99 });
    expect(g.get(3)).toEqual({ id: 3, discoveredAt: 10, expiresAt: 20 });
    expect(g.get(4)!.expiresAt).toBe(1_000);
    expect(g.expire(20)).toEqual([3]);
  });

  it('describes ids as runs', () => {
    expect(describeIds([101, 102, 103, 107, 109, 110])).toBe('101-103, 107, 109-110');
    expect(describeIds([])).toBe('');
  });
});
