// The sandbox's in-memory site: entity tables, the EventLogEntry stream every write
// makes (docs/shotgrid-wire.md §2.3), retirement/revival, and the commit-order faults a poller must
// survive (§6.1). Transport-free: the REST and api3 layers both call into this.

import { randomUUID } from 'node:crypto';
import { invalid, missingRecord, SandboxError, unknownType } from './errors.js';
import type { Group, RowAccess } from './query.js';
import { defaultSchema, pluralSnake, type EntityDef, type Schema } from './schema.js';
import { FieldCoercer } from './store-coerce.js';
import { EventRows } from './store-event-rows.js';
import { RowOutput } from './store-output.js';
import { fillTables, parseState, toState } from './store-persist.js';
import { selectRows } from './store-select.js';
import { summarizeRows } from './store-summarize.js';
import {
  actorLink,
  isLink,
  isoSeconds,
  noEventFaults,
  SYSTEM_FIELDS,
  utcSpaced,
  type Actor,
  type EventFaults,
  type FindQuery,
  type Link,
  type MultiEntityMode,
  type Row,
  type StoreView,
} from './store-types.js';

// The sandbox's REST, api3, seed and traffic modules import these with the store.
export { utcSpaced } from './store-types.js';
export type { Actor, FindQuery, Link, MultiEntityMode, Row } from './store-types.js';

export class SandboxStore implements RowAccess, StoreView {
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
  private readonly out = new RowOutput(this);
  private readonly coercer = new FieldCoercer(this);
  private readonly eventRows = new EventRows(this, this.out);

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

  values(type: string): Iterable<Row> {
    return this.tables.get(type)!.values();
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

  /** The flat shotgun_api3 shape: `{type, id, ...fields}`. Unknown requested fields are dropped. */
  output(row: Row, fields?: string[] | null): Record<string, unknown> {
    return this.out.output(row, fields);
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
    return selectRows(this, this.log, type, q);
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
    return summarizeRows(type, rows, summaryFields, grouping, (l) => this.out.linkOut(l));
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
      values[name] = this.coercer.coerce(type, name, v, 'create');
    }
    const waived = def.projectWaivedBy !== undefined && isLink(values[def.projectWaivedBy]);
    if (def.projectRequired && !waived && !isLink(values.project))
      throw invalid(`API create() missing 'project' attribute`, { project: 'is required' });
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
        created_by: actorLink(actor),
        updated_by: actorLink(actor),
      },
    };
    const table = this.tables.get(type)!;
    table.set(id, row);
    this.mutations++;
    this.undo?.push(() => table.delete(id));

    this.writeEvents(actor, () => {
      const rows = [this.eventRows.row(actor, row, 'New', null, { type: 'new_entity', entity_type: type, entity_id: id })];
      // One in_create _Change per populated field, server defaults included (docs/shotgrid-wire.md §2.3).
      for (const [name, v] of Object.entries({ ...defaults, ...values })) {
        if (SYSTEM_FIELDS.has(name) || v === null || (Array.isArray(v) && v.length === 0)) continue;
        rows.push(...this.eventRows.changes(actor, row, name, null, v, true));
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
      let v = this.coercer.coerce(type, name, value, 'update');
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
    row.data.updated_by = actorLink(actor);
    this.undo?.push(() => {
      row.data = before;
    });
    this.writeEvents(actor, () => changes.flatMap(([name, old, v]) => this.eventRows.changes(actor, row, name, old, v, false)));
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
      this.eventRows.row(actor, row, 'Change', 'retirement_date', {
        type: 'attribute_change',
        attribute_name: 'retirement_date',
        entity_type: type,
        entity_id: id,
        field_data_type: 'date_time',
        old_value: null,
        new_value: when,
      }),
      this.eventRows.row(actor, row, 'Retirement', null, {
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
      this.eventRows.row(actor, row, 'Revival', null, {
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
      values[name] = this.coercer.coerce('EventLogEntry', name, v, 'create');
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
        user: actorLink(actor),
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
    return toState(this.tables, this.log, this.nextIds, this.nextEventId);
  }

  load(json: unknown): void {
    const state = parseState(json);
    this.nextIds = new Map(Object.entries(state.nextIds));
    this.nextEventId = state.nextEventId;
    this.log = state.log;
    fillTables(this.tables, state);
  }

  /** A fresh session UUID, as a web UI session would carry. */
  static sessionUuid(): string {
    return randomUUID();
  }
}
