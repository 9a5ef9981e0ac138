// Poller (electron/engine/poller.ts) against a fake ShotGrid `find` that answers from an
// in-memory EventLogEntry table, with an injected clock: the id-only listing before the
// full fetch when a type filter is pushed down, gaps opened / re-asked / dropped as "never
// happened" by created_at / expired, and no page re-read while a gap is open.
import { describe, expect, it } from 'vitest';
import { FIRST_PAGE, Poller } from '../../electron/engine/poller.js';
import type { EventLogEntry, FilterTriple } from '../../electron/shotgun/types.js';

const T0 = Date.UTC(2024, 0, 1, 12);
const ev = (id: number, event_type = 'Shotgun_Task_Change', at = T0 + id * 1000): EventLogEntry =>
  ({ id, event_type, created_at: new Date(at).toISOString() }) as EventLogEntry;

interface Call {
  filters: FilterTriple[];
  fields: readonly string[];
  limit: number | undefined;
}

/** Answers the filters the poller sends (greater_than / less_than / in on id and event_type). */
class FakeSg {
  rows: EventLogEntry[] = [];
  calls: Call[] = [];
  find<T>(
    _entity: string,
    filtersIn: unknown,
    fields: readonly string[] = [],
    order?: ReadonlyArray<{ direction?: string }>,
    limit?: number,
  ): Promise<T[]> {
    const filters = filtersIn as FilterTriple[];
    this.calls.push({ filters, fields, limit });
    let out = this.rows.filter((r) =>
      filters.every(([f, op, v]) => {
        const x = (r as unknown as Record<string, unknown>)[f];
        if (op === 'greater_than') return (x as number) > (v as number);
        if (op === 'less_than') return (x as number) < (v as number);
        if (op === 'in') return (v as unknown[]).includes(x);
        throw new Error(`unexpected filter ${op}`);
      }),
    );
    out = [...out].sort((a, b) => (order?.[0]?.direction === 'desc' ? b.id - a.id : a.id - b.id));
    if (limit) out = out.slice(0, limit);
    return Promise.resolve(out as T[]);
  }
}

function make(o: { types?: string[] | null; batch?: number; timeoutMs?: number } = {}) {
  const sg = new FakeSg();
  let now = T0 + 100_000;
  const poller = new Poller({
    sg,
    batchSize: o.batch ?? 100,
    backlogTimeoutMs: o.timeoutMs ?? 60_000,
    eventTypes: () => o.types ?? null,
    now: () => now,
  });
  return { sg, poller, setNow: (t: number) => (now = t) };
}

