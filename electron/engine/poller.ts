// The one poller: reads the EventLogEntry stream forward from `head`, one page per
// call, never re-reading a page it already has. Missing ids become gaps that are re-asked
// by id (design.md §2) — the original re-fetched whole windows while a gap was open.

import type { Shotgun } from '../shotgun/client.js';
import { EVENT_FIELDS, type EventLogEntry, type FilterTriple } from '../shotgun/types.js';
import { GapRegistry, MAX_GAP_RUN } from './gaps.js';

export interface PollResult {
  /** New events, in id order. */
  events: EventLogEntry[];
  /** Gap fillers that arrived, in id order. */
  late: EventLogEntry[];
  /** Gaps opened by this poll. */
  opened: number[];
  /** Gaps dropped at once because the events around them were already older than the timeout. */
  neverHappened: number[];
  /** Gaps whose wait ran out. */
  expired: number[];
  /** A full page came back: poll again at once. */
  full: boolean;
  head: number;
}

export interface PollerOptions {
  sg: Pick<Shotgun, 'find'>;
  batchSize: number;
  backlogTimeoutMs: number;
  /** Event types to push to the server, or null when some plugin takes any type. */
  eventTypes: () => string[] | null;
  now?: () => number;
}

const ORDER = [{ field_name: 'id', direction: 'asc' as const }];
/** The id-only listing that reveals gaps when the main query is type-filtered. */
const ID_PAGE = 5000;

export const createdMs = (e: { created_at: string }): number => Date.parse(e.created_at);

export class Poller {
  head = 0;
  readonly gaps: GapRegistry;
  private now: () => number;

  constructor(private opts: PollerOptions) {
    this.gaps = new GapRegistry(opts.backlogTimeoutMs);
    this.now = opts.now ?? Date.now;
  }

  /** The newest existing event id (0 on an empty site): where a first start begins. */
  async latestId(): Promise<number> {
    const rows = await this.opts.sg.find<EventLogEntry>('EventLogEntry', [], ['id'], [{ field_name: 'id', direction: 'desc' }], 1);
    return rows[0]?.id ?? 0;
  }

  async poll(): Promise<PollResult> {
    const { sg, batchSize } = this.opts;
    const types = this.opts.eventTypes();
    const filters: FilterTriple[] = [['id', 'greater_than', this.head]];
    if (types) filters.push(['event_type', 'in', types]);
    let events = await sg.find<EventLogEntry>('EventLogEntry', filters, [...EVENT_FIELDS], ORDER, batchSize);
    const full = events.length >= batchSize;

    // Which ids exist in the range read: with a type filter the page alone cannot tell a
    // gap from an event of another type, so list ids (cheap: id and date only).
    let seen: Array<{ id: number; created_at: string }> = events;
    let newHead = events.length ? events[events.length - 1]!.id : this.head;
    if (types) {
      const range: FilterTriple[] = [['id', 'greater_than', this.head]];
      if (full) range.push(['id', 'less_than', newHead + 1]);
      const ids = await sg.find<{ id: number; created_at: string; type: string }>(
        'EventLogEntry',
        range,
        ['id', 'created_at'],
        ORDER,
        ID_PAGE,
      );
      seen = ids;
      if (ids.length >= ID_PAGE) {
        // More ids than one listing: advance only as far as the listing reaches.
        newHead = ids[ids.length - 1]!.id;
        events = events.filter((e) => e.id <= newHead);
      } else if (ids.length) {
        newHead = Math.max(newHead, ids[ids.length - 1]!.id);
      }
    }

    const { opened, neverHappened } = this.findGaps(seen);
    this.head = newHead;

    const late = this.gaps.size ? await this.reask() : [];
    const expired = this.gaps.expire(this.now());
    return { events, late, opened, neverHappened, expired, full: full && events.length > 0, head: this.head };
  }

  /** Missing ids between `head` and the ids just seen. */
  private findGaps(seen: Array<{ id: number; created_at: string }>): { opened: number[]; neverHappened: number[] } {
    const opened: number[] = [];
    const neverHappened: number[] = [];
    if (seen.length === 0) return { opened, neverHappened };
    // Age by the server's own clock: the newest row's created_at, not ours (skew-proof).
    const serverNow = createdMs(seen[seen.length - 1]!);
    const now = this.now();
    let prev = this.head;
    for (const row of seen) {
      if (prev > 0 && row.id > prev + 1) {
        const missing = row.id - prev - 1;
        const old = serverNow - createdMs(row) > this.opts.backlogTimeoutMs;
        for (let id = prev + 1; id < row.id; id++) {
          if (old || missing > MAX_GAP_RUN) neverHappened.push(id);
          else {
            this.gaps.add(id, now);
            opened.push(id);
          }
        }
      }
      prev = row.id;
    }
    return { opened, neverHappened };
  }

  /** Asks for every open gap by id; what comes back is late. */
  private async reask(): Promise<EventLogEntry[]> {
    const ids = this.gaps.ids();
    const out: EventLogEntry[] = [];
    for (let i = 0; i < ids.length; i += this.opts.batchSize) {
      const chunk = ids.slice(i, i + this.opts.batchSize);
      const rows = await this.opts.sg.find<EventLogEntry>(
        'EventLogEntry',
        [['id', 'in', chunk]],
        [...EVENT_FIELDS],
        ORDER,
        chunk.length,
      );
      for (const r of rows) if (this.gaps.close(r.id)) out.push(r);
    }
    // Non-matching types close their gap but go to nobody.
    const types = this.opts.eventTypes();
    return types ? out.filter((e) => types.includes(e.event_type)) : out;
  }
}
