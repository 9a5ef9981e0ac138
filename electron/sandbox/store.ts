// The sandbox's in-memory site: entity tables, the EventLogEntry stream every write
// makes (docs/shotgrid-wire.md §2.3), retirement/revival, and the commit-order faults a poller must
// survive (§6.1). Transport-free: the REST and api3 layers both call into this.

import { randomUUID } from 'node:crypto';
import { invalid, missingRecord, SandboxError, unknownType } from './errors.js';
import {
  compile,
  idBounds,
  resolvePath,
  validateFilters,
  type Group,
  type RowAccess,
  type SortKey,
} from './query.js';
import { defaultSchema, pluralSnake, type EntityDef, type FieldDef, type Schema } from './schema.js';

export interface Actor {
  type: 'ApiUser' | 'HumanUser';
  id: number;
  /** Set on web-UI sessions; null for scripts (docs/shotgrid-wire.md §2.1). */
  sessionUuid?: string | null;
  /** Who really authenticated when acting via `sudo_as_login` (events carry it as meta.sudo_actual_user, §2.3). */
  sudoActual?: { type: 'ApiUser' | 'HumanUser'; id: number };
}

export interface Row {
  type: string;
  id: number;
  retired: boolean;
  data: Record<string, unknown>;
  /** EventLogEntry rows only: epoch ms at which the row's transaction commits. */
  visibleAt?: number;
}

export interface FindQuery {
  filters: Group;
  /** null or ['*'] = every field. */
  fields?: string[] | null;
  sort?: SortKey[];
  page?: { size: number; number: number };
  returnOnly?: 'active' | 'retired';
  includeArchivedProjects?: boolean;
}

export type Link = { type: string; id: number };
export type MultiEntityMode = 'set' | 'add' | 'remove';

/** Knobs that shape when event rows become visible (docs/shotgrid-wire.md §6.1). */
export interface EventFaults {
  /** Hold the next N writes' events uncommitted for holdMs (a gap that fills). */
  holdWrites: number;
  holdMs: number;
  /** Hold every Nth write (0 = off), or each write with this probability, for delayMs. */
  delayEvery: number;
  delayProbability: number;
  delayMs: number;
  /** Burn gapSize ids before every Nth write (0 = off): gaps that never fill. */
  gapEvery: number;
  gapSize: number;
  /** Burn this many ids before the next write, once. */
  skipIds: number;
}

export const noEventFaults = (): EventFaults => ({
  holdWrites: 0,
  holdMs: 0,
  delayEvery: 0,
  delayProbability: 0,
  delayMs: 0,
  gapEvery: 0,
  gapSize: 0,
  skipIds: 0,
});

