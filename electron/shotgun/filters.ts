// shotgun_api3 filters → the REST `_search` `filters` value and its Content-Type (§1.3, §3).
// A plain AND of triples goes out in the array form (smaller, and what the poller sends);
// anything with a group or an OR needs the hash form.

import { toIsoUtc } from './dates.js';
import type { Filter, FilterGroup, FilterTriple, HashCondition, OrderSpec } from './types.js';

export const ARRAY_FILTERS_CONTENT_TYPE = 'application/vnd+shotgun.api3_array+json';
export const HASH_FILTERS_CONTENT_TYPE = 'application/vnd+shotgun.api3_hash+json';

export type FilterOperator = 'all' | 'any' | 'and' | 'or';

/** A triple as REST takes it: exactly three items, values normalized. */
export type RestTriple = [string, string, unknown];

export interface SearchFilters {
  contentType: typeof ARRAY_FILTERS_CONTENT_TYPE | typeof HASH_FILTERS_CONTENT_TYPE;
  filters: RestTriple[] | HashCondition;
}

/** What `find` accepts: a list (implicitly AND-ed unless `filterOperator` says 'any'), or one group. */
export type FilterInput = ReadonlyArray<Filter | HashCondition> | FilterGroup | HashCondition;

const MULTI_VALUE = new Set(['in', 'not_in']);
const PAIR_VALUE = new Set(['between', 'not_between', 'in_last', 'not_in_last', 'in_next', 'not_in_next']);

export function logicalOperator(op: FilterOperator | undefined): 'and' | 'or' {
  if (op === undefined || op === 'all' || op === 'and') return 'and';
  if (op === 'any' || op === 'or') return 'or';
  throw new TypeError(`Unknown filter_operator ${JSON.stringify(op)}: use 'all'/'and' or 'any'/'or'`);
}

/** Builds the `_search` filters and the Content-Type that tells the server which form it is. */
export function buildSearchFilters(input: FilterInput, filterOperator?: FilterOperator): SearchFilters {
  if (!Array.isArray(input)) {
    // One group given on its own, e.g. {filter_operator:'any', filters:[...]}.
    return { contentType: HASH_FILTERS_CONTENT_TYPE, filters: toHashGroup(input as FilterGroup | HashCondition) };
  }
  const op = logicalOperator(filterOperator);
  let allTriples = op === 'and';
  for (const f of input) {
    if (!Array.isArray(f)) {
      allTriples = false;
      break;
    }
  }
  if (allTriples) {
    return { contentType: ARRAY_FILTERS_CONTENT_TYPE, filters: input.map((f) => normalizeTriple(f as FilterTriple)) };
  }
  return {
    contentType: HASH_FILTERS_CONTENT_TYPE,
    filters: { logical_operator: op, conditions: input.map(toCondition) },
  };
}

function toCondition(f: Filter | HashCondition): HashCondition['conditions'][number] {
  return Array.isArray(f) ? normalizeTriple(f) : toHashGroup(f);
}

function toHashGroup(group: FilterGroup | HashCondition): HashCondition {
  if (!group || typeof group !== 'object') throw new TypeError(`Invalid filter group: ${JSON.stringify(group)}`);
  if ('conditions' in group && Array.isArray(group.conditions)) {
    // Already in the REST hash form: normalize its triples all the same.
    return { logical_operator: logicalOperator(group.logical_operator), conditions: group.conditions.map(toCondition) };
  }
  const g = group as FilterGroup;
  if (!Array.isArray(g.filters)) {
    throw new TypeError(`A filter group needs {filter_operator, filters: [...]}; got ${JSON.stringify(group)}`);
  }
  return { logical_operator: logicalOperator(g.filter_operator), conditions: g.filters.map(toCondition) };
}

/**
 * `[field, relation, ...values]` → `[field, relation, value]`. Python lets `in` take a list or
 * trailing values and `between` take two values or a pair; REST wants one value slot.
 */
export function normalizeTriple(f: FilterTriple): RestTriple {
  if (f.length < 3 || typeof f[0] !== 'string' || typeof f[1] !== 'string') {
    throw new TypeError(`A filter is [field, relation, value]; got ${safeJson(f)}`);
  }
  const field = f[0];
  const relation = f[1];
  const rest = f.slice(2);
  let value: unknown;
  if (MULTI_VALUE.has(relation)) {
    value = rest.length === 1 && Array.isArray(rest[0]) ? rest[0] : rest;
  } else if (PAIR_VALUE.has(relation)) {
    if (rest.length === 1 && Array.isArray(rest[0])) value = rest[0];
    else value = rest;
    if ((value as unknown[]).length !== 2) {
      throw new TypeError(`'${relation}' takes two values; got ${safeJson(f)}`);
    }
  } else {
    value = rest.length === 1 ? rest[0] : rest;
  }
  return [field, relation, normalizeValue(value)];
}

/** Entities reduce to {type, id}; Dates become ISO UTC; arrays are mapped. */
export function normalizeValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return toIsoUtc(value);
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (isEntityLike(value)) return { type: value.type, id: value.id };
  return value;
}

export function isEntityLike(value: unknown): value is { type: string; id: number } {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { type?: unknown }).type === 'string' &&
    typeof (value as { id?: unknown }).id === 'number'
  );
}

/** shotgun_api3 `order` → REST `sort` string ("a,-b"); undefined when there is nothing to sort by. */
export function buildSort(order: ReadonlyArray<OrderSpec> | undefined): string | undefined {
  if (!order || order.length === 0) return undefined;
  const parts: string[] = [];
  for (const o of order) {
    const name = o.field_name ?? o.column;
    if (!name) throw new TypeError(`An order entry needs field_name (or column); got ${safeJson(o)}`);
    parts.push(o.direction === 'desc' ? `-${name}` : name);
  }
  return parts.join(',');
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
