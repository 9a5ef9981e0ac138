// Filters for the sandbox: every wire form (REST array and hash, api3 conditions) is
// normalised to one condition tree, validated against the schema (unknown fields and
// illegal relations are 400s, as on a real site), then evaluated against rows.

import { invalid } from './errors.js';
import { relationsFor, type DataType, type FieldDef, type Schema } from './schema.js';

export interface Cond {
  path: string;
  relation: string;
  /** Always a list, like api3's `values`: `in` → the list; `between` → [a, b]. */
  values: unknown[];
}
export interface Group {
  op: 'and' | 'or';
  conditions: Array<Cond | Group>;
}

export const isGroup = (c: Cond | Group): c is Group => (c as Group).conditions !== undefined;

const LIST_RELATIONS = new Set(['in', 'not_in', 'between', 'not_between', 'in_last', 'not_in_last', 'in_next', 'not_in_next']);

function fromTriple(t: unknown, where: string): Cond {
  if (!Array.isArray(t) || t.length < 3 || typeof t[0] !== 'string' || typeof t[1] !== 'string') {
    throw invalid(`Invalid filter: ${JSON.stringify(t)}. ${where}`);
  }
  const [path, relation, ...rest] = t as [string, string, ...unknown[]];
  let values: unknown[];
  if (rest.length > 1) values = rest;
  else if (LIST_RELATIONS.has(relation) && Array.isArray(rest[0])) values = rest[0] as unknown[];
  else values = [rest[0]];
  return { path, relation, values };
}

/** `application/vnd+shotgun.api3_array+json`: an array of triples, AND only. */
export function fromRestArray(filters: unknown): Group {
  if (!Array.isArray(filters)) throw invalid('filters must be an array of [field, relation, value] triples for the api3_array content type.');
  return { op: 'and', conditions: filters.map((t) => fromTriple(t, 'Expected [field, relation, value].')) };
}

/** `application/vnd+shotgun.api3_hash+json`: `{logical_operator, conditions}`. */
export function fromRestHash(filters: unknown): Group {
  if (Array.isArray(filters) && filters.length === 0) return { op: 'and', conditions: [] };
  if (filters === null || typeof filters !== 'object' || Array.isArray(filters)) {
    throw invalid('filters must be an object with logical_operator and conditions for the api3_hash content type.');
  }
  const h = filters as Record<string, unknown>;
  const op = h.logical_operator;
  if (op !== 'and' && op !== 'or') throw invalid('Missing logical operator', { filters: ['logical_operator must be "and" or "or"'] });
  if (!Array.isArray(h.conditions)) throw invalid('Missing conditions', { filters: ['conditions must be an array'] });
  return {
    op,
    conditions: h.conditions.map((c) => (Array.isArray(c) ? fromTriple(c, '') : fromRestHash(c))),
  };
}

/** The api3 wire form: `{logical_operator, conditions: [{path, relation, values}]}` (docs/shotgrid-wire.md §4). */
export function fromApi3(filters: unknown): Group {
  if (filters === undefined || filters === null) return { op: 'and', conditions: [] };
  const h = filters as Record<string, unknown>;
  const op = h.logical_operator ?? 'and';
  if (op !== 'and' && op !== 'or') throw invalid(`Invalid logical_operator ${JSON.stringify(op)}`);
  const conditions = Array.isArray(h.conditions) ? h.conditions : [];
  return {
    op,
    conditions: conditions.map((c: unknown) => {
      const x = c as Record<string, unknown>;
      if (Array.isArray(x.conditions)) return fromApi3(x);
      if (typeof x.path !== 'string' || typeof x.relation !== 'string' || !Array.isArray(x.values)) {
        throw invalid(`Invalid condition ${JSON.stringify(c)}: expected {path, relation, values}`);
      }
      return { path: x.path, relation: x.relation, values: x.values };
    }),
  };
}

export interface ResolvedPath {
  /** The final field's definition. */
  field: FieldDef;
  /** Hops through entity fields: [field, targetType]. */
  hops: Array<[string, string]>;
  last: string;
}

/**
 * Resolves `code` or `entity.Shot.code` (deep paths hop through entity fields).
 * `method` names the API call in the message, as the real site does ("API read() ...").
 */