const SYSTEM_FIELDS = new Set(['id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'cached_display_name']);

const isLink = (v: unknown): v is Link =>
  v !== null && typeof v === 'object' && typeof (v as Link).type === 'string' && typeof (v as Link).id === 'number';

/** ISO 8601 UTC at second resolution, the form REST reads return. */
export const isoSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** "2021-06-16 08:55:00 UTC": write responses and meta dates (docs/shotgrid-wire.md §1.4, §2.3). */
export const utcSpaced = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export class SandboxStore implements RowAccess {
  readonly schema: Schema;
  private tables = new Map<string, Map<number, Row>>();
  /** EventLogEntry rows in id order (ids are handed out monotonically). */
  private log: Row[] = [];
  private nextIds = new Map<string, number>();
  private nextEventId = 1;
  private writes = 0;
  /** Bumped by every write, so persistence knows when to save. */
  mutations = 0;
  eventFaults: EventFaults = noEventFaults();
  readonly clock: () => number;
  /** Called with each write's new event rows (the CLI prints them; tests count them). */
  onEvents: ((rows: Row[]) => void) | null = null;
  private byPlural = new Map<string, string>();
  private undo: Array<() => void> | null = null;

  constructor(opts: { schema?: Schema; clock?: () => number } = {}) {
    this.schema = opts.schema ?? defaultSchema();
    this.clock = opts.clock ?? Date.now;
    for (const type of Object.keys(this.schema)) {
      this.tables.set(type, new Map());
      this.byPlural.set(pluralSnake(type), type);
    }
  }

  now(): number {
    return this.clock();
  }

  /** CamelCase or plural snake_case → the schema's type name. */
  typeFromPath(segment: string): string {
    if (this.schema[segment]) return segment;
    const t = this.byPlural.get(segment);
    if (!t) throw unknownType(segment);
    return t;
  }

  entityDef(type: string): EntityDef {
    const def = this.schema[type];
    if (!def) throw unknownType(type);
    return def;
  }

  get(type: string, id: number): Row | undefined {
    return this.tables.get(type)?.get(id);
  }

  nameOf(type: string, id: number): string | null {
    const row = this.get(type, id);
    if (!row) return null;
    const v = row.data[this.schema[type]!.displayField];
    return v == null ? null : String(v);
  }

  /** All rows of a type (tests and the traffic generator). */
  rows(type: string): Row[] {
    const t = this.tables.get(type);
    if (!t) throw unknownType(type);
    return [...t.values()];
  }

  get eventCount(): number {
    return this.log.length;
  }

  get lastEventId(): number {
    return this.nextEventId - 1;
  }

  // ---------------------------------------------------------------- reads

  private linkOut(l: unknown): Record<string, unknown> | null {
    if (!isLink(l)) return null;
    const row = this.get(l.type, l.id);
    // Links to retired rows read as null, which is how an event's `entity` goes null
    // once its target is retired (docs/shotgrid-wire.md §2.1, §6.2).
    if (!row || row.retired) return null;
    return { type: l.type, id: l.id, name: this.nameOf(l.type, l.id) };
  }

  private valueOut(def: FieldDef | undefined, v: unknown, row: Row, field: string): unknown {
    if (def?.backOf) return this.backRefs(row, def.backOf);
    if (v === undefined) return null;
    if (def?.dataType === 'entity') return this.linkOut(v);
    if (def?.dataType === 'multi_entity') {
      return Array.isArray(v) ? v.map((l) => this.linkOut(l)).filter((l) => l !== null) : [];
    }
    if (field === 'cached_display_name') return this.nameOf(row.type, row.id);
    return v;
  }

  private backRefs(row: Row, back: { type: string; field: string }): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const other of this.tables.get(back.type)!.values()) {
      const l = other.data[back.field];
      if (!other.retired && isLink(l) && l.type === row.type && l.id === row.id) {
        out.push({ type: other.type, id: other.id, name: this.nameOf(other.type, other.id) });
      }
    }
    return out;
  }

  /** Deep (dotted) field values, e.g. `entity.Shot.code`, returned flat under that key. */
  private deepOut(row: Row, path: string): unknown {
    const parts = path.split('.');
    let current: Row | undefined = row;
    while (parts.length > 1 && current) {
      const [name, target] = [parts.shift()!, parts.shift()!];
      const l: unknown = current.data[name];
      current = isLink(l) && l.type === target ? this.get(target, l.id) : undefined;
      if (current?.retired) current = undefined;
    }
    if (!current) return null;
    const last = parts[0]!;
    return this.valueOut(this.schema[current.type]!.fields[last], current.data[last], current, last);
  }

  private pathCache = new Map<string, boolean>();

  /** Whether `entity.Shot.code` names real fields, hop by hop, from `type`. */
  private validPath(type: string, path: string): boolean {
    const key = `${type}:${path}`;
    let ok = this.pathCache.get(key);
    if (ok === undefined) {
      try {
        resolvePath(this.schema, type, path);
        ok = true;
      } catch {
        ok = false;
      }
      this.pathCache.set(key, ok);
    }
    return ok;
  }

  /** The flat shotgun_api3 shape: `{type, id, ...fields}`. Unknown requested fields are dropped. */
  output(row: Row, fields?: string[] | null): Record<string, unknown> {
    const def = this.schema[row.type]!;
    const out: Record<string, unknown> = { type: row.type, id: row.id };
    const names = !fields || fields.length === 0 || fields.includes('*') ? Object.keys(def.fields) : fields;
    for (const name of names) {
      if (name === 'id' || name === 'type') continue;
      if (name.includes('.')) {
        // An unknown name is dropped, dotted or not (docs/shotgrid-wire.md §1.3); a valid path through an empty link is null.
        if (this.validPath(row.type, name)) out[name] = this.deepOut(row, name);
        continue;
      }
      const fd = def.fields[name];
      if (!fd) continue;
      out[name] = this.valueOut(fd, row.data[name], row, name);
    }
    return out;
  }

  read(type: string, id: number, fields?: string[] | null, returnOnly: 'active' | 'retired' = 'active'): Record<string, unknown> | null {
    this.entityDef(type);
    const row = this.get(type, id);
    if (!row || row.retired !== (returnOnly === 'retired') || (row.visibleAt ?? 0) > this.now()) return null;
    return this.output(row, fields);
  }

  /** Rows matching a query, before paging and projection. */
  private select(type: string, q: FindQuery): Row[] {
    this.entityDef(type);
    validateFilters(this.schema, type, q.filters);
    const pred = compile(this.schema, type, q.filters, this);
    const wantRetired = q.returnOnly === 'retired';
    const sort = q.sort ?? [];
    const idOrder = sort.length === 0 || (sort.length === 1 && sort[0]!.field === 'id' && !sort[0]!.desc);
    const page = q.page ?? { size: 500, number: 1 };
    // Enough rows for the requested page when the natural (id) order is the answer's order.
    const need = idOrder ? page.size * page.number : Infinity;
    const now = this.now();
    const out: Row[] = [];
    const archivedProjects = q.includeArchivedProjects === false ? this.archivedProjectIds() : null;
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
          const row = this.log[this.lowerBound(id)];
          if (row?.id === id && consider(row)) break;
        }
      } else {
        for (let i = this.lowerBound(min); i < this.log.length; i++) {
          const row = this.log[i]!;
          if (row.id > max) break;
          if (consider(row)) break;
        }
      }
    } else {
      for (const row of this.tables.get(type)!.values()) if (consider(row)) break;
    }
    if (!idOrder) this.sortRows(type, out, sort);
    return out;
  }

  private archivedProjectIds(): Set<number> {
    const s = new Set<number>();
    for (const p of this.tables.get('Project')!.values()) if (p.data.archived === true) s.add(p.id);
    return s;
  }

  private lowerBound(min: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.log[mid]!.id < min) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private sortRows(type: string, rows: Row[], sort: SortKey[]): void {
    const def = this.schema[type]!;
    const key = (row: Row, field: string): unknown => {
      const v = field === 'id' ? row.id : row.data[field];
      if (def.fields[field]?.dataType === 'entity') return isLink(v) ? (this.nameOf(v.type, v.id) ?? '') : null;
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

  find(type: string, q: FindQuery): Array<Record<string, unknown>> {
    const rows = this.select(type, q);
    const page = q.page ?? { size: 500, number: 1 };
    const start = page.size * (page.number - 1);
    return rows.slice(start, start + page.size).map((r) => this.output(r, q.fields));
  }

  count(type: string, filters: Group): number {
    return this.select(type, { filters, page: { size: Number.MAX_SAFE_INTEGER, number: 1 } }).length;
  }

  /** `_summarize`: count, sum, min, max, average, record_count, count_distinct... grouped by exact values. */
  summarize(
    type: string,
    filters: Group,
    summaryFields: Array<{ field: string; type: string }>,
    grouping?: Array<{ field: string; type?: string; direction?: 'asc' | 'desc' }>,
  ): { summaries: Record<string, unknown>; groups: unknown[] } {
    const rows = this.select(type, { filters, page: { size: Number.MAX_SAFE_INTEGER, number: 1 } });
    const def = this.entityDef(type);
    for (const s of summaryFields) {
      if (!def.fields[s.field]) throw invalid(`API summarize() ${type}.${s.field} doesn't exist.`);
    }
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
        const value = isLink(raw) ? this.linkOut(raw) : (raw ?? null);
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

  // ---------------------------------------------------------------- writes

  /** Runs `fn` all-or-nothing: `_batch` is transactional (docs/shotgrid-wire.md §1.3). */
  transaction<T>(fn: () => T): T {
    if (this.undo) return fn();
    this.undo = [];
    try {
      const result = fn();
      this.undo = null;
      return result;
    } catch (e) {
      const undo = this.undo ?? [];
      this.undo = null;
      for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
      throw e;
    }
  }

  private coerce(type: string, name: string, value: unknown, method: string): unknown {
    const def = this.schema[type]!.fields[name];
    if (!def) throw invalid(`API ${method}() ${type}.${name} doesn't exist.`, { [name]: 'does not exist' });
    if (def.editable === false && !(type === 'EventLogEntry' && method === 'create')) {
      throw invalid(`API ${method}() ${type}.${name} is not editable.`, { [name]: 'is not editable' });
    }
    const bad = (what: string) =>
      invalid(`API ${method}() ${type}.${name} expected ${what}, got ${JSON.stringify(value)}.`, { [name]: `expected ${what}` });
    if (value === null) return def.dataType === 'multi_entity' ? [] : null;
    switch (def.dataType) {
      case 'number':
      case 'duration':
      case 'timecode':
        if (typeof value !== 'number' || !Number.isInteger(value)) throw bad('an integer');
        return value;
      case 'float':
      case 'percent':
      case 'currency':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('a number');
        return value;
      case 'text':
      case 'url':
      case 'color':
      case 'password':
        if (typeof value !== 'string') throw bad('a string');
        return value;
      case 'uuid':
        if (typeof value !== 'string') throw bad('a uuid string');
        return value;
      case 'checkbox':
        if (typeof value !== 'boolean') throw bad('true or false');
        return value;
      case 'list':
      case 'status_list':
        if (typeof value !== 'string') throw bad('a string');
        if (def.validValues && !def.validValues.includes(value)) {
          throw invalid(
            `API ${method}() ${type}.${name}: '${value}' is not a valid value. Valid values are: ${def.validValues.join(', ')}.`,
            { [name]: { valid_values: def.validValues } },
          );
        }
        return value;
      case 'date':
        if (typeof value !== 'string' || !DATE_RE.test(value)) throw bad("a date 'YYYY-MM-DD'");
        return value;
      case 'date_time': {
        const ms =
          typeof value === 'string'
            ? Date.parse(value.endsWith(' UTC') ? `${value.slice(0, -4).replace(' ', 'T')}Z` : value)
            : NaN;
        if (!Number.isFinite(ms)) throw bad('an ISO 8601 date-time');
        return isoSeconds(ms);
      }
      case 'entity':
        return this.coerceLink(type, name, def, value, method);
      case 'multi_entity':
        if (!Array.isArray(value)) throw bad('a list of entities');
        return value.map((v) => this.coerceLink(type, name, def, v, method));
      case 'serializable':
        return value;
      case 'image':
        throw invalid(`API ${method}() ${type}.${name} is not editable.`);
    }
  }

  private coerceLink(type: string, name: string, def: FieldDef, value: unknown, method: string): Link {
    if (!isLink(value)) {
      throw invalid(`API ${method}() ${type}.${name} expected an entity hash {type, id}, got ${JSON.stringify(value)}.`);
    }
    if (def.validTypes && !def.validTypes.includes(value.type)) {
      throw invalid(
        `API ${method}() ${type}.${name}: entity type '${value.type}' is not valid. Valid types are: ${def.validTypes.join(', ')}.`,
      );
    }
    const target = this.get(value.type, value.id);
    if (!target || target.retired) {
      throw invalid(`API ${method}() ${type}.${name}: ${value.type} ${value.id} does not exist.`);
    }
    return { type: value.type, id: value.id };
  }

  private actorLink(actor: Actor): Link {
    return { type: actor.type, id: actor.id };
  }

  /** Whether this actor's writes make EventLogEntry rows (ApiUser checkbox, docs/shotgrid-wire.md §6.3). */
  generatesEvents(actor: Actor): boolean {
    if (actor.type === 'HumanUser') return true;
    return this.get('ApiUser', actor.id)?.data.generate_event_log_entries === true;
  }

  create(type: string, data: Record<string, unknown>, actor: Actor): Row {
    const def = this.entityDef(type);
    if (type === 'EventLogEntry') return this.createCustomEvent(data, actor);
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw invalid('API create() expects an object of field values.');
    const values: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(data)) {
      // suppress_email_notif: ShotGrid's write-only Note option (no e-mail); the sandbox sends none anyway.
      if (name === 'type' || (type === 'Note' && name === 'suppress_email_notif')) continue;
      values[name] = this.coerce(type, name, v, 'create');
    }
    if (def.projectRequired && !isLink(values.project)) throw invalid(`API create() missing 'project' attribute`, { project: 'is required' });
    const now = isoSeconds(this.now());
    const id = this.nextIds.get(type) ?? 1;
    this.nextIds.set(type, id + 1);
    const defaults: Record<string, unknown> = {};
    for (const [name, fd] of Object.entries(def.fields)) {
      if (fd.default !== undefined && !(name in values)) defaults[name] = fd.default;
    }
    const row: Row = {
      type,
      id,
      retired: false,
      data: {
        ...defaults,
        ...values,
        id,
        created_at: now,
        updated_at: now,
        created_by: this.actorLink(actor),
        updated_by: this.actorLink(actor),
      },
    };
    const table = this.tables.get(type)!;
    table.set(id, row);
    this.mutations++;
    this.undo?.push(() => table.delete(id));

    this.writeEvents(actor, () => {
      const rows = [this.eventRow(actor, row, 'New', null, { type: 'new_entity', entity_type: type, entity_id: id })];
      // One in_create _Change per populated field, server defaults included (docs/shotgrid-wire.md §2.3).
      for (const [name, v] of Object.entries({ ...defaults, ...values })) {
        if (SYSTEM_FIELDS.has(name) || v === null || (Array.isArray(v) && v.length === 0)) continue;
        rows.push(...this.changeRows(actor, row, name, null, v, true));
      }
      return rows;
    });
    return row;
  }

  update(type: string, id: number, data: Record<string, unknown>, actor: Actor, modes: Record<string, MultiEntityMode> = {}): Row {
    const def = this.entityDef(type);
    if (type === 'EventLogEntry') {
      throw new SandboxError(400, 104, 'Entity of type EventLogEntry can not be updated by this user. Rule: API Admin -- PermissionRule 306');
    }
    const row = this.get(type, id);
    if (!row || row.retired) throw missingRecord(type, id);
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw invalid('API update() expects an object of field values.');
    const changes: Array<[string, unknown, unknown]> = [];
    for (const [name, raw] of Object.entries(data)) {
      if (name === 'type' || name === 'id') continue;
      let value = raw;
      let mode = modes[name] ?? 'set';
      // REST takes the mode in the body: {"field": {"multi_entity_update_mode": "add", "value": [...]}}.
      if (def.fields[name]?.dataType === 'multi_entity' && raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
        const m = raw as { multi_entity_update_mode?: unknown; value?: unknown };
        if (m.multi_entity_update_mode !== 'set' && m.multi_entity_update_mode !== 'add' && m.multi_entity_update_mode !== 'remove') {
          throw invalid(`API update() ${type}.${name}: multi_entity_update_mode must be set, add or remove.`);
        }
        mode = m.multi_entity_update_mode;
        value = m.value;
      }
      let v = this.coerce(type, name, value, 'update');
      const old = row.data[name] ?? (def.fields[name]!.dataType === 'multi_entity' ? [] : null);
      if (def.fields[name]!.dataType === 'multi_entity' && mode !== 'set') {
        const cur = (old as Link[]).slice();
        const incoming = v as Link[];
        v =
          mode === 'add'
            ? [...cur, ...incoming.filter((l) => !cur.some((c) => c.type === l.type && c.id === l.id))]
            : cur.filter((c) => !incoming.some((l) => c.type === l.type && c.id === l.id));
      }
      if (JSON.stringify(old) === JSON.stringify(v)) continue;
      changes.push([name, old, v]);
    }
    if (changes.length === 0) return row;
    this.mutations++;
    const before = { ...row.data };
    for (const [name, , v] of changes) row.data[name] = v;
    row.data.updated_at = isoSeconds(this.now());
    row.data.updated_by = this.actorLink(actor);
    this.undo?.push(() => {
      row.data = before;
    });
    this.writeEvents(actor, () => changes.flatMap(([name, old, v]) => this.changeRows(actor, row, name, old, v, false)));
    return row;
  }

  retire(type: string, id: number, actor: Actor): void {
    this.entityDef(type);
    if (type === 'EventLogEntry') {
      throw new SandboxError(400, 104, 'Entity of type EventLogEntry can not be deleted by this user. Rule: API Admin -- PermissionRule 297');
    }
    const row = this.get(type, id);
    if (!row || row.retired) throw missingRecord(type, id);
    const displayName = this.nameOf(type, id);
    const when = utcSpaced(isoSeconds(this.now()));
    // The retirement_date _Change row is written while the row is still live, so it
    // carries the entity link until the retirement below nulls it at read time.
    this.writeEvents(actor, () => [
      this.eventRow(actor, row, 'Change', 'retirement_date', {
        type: 'attribute_change',
        attribute_name: 'retirement_date',
        entity_type: type,
        entity_id: id,
        field_data_type: 'date_time',
        old_value: null,
        new_value: when,
      }),
      this.eventRow(actor, row, 'Retirement', null, {
        type: 'entity_retirement',
        entity_type: type,
        entity_id: id,
        id,
        class_name: type,
        display_name: displayName,
        retirement_date: when,
      }),
    ]);
    row.retired = true;
    this.mutations++;
    this.undo?.push(() => {
      row.retired = false;
    });
  }

  revive(type: string, id: number, actor: Actor): boolean {
    this.entityDef(type);
    const row = this.get(type, id);
    if (!row) throw missingRecord(type, id);
    if (!row.retired) return false;
    row.retired = false;
    this.mutations++;
    this.undo?.push(() => {
      row.retired = true;
    });
    // A revival's meta has no `type` key (docs/shotgrid-wire.md §2.3, SGC 2015 dump).
    this.writeEvents(actor, () => [
      this.eventRow(actor, row, 'Revival', null, {
        class_name: type,
        display_name: this.nameOf(type, id),
        entity_id: id,
        entity_type: type,
        id,
      }),
    ]);
    return true;
  }

  // ---------------------------------------------------------------- events

  private fieldLabel(type: string, name: string): string {
    return this.schema[type]?.fields[name]?.label ?? name;
  }

  private actorName(actor: Actor): string {
    const n = this.nameOf(actor.type, actor.id) ?? `#${actor.id}`;
    return actor.type === 'ApiUser' ? `Script ${n}` : n;
  }

  private eventRow(actor: Actor, target: Row, action: string, attribute: string | null, meta: Record<string, unknown>): Row {
    const project = target.type === 'Project' ? null : isLink(target.data.project) ? target.data.project : null;
    const name = this.nameOf(target.type, target.id) ?? `#${target.id}`;
    const who = this.actorName(actor);
    const description =
      action === 'New'
        ? `${who} created new ${target.type} ${name}`
        : action === 'Retirement'
          ? `${who} retired ${target.type} ${name}`
          : action === 'Revival'
            ? `${who} revived ${target.type} ${name}`
            : `${who} changed "${this.fieldLabel(target.type, attribute ?? '')}" on ${target.type} ${name}`;
    if (actor.sudoActual) {
      // sudo_as_login: the row shows the impersonated user; meta names who really acted (§2.3).
      meta = { ...meta, sudo_actual_user: { type: actor.sudoActual.type, id: actor.sudoActual.id, name: this.nameOf(actor.sudoActual.type, actor.sudoActual.id) } };
    }
    return {
      type: 'EventLogEntry',
      id: 0,
      retired: false,
      data: {
        event_type: `Shotgun_${target.type}_${action}`,
        attribute_name: attribute,
        meta,
        entity: { type: target.type, id: target.id },
        project,
        user: this.actorLink(actor),
        session_uuid: actor.sessionUuid ?? null,
        created_at: isoSeconds(this.now()),
        description,
      },
    };
  }

  private changeRows(actor: Actor, row: Row, name: string, old: unknown, v: unknown, inCreate: boolean): Row[] {
    const fd = this.schema[row.type]!.fields[name]!;
    const base: Record<string, unknown> = {
      type: 'attribute_change',
      attribute_name: name,
      entity_type: row.type,
      entity_id: row.id,
      field_data_type: fd.dataType,
    };
    const metaLink = (l: Link) => ({ ...this.linkOut(l), valid: 'valid' });
    let meta: Record<string, unknown>;
    if (fd.dataType === 'multi_entity') {
      // Multi-entity changes carry added/removed, no old/new values (docs/shotgrid-wire.md §2.3).
      const before = (old as Link[] | null) ?? [];
      const after = (v as Link[] | null) ?? [];
      const has = (list: Link[], l: Link) => list.some((x) => x.type === l.type && x.id === l.id);
      meta = {
        ...base,
        added: after.filter((l) => !has(before, l)).map(metaLink),
        removed: before.filter((l) => !has(after, l)).map(metaLink),
      };
    } else {
      const show = (x: unknown) => (isLink(x) ? this.linkOut(x) : fd.dataType === 'date_time' && typeof x === 'string' ? utcSpaced(x) : x);
      meta = { ...base, old_value: show(old), new_value: show(v) };
    }
    if (inCreate) meta.in_create = true;
    const rows = [this.eventRow(actor, row, 'Change', name, meta)];
    // The other side of a linked field changes too: Task.entity → Shot.tasks (docs/shotgrid-wire.md §2.3).
    if (fd.inverse) {
      for (const [l, added] of [
        [old, false],
        [v, true],
      ] as const) {
        if (!isLink(l)) continue;
        const backField = fd.inverse[l.type];
        const other = backField ? this.get(l.type, l.id) : undefined;
        if (!backField || !other) continue;
        rows.push(
          this.eventRow(actor, other, 'Change', backField, {
            type: 'attribute_change',
            attribute_name: backField,
            entity_type: other.type,
            entity_id: other.id,
            field_data_type: 'multi_entity',
            added: added ? [metaLink({ type: row.type, id: row.id })] : [],
            removed: added ? [] : [metaLink({ type: row.type, id: row.id })],
            actual_attribute_changed: `${row.type}.${name}`,
          }),
        );
      }
    }
    return rows;
  }

  /** Assigns ids and commit times to one write's events, applying the commit faults. */
  private writeEvents(actor: Actor, build: () => Row[]): void {
    if (!this.generatesEvents(actor)) return;
    const rows = build();
    if (rows.length === 0) return;
    const f = this.eventFaults;
    this.writes++;
    if (f.skipIds > 0) {
      this.nextEventId += f.skipIds;
      f.skipIds = 0;
    }
    if (f.gapEvery > 0 && this.writes % f.gapEvery === 0) this.nextEventId += Math.max(1, f.gapSize);
    const now = this.now();
    let visibleAt: number | undefined;
    if (f.holdWrites > 0) {
      f.holdWrites--;
      visibleAt = now + f.holdMs;
    } else if ((f.delayEvery > 0 && this.writes % f.delayEvery === 0) || (f.delayProbability > 0 && Math.random() < f.delayProbability)) {
      visibleAt = now + f.delayMs;
    }
    const firstId = this.nextEventId;
    let forwardId = 0;
    for (const r of rows) {
      r.id = this.nextEventId++;
      r.data.id = r.id;
      if (visibleAt !== undefined) r.visibleAt = visibleAt;
      const meta = r.data.meta as Record<string, unknown>;
      if (meta.actual_attribute_changed) meta.original_event_log_entry_id = forwardId;
      else forwardId = r.id;
      this.appendLog(r);
    }
    this.undo?.push(() => {
      // A rolled-back transaction burns its ids: the gap never fills, as on a real site.
      this.log = this.log.filter((r) => r.id < firstId);
      for (const r of rows) this.tables.get('EventLogEntry')!.delete(r.id);
    });
    this.onEvents?.(rows);
  }

  private appendLog(r: Row): void {
    this.log.push(r);
    this.tables.get('EventLogEntry')!.set(r.id, r);
  }

  /** Scripts may create custom EventLogEntry rows (docs/shotgrid-wire.md §2.1). */
  private createCustomEvent(data: Record<string, unknown>, actor: Actor): Row {
    const values: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(data ?? {})) {
      if (name === 'type' || name === 'id') continue;
      values[name] = this.coerce('EventLogEntry', name, v, 'create');
    }
    if (typeof values.event_type !== 'string' || !values.event_type) {
      throw invalid("API create() missing 'event_type' attribute", { event_type: 'is required' });
    }
    const row: Row = {
      type: 'EventLogEntry',
      id: this.nextEventId++,
      retired: false,
      data: {
        attribute_name: null,
        meta: null,
        entity: null,
        project: null,
        user: this.actorLink(actor),
        session_uuid: actor.sessionUuid ?? null,
        created_at: isoSeconds(this.now()),
        description: null,
        ...values,
      },
    };
    row.data.id = row.id;
    this.appendLog(row);
    this.mutations++;
    this.undo?.push(() => {
      this.log = this.log.filter((r) => r !== row);
      this.tables.get('EventLogEntry')!.delete(row.id);
    });
    this.onEvents?.([row]);
    return row;
  }

  // ---------------------------------------------------------------- persistence

  toJSON(): unknown {
    const tables: Record<string, Row[]> = {};
    for (const [type, t] of this.tables) if (type !== 'EventLogEntry') tables[type] = [...t.values()];
    return {
      version: 1,
      nextIds: Object.fromEntries(this.nextIds),
      nextEventId: this.nextEventId,
      tables,
      log: this.log,
    };
  }

  load(json: unknown): void {
    const j = json as {
      version?: number;
      nextIds: Record<string, number>;
      nextEventId: number;
      tables: Record<string, Row[]>;
      log: Row[];
    };
    if (!j || j.version !== 1 || !Array.isArray(j.log) || typeof j.tables !== 'object') {
      throw new Error('not a sandbox state file (expected {"version": 1, ...})');
    }
    this.nextIds = new Map(Object.entries(j.nextIds));
    this.nextEventId = j.nextEventId;
    for (const [type, rows] of Object.entries(j.tables)) {
      const t = this.tables.get(type);
      if (!t) continue;
      t.clear();
      for (const r of rows) t.set(r.id, r);
    }
    const events = this.tables.get('EventLogEntry')!;
    events.clear();
    this.log = j.log;
    for (const r of this.log) events.set(r.id, r);
  }

  /** A fresh session UUID, as a web UI session would carry. */
  static sessionUuid(): string {
    return randomUUID();
  }
}
