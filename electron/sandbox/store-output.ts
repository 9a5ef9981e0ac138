// How the sandbox store's rows read on the wire: the flat shotgun_api3 shape, links with
// names (null once retired), back-references, and deep (dotted) fields.

import { resolvePath } from './query.js';
import type { FieldDef } from './schema.js';
import { isLink, type Row, type StoreView } from './store-types.js';

export class RowOutput {
  constructor(private readonly view: StoreView) {}

  linkOut(l: unknown): Record<string, unknown> | null {
    if (!isLink(l)) return null;
    const row = this.view.get(l.type, l.id);
    // Links to retired rows read as null, which is how an event's `entity` goes null
    // once its target is retired (docs/shotgrid-wire.md §2.1, §6.2).
    if (!row || row.retired) return null;
    return { type: l.type, id: l.id, name: this.view.nameOf(l.type, l.id) };
  }

  private valueOut(def: FieldDef | undefined, v: unknown, row: Row, field: string): unknown {
    if (def?.backOf) return this.backRefs(row, def.backOf);
    if (v === undefined) return null;
    if (def?.dataType === 'entity') return this.linkOut(v);
    if (def?.dataType === 'multi_entity') {
      return Array.isArray(v) ? v.map((l) => this.linkOut(l)).filter((l) => l !== null) : [];
    }
    if (field === 'cached_display_name') return this.view.nameOf(row.type, row.id);
    return v;
  }

  private backRefs(row: Row, back: { type: string; field: string }): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const other of this.view.values(back.type)) {
      const l = other.data[back.field];
      if (!other.retired && isLink(l) && l.type === row.type && l.id === row.id) {
        out.push({ type: other.type, id: other.id, name: this.view.nameOf(other.type, other.id) });
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
      current = isLink(l) && l.type === target ? this.view.get(target, l.id) : undefined;
      if (current?.retired) current = undefined;
    }
    if (!current) return null;
    const last = parts[0]!;
    return this.valueOut(this.view.schema[current.type]!.fields[last], current.data[last], current, last);
  }

  private pathCache = new Map<string, boolean>();

  /** Whether `entity.Shot.code` names real fields, hop by hop, from `type`. */
  private validPath(type: string, path: string): boolean {
    const key = `${type}:${path}`;
    let ok = this.pathCache.get(key);
    if (ok === undefined) {
      try {
        resolvePath(this.view.schema, type, path);
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
    const def = this.view.schema[row.type]!;
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
}