describe('Poller', () => {
  it('reads forward from head, one page at a time, never re-reading it', async () => {
    const { sg, poller } = make({ batch: 2 });
    sg.rows = [ev(1), ev(2), ev(3)];
    const a = await poller.poll();
    expect([a.events.map((e) => e.id), a.full, a.readPosition]).toEqual([[1, 2], true, 2]);
    const b = await poller.poll();
    expect([b.events.map((e) => e.id), b.full, b.readPosition]).toEqual([[3], false, 3]);
    const c = await poller.poll();
    expect(c.events).toEqual([]);
    expect(sg.calls.at(-1)!.filters).toEqual([['id', 'greater_than', 3]]);
  });

  it('reads a short first page after start, so the first callback does not wait for a whole large batch', async () => {
    const { sg, poller } = make({ batch: 5000 });
    sg.rows = Array.from({ length: 1200 }, (_, i) => ev(i + 1));
    const a = await poller.poll();
    expect([a.events.length, a.full, a.readPosition]).toEqual([FIRST_PAGE, true, FIRST_PAGE]);
    const b = await poller.poll();
    expect([b.events.length, b.full, b.readPosition]).toEqual([1200 - FIRST_PAGE, false, 1200]);
    expect(sg.calls.map((c) => c.limit)).toEqual([FIRST_PAGE, 5000]);
  });

  it('opens a gap for a missing id, re-asks it by id only, and hands it late when it commits', async () => {
    const { sg, poller } = make();
    sg.rows = [ev(4), ev(5), ev(7)];
    poller.readPosition = 4;
    const r = await poller.poll();
    expect(r.opened).toEqual([6]);
    expect(poller.gaps.ids()).toEqual([6]);
    // The re-ask is by id: `id in [6]`, not a re-read of the page.
    const n = sg.calls.length;
    const idle = await poller.poll();
    expect(idle.events).toEqual([]);
    expect(sg.calls.slice(n).map((c) => c.filters)).toEqual([[['id', 'greater_than', 7]], [['id', 'in', [6]]]]);
    sg.rows.push(ev(6));
    const filled = await poller.poll();
    expect(filled.late.map((e) => e.id)).toEqual([6]);
    expect(poller.gaps.size).toBe(0);
  });

  it('drops as never happened a gap whose neighbours are older than the timeout by the server clock', async () => {
    const { sg, poller } = make({ timeoutMs: 60_000 });
    poller.readPosition = 1;
    // Row 3 is 2 min older than the newest row: by the server's clock its gap is past due.
    sg.rows = [ev(3, 'Shotgun_Task_Change', T0), ev(4, 'Shotgun_Task_Change', T0 + 120_000)];
    const r = await poller.poll();
    expect(r.neverHappened).toEqual([2]);
    expect(r.opened).toEqual([]);
    expect(poller.gaps.size).toBe(0);
  });

  it('expires a gap whose wait ran out on its own clock', async () => {
    const { sg, poller, setNow } = make({ timeoutMs: 60_000 });
    poller.readPosition = 1;
    sg.rows = [ev(3)];
    expect((await poller.poll()).opened).toEqual([2]);
    setNow(T0 + 100_000 + 59_999);
    expect((await poller.poll()).expired).toEqual([]);
    setNow(T0 + 100_000 + 60_000);
    expect((await poller.poll()).expired).toEqual([2]);
    expect(poller.gaps.size).toBe(0);
  });

  it('with a pushed-down type filter lists ids first, then fetches only matching types up to the last listed id', async () => {
    const { sg, poller } = make({ types: ['Shotgun_Note_New'] });
    poller.readPosition = 1;
    sg.rows = [ev(2, 'Shotgun_Task_Change'), ev(3, 'Shotgun_Note_New'), ev(5, 'Shotgun_Task_Change')];
    const r = await poller.poll();
    expect(sg.calls[0]).toMatchObject({ fields: ['id', 'created_at'], filters: [['id', 'greater_than', 1]] });
    expect(sg.calls[1]!.filters).toEqual([
      ['id', 'greater_than', 1],
      ['id', 'less_than', 6],
      ['event_type', 'in', ['Shotgun_Note_New']],
    ]);
    expect(r.events.map((e) => e.id)).toEqual([3]);
    // 4 is missing from the listing: a gap, not an event of another type.
    expect(r.opened).toEqual([4]);
    expect(r.readPosition).toBe(5);
    // A filler of a type nobody takes closes its gap but is handed to no one.
    sg.rows.push(ev(4, 'Shotgun_Task_Change'));
    const f = await poller.poll();
    expect(f.late).toEqual([]);
    expect(poller.gaps.size).toBe(0);
  });

  it('a failed re-ask undoes the page, so its events are read again', async () => {
    const { sg, poller } = make();
    poller.readPosition = 1;
    sg.rows = [ev(3)];
    await poller.poll();
    sg.rows.push(ev(4));
    const find = sg.find.bind(sg);
    sg.find = <T>(e: string, f: unknown, ...rest: [(readonly string[])?, ReadonlyArray<{ direction?: string }>?, number?]): Promise<T[]> =>
      (f as FilterTriple[])[0]![1] === 'in' ? Promise.reject(new Error('503')) : find<T>(e, f, ...rest);
    await expect(poller.poll()).rejects.toThrow('503');
    expect(poller.readPosition).toBe(3);
    sg.find = find;
    expect((await poller.poll()).events.map((e) => e.id)).toEqual([4]);
  });

  it('latestId is the newest id, 0 on an empty site', async () => {
    const { sg, poller } = make();
    expect(await poller.latestId()).toBe(0);
    sg.rows = [ev(1), ev(9), ev(4)];
    expect(await poller.latestId()).toBe(9);
  });
});
