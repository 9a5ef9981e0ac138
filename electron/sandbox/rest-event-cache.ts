// EventLogEntry records' REST encoding, kept and reused (docs/performance.md, "What changed
// this round"). Serving pages of events is what the sandbox does most, as the site of every
// test and of the bench, and JSON-encoding the records was most of its CPU. An event row
// never changes once written (the store refuses updates and deletes of EventLogEntry, and a
// rolled-back transaction burns its event ids, so an id never names another event), but
// what it reads as does, in one way: its links (entity, user, project) carry the linked
// row's current name, and read as null once that row is retired (store-output.ts). So an
// encoding is reused only while the record's link values equal those it was made from;
// anything else is encoded afresh. The bytes on the wire are those of encoding every time.

interface Entry {
  links: unknown[];
  json: string;
}

/** {type, id, name} links (or null), or arrays of them: equal field by field. */
function sameLink(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameLink(x, b[i]));
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => x[k] === y[k]);
}

/** Default size of the kept encodings: ~16,000 events (a site in the same process, as in demo mode, pays it). */
export const DEFAULT_EVENT_CACHE_MB = 16;

export class EncodedEvents {
  /** Per request shape (API version + fields asked): event id → its encoding, oldest first. */
  private readonly shapes = new Map<string, Map<number, Entry>>();
  /** Characters held, all shapes (≈ bytes: the JSON is mostly one-byte text). */
  private held = 0;
  private readonly limit: number;

  constructor(
    /** The EventLogEntry fields whose values are links (entity and multi_entity fields). */
    private readonly linkFields: string[],
    /** MB of encodings kept; past it the oldest go first. 0 = none kept. */
    limitMb = DEFAULT_EVENT_CACHE_MB,
  ) {
    this.limit = limitMb * 1024 * 1024;
  }

  /** The JSON of `rec`'s REST record, from the cache when its links are unchanged. */
  json(shape: string, rec: Record<string, unknown>, encode: () => string): string {
    if (this.limit <= 0) return encode();
    let byId = this.shapes.get(shape);
    if (!byId) {
      byId = new Map();
      this.shapes.set(shape, byId);
    }
    const id = rec.id as number;
    const hit = byId.get(id);
    if (hit && this.linkFields.every((f, i) => sameLink(hit.links[i], rec[f]))) return hit.json;
    const json = encode();
    if (hit) {
      byId.delete(id);
      this.held -= hit.json.length;
    }
    byId.set(id, { links: this.linkFields.map((f) => rec[f]), json });
    this.held += json.length;
    if (this.held > this.limit) this.evict();
    return json;
  }

  /** Drops the oldest encodings (each shape's in insertion order) until under the limit. */
  private evict(): void {
    for (const byId of this.shapes.values()) {
      for (const [id, e] of byId) {
        if (this.held <= this.limit) return;
        byId.delete(id);
        this.held -= e.json.length;
      }
    }
  }
}