export function resolvePath(schema: Schema, type: string, path: string, method = 'read'): ResolvedPath {
  const parts = path.split('.');
  const hops: Array<[string, string]> = [];
  let current = type;
  while (parts.length > 1) {
    const [name, target] = [parts.shift()!, parts.shift()];
    const def = schema[current]?.fields[name];
    if (!def || (def.dataType !== 'entity' && def.dataType !== 'multi_entity') || !target || !schema[target]) {
      throw invalid(`API ${method}() ${current}.${name}${target ? `.${target}` : ''} doesn't exist.`, {
        [`${current}.${path}`]: ' does not exist.',
      });
    }
    hops.push([name, target]);
    current = target;
  }
  const last = parts[0]!;
  const field = schema[current]?.fields[last];
  if (!field) {
    throw invalid(`API ${method}() ${current}.${last} doesn't exist.`, { [`${current}.${last}`]: ' does not exist.' });
  }
  return { field, hops, last };
}

export function validateFilters(schema: Schema, type: string, g: Group, method = 'read'): void {
  for (const c of g.conditions) {
    if (isGroup(c)) {
      validateFilters(schema, type, c, method);
      continue;
    }
    const { field } = resolvePath(schema, type, c.path, method);
    const legal = relationsFor(field.dataType);
    if (!legal) {
      throw invalid(`API ${method}() ${type}.${c.path}: fields of the '${field.dataType}' data type cannot be used in a filter.`, {
        [`${type}.${c.path}`]: `'${field.dataType}' data type cannot be used in a filter`,
      });
    }
    if (!legal.includes(c.relation)) {
      throw invalid(
        `API ${method}() ${type}.${c.path} does not support the '${c.relation}' relation. Valid relations for a ${field.dataType} field are: ${legal.join(', ')}.`,
        { [`${type}.${c.path}`]: { relation: c.relation, valid: legal } },
      );
    }
    if ((c.relation === 'between' || c.relation === 'not_between') && c.values.length !== 2) {
      throw invalid(`API ${method}() ${type}.${c.path}: '${c.relation}' needs exactly two values.`);
    }
  }
}

/** What the evaluator needs from the store: follow a link, and read a link's name. */
export interface RowAccess {
  get(type: string, id: number): { data: Record<string, unknown>; retired: boolean } | undefined;
  nameOf(type: string, id: number): string | null;
  now(): number;
}

type Link = { type: string; id: number };
const isLink = (v: unknown): v is Link =>
  v !== null && typeof v === 'object' && typeof (v as Link).type === 'string' && typeof (v as Link).id === 'number';

/** Values reached by a (possibly deep) path: several when a hop crosses a multi-entity field. */
function valuesAt(access: RowAccess, data: Record<string, unknown>, path: ResolvedPath): unknown[] {
  let frontier: Array<Record<string, unknown>> = [data];
  for (const [name, target] of path.hops) {
    const next: Array<Record<string, unknown>> = [];
    for (const d of frontier) {
      const v = d[name];
      for (const l of Array.isArray(v) ? v : [v]) {
        if (isLink(l) && l.type === target) {
          const row = access.get(target, l.id);
          if (row && !row.retired) next.push(row.data);
        }
      }
    }
    frontier = next;
  }
  return frontier.map((d) => d[path.last]);
}

const sameLink = (a: unknown, b: unknown): boolean => isLink(a) && isLink(b) && a.type === b.type && a.id === b.id;

const UNIT_MS: Record<string, number> = { HOUR: 3_600_000, DAY: 86_400_000, WEEK: 604_800_000, MONTH: 2_592_000_000, YEAR: 31_536_000_000 };

function toMs(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.endsWith(' UTC') ? `${v.slice(0, -4).replace(' ', 'T')}Z` : v;
    return Date.parse(s);
  }
  return NaN;
}

