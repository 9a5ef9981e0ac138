// Open gaps in the event id sequence. Ids commit out of order (docs/shotgrid-wire.md §6.1): a
// missing id is awaited until it arrives or its timeout passes, measured from discovery
// (docs/engine.md). One registry for the whole engine; each plugin only notes which open
// gaps it has walked past, so a late event can be handed to exactly those plugins.

export interface Gap {
  id: number;
  discoveredAt: number;
  expiresAt: number;
}

/** Runs of missing ids longer than this are not awaited one by one (a bulk rollback). */
export const MAX_GAP_RUN = 1000;

export class GapRegistry {
  private open = new Map<number, Gap>();

  constructor(private timeoutMs: number) {}

  get size(): number {
    return this.open.size;
  }

  has(id: number): boolean {
    return this.open.has(id);
  }

  get(id: number): Gap | undefined {
    return this.open.get(id);
  }

  ids(): number[] {
    return [...this.open.keys()].sort((a, b) => a - b);
  }

  all(): Gap[] {
    return [...this.open.values()];
  }

  /** Open gaps within (from, to]: what a plugin walks past when its cursor moves. */
  within(from: number, to: number): number[] {
    const out: number[] = [];
    if (to <= from) return out;
    for (const id of this.open.keys()) if (id > from && id <= to) out.push(id);
    return out.sort((a, b) => a - b);
  }

  add(id: number, now: number): Gap {
    const existing = this.open.get(id);
    if (existing) return existing;
    const gap = { id, discoveredAt: now, expiresAt: now + this.timeoutMs };
    this.open.set(id, gap);
    return gap;
  }

  /** Restores a gap from saved state, keeping its original deadline. */
  restore(gap: Gap): void {
    if (!this.open.has(gap.id)) this.open.set(gap.id, { ...gap });
  }

  close(id: number): boolean {
    return this.open.delete(id);
  }

  /** Removes and returns the gaps whose time is up. */
  expire(now: number): number[] {
    const out: number[] = [];
    for (const g of this.open.values()) if (g.expiresAt <= now) out.push(g.id);
    for (const id of out) this.open.delete(id);
    return out.sort((a, b) => a - b);
  }
}

/** "101-103, 107" for log lines. */
export function describeIds(ids: number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < ids.length) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    parts.push(i === j ? `${ids[i]}` : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
