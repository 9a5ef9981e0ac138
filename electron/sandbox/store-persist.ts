// The sandbox store's state file shape (`--state FILE`): every table but EventLogEntry by
// type, the event log in id order, and the next ids, so a restarted sandbox goes on where
// it stopped.

import type { Row } from './store-types.js';

export interface StoreState {
  version: 1;
  nextIds: Record<string, number>;
  nextEventId: number;
  tables: Record<string, Row[]>;
  log: Row[];
}

export function toState(tables: Map<string, Map<number, Row>>, log: Row[], nextIds: Map<string, number>, nextEventId: number): StoreState {
  const out: Record<string, Row[]> = {};
  for (const [type, t] of tables) if (type !== 'EventLogEntry') out[type] = [...t.values()];
  return { version: 1, nextIds: Object.fromEntries(nextIds), nextEventId, tables: out, log };
}

export function parseState(json: unknown): StoreState {
  const j = json as Partial<StoreState> | null;
  if (!j || j.version !== 1 || !Array.isArray(j.log) || typeof j.tables !== 'object') {
    throw new Error('not a sandbox state file (expected {"version": 1, ...})');
  }
  return j as StoreState;
}

/** Replaces the rows of every known type (unknown types in the file are skipped) and the event table. */
export function fillTables(tables: Map<string, Map<number, Row>>, state: StoreState): void {
  for (const [type, rows] of Object.entries(state.tables)) {
    const t = tables.get(type);
    if (!t) continue;
    t.clear();
    for (const r of rows) t.set(r.id, r);
  }
  const events = tables.get('EventLogEntry')!;
  events.clear();
  for (const r of state.log) events.set(r.id, r);
}
