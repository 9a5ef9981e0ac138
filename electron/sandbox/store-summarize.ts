// The sandbox's `_summarize`: summary values (count, sum, min, max, average,
// record_count, count_distinct, percentage) over rows the store selected, grouped by the
// exact value of the first grouping field.

import { invalid } from './errors.js';
import { isLink, type Link, type Row } from './store-types.js';

export interface SummaryResult {
  summaries: Record<string, unknown>;
  groups: unknown[];
}

export function summarizeRows(
  type: string,
  rows: Row[],
  summaryFields: Array<{ field: string; type: string }>,
  grouping: Array<{ field: string; type?: string; direction?: 'asc' | 'desc' }> | undefined,
  linkOut: (l: Link) => Record<string, unknown> | null,
): SummaryResult {
  const summarise = (set: Row[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const s of summaryFields) {
      const vals = set.map((r) => (s.field === 'id' ? r.id : r.data[s.field])).filter((v) => v != null);
      const nums = vals.filter((v): v is number => typeof v === 'number');
      switch (s.type) {
        case 'record_count':
          out[s.field] = set.length;
          break;
        case 'count':
          out[s.field] = vals.length;
          break;
        case 'count_distinct':
          out[s.field] = new Set(vals.map((v) => JSON.stringify(v))).size;
          break;
        case 'sum':
          out[s.field] = nums.reduce((a, b) => a + b, 0);
          break;
        case 'maximum':
        case 'max':
          out[s.field] = nums.length ? Math.max(...nums) : null;
          break;
        case 'minimum':
        case 'min':
          out[s.field] = nums.length ? Math.min(...nums) : null;
          break;
        case 'average':
          out[s.field] = nums.length ? nums.reduce((a, b) => a + b, 0) / nums.length : null;
          break;
        case 'percentage': {
          out[s.field] = set.length ? Math.round((vals.length / set.length) * 100) : 0;
          break;
        }
        default:
          throw invalid(`API summarize() unknown summary type '${s.type}' for ${type}.${s.field}.`);
      }
    }
    return out;
  };
  const groups: unknown[] = [];
  const g = grouping?.[0];
  if (g) {
    const buckets = new Map<string, { value: unknown; rows: Row[] }>();
    for (const r of rows) {
      const raw = r.data[g.field];
      const value = isLink(raw) ? linkOut(raw) : (raw ?? null);
      const k = JSON.stringify(value);
      const b = buckets.get(k) ?? { value, rows: [] };
      b.rows.push(r);
      buckets.set(k, b);
    }
    const list = [...buckets.values()];
    list.sort((a, b) => String(JSON.stringify(a.value)).localeCompare(JSON.stringify(b.value)));
    if (g.direction === 'desc') list.reverse();
    for (const b of list) {
      const v = b.value as { name?: unknown } | null;
      groups.push({
        group_name: v && typeof v === 'object' ? String(v.name ?? '') : String(b.value ?? ''),
        group_value: b.value,
        summaries: summarise(b.rows),
      });
    }
  }
  return { summaries: summarise(rows), groups };
}
