// Keyboard movement through the events list: the pure part of EventsView's arrow keys.
import { describe, expect, it } from 'vitest';
import type { EventView } from '../../electron/contract.js';
import { nextSelection } from '../../renderer/src/selection.js';

const rows = [10, 20, 30, 40].map((id) => ({ id }) as EventView);

describe('nextSelection', () => {
  it('moves from the selected row and stops at the ends', () => {
    expect(nextSelection(rows, 20, 1)).toBe(2);
    expect(nextSelection(rows, 20, -1)).toBe(0);
    expect(nextSelection(rows, 40, 1)).toBe(3);
    expect(nextSelection(rows, 10, -10)).toBe(0);
  });
  it('with nothing selected, down starts at the first row and up at the last', () => {
    expect(nextSelection(rows, null, 1)).toBe(0);
    expect(nextSelection(rows, null, -1)).toBe(3);
    // A selection that left the list counts as none.
    expect(nextSelection(rows, 25, 1)).toBe(0);
    expect(nextSelection(rows, 25, -1)).toBe(3);
  });
  it('jumps to the first and last rows; an empty list has no row', () => {
    expect(nextSelection(rows, 30, 'first')).toBe(0);
    expect(nextSelection(rows, null, 'last')).toBe(3);
    expect(nextSelection([], null, 1)).toBe(-1);
  });
});