function compareScalar(dataType: DataType, a: unknown, b: unknown): number {
  if (dataType === 'date_time') return toMs(a) - toMs(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

function calendarMatch(unit: string, v: unknown, offset: number, now: number): boolean {
  const d = new Date(toMs(v));
  const n = new Date(now);
  if (Number.isNaN(d.getTime())) return false;
  switch (unit) {
    case 'in_calendar_day': {
      const t = new Date(Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), n.getUTCDate() + offset));
      return d.getUTCFullYear() === t.getUTCFullYear() && d.getUTCMonth() === t.getUTCMonth() && d.getUTCDate() === t.getUTCDate();
    }
    case 'in_calendar_week': {
      const start = Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), n.getUTCDate() - n.getUTCDay() + 7 * offset);
      return d.getTime() >= start && d.getTime() < start + 7 * 86_400_000;
    }
    case 'in_calendar_month': {
      const t = new Date(Date.UTC(n.getUTCFullYear(), n.getUTCMonth() + offset, 1));
      return d.getUTCFullYear() === t.getUTCFullYear() && d.getUTCMonth() === t.getUTCMonth();
    }
    default:
      return d.getUTCFullYear() === n.getUTCFullYear() + offset;
  }
}

function matchValue(access: RowAccess, dataType: DataType, relation: string, v: unknown, values: unknown[]): boolean {
  const first = values[0];
  if (dataType === 'entity' || dataType === 'multi_entity') {
    const items: unknown[] = dataType === 'multi_entity' ? (Array.isArray(v) ? v : []) : v == null ? [] : [v];
    const name = (l: unknown) => (isLink(l) ? (access.nameOf(l.type, l.id) ?? '') : '');
    switch (relation) {
      case 'is':
        return first == null ? items.length === 0 : items.some((l) => sameLink(l, first));
      case 'is_not':
        return first == null ? items.length > 0 : !items.some((l) => sameLink(l, first));
      case 'in':
        return items.some((l) => values.some((x) => sameLink(l, x)));
      case 'not_in':
        return !items.some((l) => values.some((x) => sameLink(l, x)));
      case 'type_is':
        return items.some((l) => isLink(l) && l.type === first);
      case 'type_is_not':
        return !items.some((l) => isLink(l) && l.type === first);
      case 'name_is':
        return items.some((l) => name(l) === first);
      case 'name_contains':
        return items.some((l) => name(l).toLowerCase().includes(String(first).toLowerCase()));
      case 'name_not_contains':
        return !items.some((l) => name(l).toLowerCase().includes(String(first).toLowerCase()));
      case 'name_starts_with':
        return items.some((l) => name(l).toLowerCase().startsWith(String(first).toLowerCase()));
      case 'name_ends_with':
        return items.some((l) => name(l).toLowerCase().endsWith(String(first).toLowerCase()));
    }
    return false;
  }
  const eq = (a: unknown, b: unknown) => (dataType === 'date_time' ? a != null && b != null && toMs(a) === toMs(b) : (a ?? null) === (b ?? null));
  switch (relation) {
    case 'is':
      return eq(v, first);
    case 'is_not':
      return !eq(v, first);
    case 'in':
      return values.some((x) => eq(v, x));
    case 'not_in':
      return !values.some((x) => eq(v, x));
    case 'less_than':
      return v != null && compareScalar(dataType, v, first) < 0;
    case 'greater_than':
      return v != null && compareScalar(dataType, v, first) > 0;
    case 'between':
      return v != null && compareScalar(dataType, v, first) >= 0 && compareScalar(dataType, v, values[1]) <= 0;
    case 'not_between':
      return v == null || compareScalar(dataType, v, first) < 0 || compareScalar(dataType, v, values[1]) > 0;
    case 'contains':
      return typeof v === 'string' && v.toLowerCase().includes(String(first).toLowerCase());
    case 'not_contains':
      return !(typeof v === 'string' && v.toLowerCase().includes(String(first).toLowerCase()));
    case 'starts_with':
      return typeof v === 'string' && v.toLowerCase().startsWith(String(first).toLowerCase());
    case 'ends_with':
      return typeof v === 'string' && v.toLowerCase().endsWith(String(first).toLowerCase());
    case 'in_last':
    case 'not_in_last':
    case 'in_next':
    case 'not_in_next': {
      const span = Number(first) * (UNIT_MS[String(values[1] ?? 'DAY').toUpperCase()] ?? UNIT_MS.DAY!);
      const t = toMs(v);
      const now = access.now();
      const inside = relation.endsWith('last') ? t >= now - span && t <= now : t >= now && t <= now + span;
      return relation.startsWith('not_') ? !inside : Number.isFinite(t) && inside;
    }
    case 'in_calendar_day':
    case 'in_calendar_week':
    case 'in_calendar_month':
    case 'in_calendar_year':
      return calendarMatch(relation, v, Number(first ?? 0), access.now());
  }
  return false;
}

