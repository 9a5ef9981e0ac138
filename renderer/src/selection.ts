// Keyboard movement through the events list (renderer/src/views/EventsView.tsx), kept pure
// so it is unit-tested (test/renderer/selection.test.ts).
import type { EventView } from '../../electron/contract.js';
import { lowerBound } from './store.js';

/**
 * The row to select after a key press: `delta` rows from the selected event, or the first or
 * last row. With no selection (or one that left the list), moving down starts at the first
 * row and moving up at the last, as in a listbox. Clamped to the list; -1 for an empty list.
 */
export function nextSelection(events: readonly EventView[], selected: number | null, delta: number | 'first' | 'last'): number {
  if (events.length === 0) return -1;
  let i: number;
  if (delta === 'first') i = 0;
  else if (delta === 'last') i = events.length - 1;
  else {
    const cur = selected === null ? -1 : lowerBound(events, selected);
    const found = cur >= 0 && events[cur]?.id === selected;
    i = found ? cur + delta : delta > 0 ? 0 : events.length - 1;
  }
  return Math.max(0, Math.min(events.length - 1, i));
}
