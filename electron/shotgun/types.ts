// The shotgun_api3-shaped values every layer shares: the client returns them, the
// sandbox stores them, the engine and plugins consume them. Flat records, links as
// {type, id, name}, date-times as ISO 8601 UTC strings ("2021-06-15T09:06:18Z").

/** A link to another entity, as shotgun_api3 returns it. */
export interface Entity {
  type: string;
  id: number;
  name?: string | null;
  [extra: string]: unknown;
}

/** A flat record: `type`, `id` and the requested fields. */
export interface EntityRecord {
  type: string;
  id: number;
  [field: string]: unknown;
}

/** The fields an event poller reads (shotgunEventDaemon `_getNewEvents`). */
export const EVENT_FIELDS = ['id', 'event_type', 'attribute_name', 'meta', 'entity', 'user', 'project', 'session_uuid', 'created_at'] as const;

/** Events are read in id order. */
export const EVENT_ORDER = [{ field_name: 'id', direction: 'asc' as const }];

export interface EventLogEntry {
  type?: 'EventLogEntry';
  id: number;
  event_type: string;
  attribute_name: string | null;
  meta: Record<string, unknown> | null;
  /** null when the target is retired (as of read time). */
  entity: Entity | null;
  user: Entity | null;
  project: Entity | null;
  session_uuid: string | null;
  /** ISO 8601 UTC, e.g. "2026-01-02T03:04:05Z". */
  created_at: string;
  [field: string]: unknown;
}

/** The filter relations of shotgun_api3 (docs/shotgrid-wire.md §3). */
export type Relation =
  | 'is'
  | 'is_not'
  | 'less_than'
  | 'greater_than'
  | 'contains'
  | 'not_contains'
  | 'starts_with'
  | 'ends_with'
  | 'between'
  | 'not_between'
  | 'in_last'
  | 'not_in_last'
  | 'in_next'
  | 'not_in_next'
  | 'in'
  | 'not_in'
  | 'type_is'
  | 'type_is_not'
  | 'in_calendar_day'
  | 'in_calendar_week'
  | 'in_calendar_month'
  | 'in_calendar_year'
  | 'name_contains'
  | 'name_not_contains'
  | 'name_starts_with'
  | 'name_ends_with'
  | 'name_is';

/** `[field, relation, value]` or `[field, relation, v1, v2]` (between), as in Python. */
// `string & {}` keeps editor completion for the known relations while accepting any string.
export type FilterTriple = [string, Relation | (string & {}), ...unknown[]];

/** `{filter_operator: 'any'|'all', filters: [...]}`, a nested group as in Python. */
export interface FilterGroup {
  filter_operator: 'any' | 'all' | 'or' | 'and';
  filters: Filter[];
}

export type Filter = FilterTriple | FilterGroup;

/** shotgun_api3 order entry: `{field_name|column, direction}`. */
export interface OrderSpec {
  field_name?: string;
  column?: string;
  direction?: 'asc' | 'desc';
}

/** Conditions in the REST `_search` hash form (application/vnd+shotgun.api3_hash+json). */
export interface HashCondition {
  logical_operator: 'and' | 'or';
  conditions: Array<[string, string, unknown] | HashCondition>;
}

/** One ShotGrid error object, as in the REST `errors[]` array. */
export interface ShotgunErrorObject {
  id?: string | null;
  status: number;
  code?: number | null;
  title: string;
  detail?: string | null;
  source?: unknown;
  meta?: unknown;
}