/** A compiled predicate over a row's data; paths are resolved once, not per row. */
export type RowPredicate = (data: Record<string, unknown>) => boolean;

export function compile(schema: Schema, type: string, g: Group, access: RowAccess): RowPredicate {
  const parts = g.conditions.map((c): RowPredicate => {
    if (isGroup(c)) return compile(schema, type, c, access);
    const path = resolvePath(schema, type, c.path);
    const dt = path.field.dataType;
    const negative = c.relation.startsWith('not_') || c.relation === 'is_not' || c.relation === 'type_is_not' || c.relation === 'name_not_contains';
    if (path.hops.length === 0) return (d) => matchValue(access, dt, c.relation, d[path.last], c.values);
    // Across a hop: a positive relation holds if any reached value matches; a negative one if all do.
    return (d) => {
      const vs = valuesAt(access, d, path);
      if (vs.length === 0) return matchValue(access, dt, c.relation, null, c.values);
      return negative
        ? vs.every((v) => matchValue(access, dt, c.relation, v, c.values))
        : vs.some((v) => matchValue(access, dt, c.relation, v, c.values));
    };
  });
  if (parts.length === 0) return () => true;
  return g.op === 'and' ? (d) => parts.every((p) => p(d)) : (d) => parts.some((p) => p(d));
}

/**
 * Bounds on `id` implied by top-level AND conditions, so the event log (sorted by id)
 * can be range-scanned instead of fully scanned; for `id in [...]` the exact ids
 * (ascending), which the store reads by one binary search each.
 */
export function idBounds(g: Group): { min: number; max: number; ids?: number[] } {
  let min = -Infinity;
  let max = Infinity;
  let ids: number[] | undefined;
  if (g.op !== 'and') return { min, max };
  for (const c of g.conditions) {
    if (isGroup(c) || c.path !== 'id') continue;
    const nums = c.values.map(Number).filter((n) => Number.isFinite(n));
    if (nums.length === 0) continue;
    switch (c.relation) {
      case 'greater_than':
        min = Math.max(min, nums[0]! + 1);
        break;
      case 'less_than':
        max = Math.min(max, nums[0]! - 1);
        break;
      case 'is':
        min = Math.max(min, nums[0]!);
        max = Math.min(max, nums[0]!);
        break;
      case 'in': {
        const set = new Set(nums);
        ids = ids ? ids.filter((id) => set.has(id)) : [...set].sort((a, b) => a - b);
        break;
      }
      case 'between':
        min = Math.max(min, Math.min(...nums));
        max = Math.min(max, Math.max(...nums));
        break;
    }
  }
  return ids ? { min, max, ids: ids.filter((id) => id >= min && id <= max) } : { min, max };
}

export interface SortKey {
  field: string;
  desc: boolean;
}

/** `"a,-b"` → keys; unknown or unsortable fields are dropped silently (docs/shotgrid-wire.md §1.3, §6.8). */
export function parseSort(schema: Schema, type: string, sort: unknown): SortKey[] {
  if (sort === undefined || sort === null || sort === '') return [];
  if (typeof sort !== 'string') throw invalid('sort array is not valid', { sort: ['must be a string'] });
  const keys: SortKey[] = [];
  for (const raw of sort.split(',')) {
    const s = raw.trim();
    if (!s) continue;
    const desc = s.startsWith('-');
    const field = desc ? s.slice(1) : s;
    const def = schema[type]?.fields[field];
    if (!def || def.dataType === 'serializable' || def.dataType === 'multi_entity' || def.dataType === 'image') continue;
    keys.push({ field, desc });
  }
  return keys;
}
