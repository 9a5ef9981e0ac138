// JSON:API-like REST records (§1.4) → flat shotgun_api3 records:
//   {type, id, attributes:{...}, relationships:{f:{data}}, links} → {type, id, ...attributes, f: data}
// This runs on every row of every page (up to 5000 per page), so it is one pass with no
// intermediate objects, and link values are kept by reference as the server sent them.

import { normalizeDateTime } from './dates.js';
import type { EntityRecord } from './types.js';

export interface RestRecord {
  type: string;
  id: number;
  attributes?: Record<string, unknown> | null;
  relationships?: Record<string, { data?: unknown } | null> | null;
  links?: unknown;
}

/** Flattens one record; date-time strings in `attributes` are normalized to "…T…Z". */
export function flattenRecord(rec: RestRecord): EntityRecord {
  const out: EntityRecord = { type: rec.type, id: rec.id };
  const attrs = rec.attributes;
  if (attrs) {
    for (const key in attrs) {
      const v = attrs[key];
      if (typeof v === 'string') {
        // Only plain strings can be date-times; objects (e.g. EventLogEntry.meta) are opaque.
        const iso = normalizeDateTime(v);
        out[key] = iso === undefined ? v : iso;
      } else {
        out[key] = v;
      }
    }
  }
  const rels = rec.relationships;
  if (rels) {
    for (const key in rels) {
      const r = rels[key];
      out[key] = r && 'data' in r ? (r.data ?? null) : null;
    }
  }
  // `type` and `id` win over same-named attributes (servers do echo `id` there).
  out.type = rec.type;
  out.id = rec.id;
  return out;
}

/** Flattens a `data` array; tolerates a missing or non-array `data` (empty result). */
export function flattenRecords(data: unknown): EntityRecord[] {
  if (!Array.isArray(data)) return [];
  const out = new Array<EntityRecord>(data.length);
  for (let i = 0; i < data.length; i++) out[i] = flattenRecord(data[i] as RestRecord);
  return out;
}
