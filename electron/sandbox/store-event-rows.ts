// What each write's EventLogEntry rows say: event type, description, meta (old/new values,
// multi-entity added/removed, the inverse field's change, sudo). The store assigns their ids
// and commit times (store.ts, writeEvents).

import type { RowOutput } from './store-output.js';
import { actorLink, isLink, isoSeconds, utcSpaced, type Actor, type Link, type Row, type StoreView } from './store-types.js';

export class EventRows {
  constructor(
    private readonly view: StoreView,
    private readonly out: RowOutput,
  ) {}

  private fieldLabel(type: string, name: string): string {
    return this.view.schema[type]?.fields[name]?.label ?? name;
  }

  private actorName(actor: Actor): string {
    const n = this.view.nameOf(actor.type, actor.id) ?? `#${actor.id}`;
    return actor.type === 'ApiUser' ? `Script ${n}` : n;
  }

  row(actor: Actor, target: Row, action: string, attribute: string | null, meta: Record<string, unknown>): Row {
    const project = target.type === 'Project' ? null : isLink(target.data.project) ? target.data.project : null;
    const name = this.view.nameOf(target.type, target.id) ?? `#${target.id}`;
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
      meta = {
        ...meta,
        sudo_actual_user: {
          type: actor.sudoActual.type,
          id: actor.sudoActual.id,
          name: this.view.nameOf(actor.sudoActual.type, actor.sudoActual.id),
        },
      };
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
        user: actorLink(actor),
        session_uuid: actor.sessionUuid ?? null,
        created_at: isoSeconds(this.view.now()),
        description,
      },
    };
  }

  changes(actor: Actor, row: Row, name: string, old: unknown, v: unknown, inCreate: boolean): Row[] {
    const fd = this.view.schema[row.type]!.fields[name]!;
    const base: Record<string, unknown> = {
      type: 'attribute_change',
      attribute_name: name,
      entity_type: row.type,
      entity_id: row.id,
      field_data_type: fd.dataType,
    };
    const metaLink = (l: Link) => ({ ...this.out.linkOut(l), valid: 'valid' });
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
      const show = (x: unknown) => (isLink(x) ? this.out.linkOut(x) : fd.dataType === 'date_time' && typeof x === 'string' ? utcSpaced(x) : x);
      meta = { ...base, old_value: show(old), new_value: show(v) };
    }
    if (inCreate) meta.in_create = true;
    const rows = [this.row(actor, row, 'Change', name, meta)];
    // The other side of a linked field changes too: Task.entity → Shot.tasks (docs/shotgrid-wire.md §2.3).
    if (fd.inverse) {
      for (const [l, added] of [
        [old, false],
        [v, true],
      ] as const) {
        if (!isLink(l)) continue;
        const backField = fd.inverse[l.type];
        const other = backField ? this.view.get(l.type, l.id) : undefined;
        if (!backField || !other) continue;
        rows.push(
          this.row(actor, other, 'Change', backField, {
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
}
