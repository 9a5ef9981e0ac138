// Which rows a sandbox query matches, in answer order and enough for the requested page:
// the filters compiled against the schema, retired/archived/not-yet-visible rows left out,
// EventLogEntry ranges found by binary search in the id-ordered log.

import { compile, idBounds, validateFilters, type SortKey } from './query.js';
import { isLink, type FindQuery, type Row, type StoreView } from './store-types.js';

/** Rows matching a query, before paging and projection (the type must exist). */
export function selectRows(view: StoreView, log: readonly Row[], type: string, q: FindQuery): Row[] {
  validateFilters(view.schema, type, q.filters);
  const pred = compile(view.schema, type, q.filters, view);
  const wantRetired = q.returnOnly === 'retired';
  const sort = q.sort ?? [];
  const idOrder = sort.length === 0 || (sort.length === 1 && sort[0]!.field === 'id' && !sort[0]!.desc);
  const page = q.page ?? { size: 500, number: 1 };
  // Enough rows for the requested page when the natural (id) order is the answer's order.
  const need = idOrder ? page.size * page.number : Infinity;
  const now = view.now();
  const out: Row[] = [];
  const archivedProjects = q.includeArchivedProjects === false ? archivedProjectIds(view) : null;
  const consider = (row: Row): boolean => {
    if (row.retired !== wantRetired) return false;
    if (row.visibleAt !== undefined && row.visibleAt > now) return false;
    if (archivedProjects && archivedProjects.size > 0) {
      const p = row.data.project;
      if (isLink(p) && archivedProjects.has(p.id)) return false;
    }
    if (!pred(row.data)) return false;
    out.push(row);
    return out.length >= need;
  };
  if (type === 'EventLogEntry') {
    const { min, max, ids } = idBounds(q.filters);
    if (ids) {
      // `id in [...]`: one binary search per id, in id order.
      for (const id of ids) {
        const row = log[lowerBound(log, id)];
        if (row?.id === id && consider(row)) break;
      }
    } else {
      for (let i = lowerBound(log, min); i < log.length; i++) {
        const row = log[i]!;
        if (row.id > max) break;
        if (consider(row)) break;
      }
    }
  } else {
    for (const row of view.values(type)) if (consider(row)) break;
  }
  if (!idOrder) sortRows(view, type, out, sort);
  return out;
}

function archivedProjectIds(view: StoreView): Set<number> {
  const s = new Set<number>();
  for (const p of view.values('Project')) if (p.data.archived === true) s.add(p.id);
  return s;
}

/** The index of the first event row with an id ≥ min (the log is in id order). */
export function lowerBound(log: readonly Row[], min: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid]!.id < min) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sortRows(view: StoreView, type: string, rows: Row[], sort: SortKey[]): void {
  const def = view.schema[type]!;
  const key = (row: Row, field: string): unknown => {
    const v = field === 'id' ? row.id : row.data[field];
    if (def.fields[field]?.dataType === 'entity') return isLink(v) ? (view.nameOf(v.type, v.id) ?? '') : null;
    return v;
  };
  rows.sort((a, b) => {
    for (const { field, desc } of sort) {
      const x = key(a, field);
      const y = key(b, field);
      if (x === y) continue;
      // Nulls sort first ascending, last descending.
      const c = x == null ? -1 : y == null ? 1 : typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      if (c !== 0) return desc ? -c : c;
    }
    return a.id - b.id;
  });
}
