// The one poller: reads the EventLogEntry stream forward from its read position, one page per
// call, never re-reading a page it already has. Missing ids become gaps that are re-asked
// by id (docs/engine.md) — the original re-fetched whole windows while a gap was open.

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
  /** The read position after this poll: every id up to it has been read (so it is also the newest id seen). */
  readPosition: number;
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
/**
 * The first poll after start reads at most this many events: the first callback waits for
 * the whole first reply to arrive and be parsed, and a 5,000-event reply took ~0.3 s longer
 * than a 500-event one (docs/performance.md, "Throughput, round 5"). Later polls read a full batch.
 */
export const FIRST_PAGE = 500;
/** The id-only listing that reveals gaps when the main query is type-filtered. */
const ID_PAGE = 5000;

export const createdMs = (e: { created_at: string }): number => Date.parse(e.created_at);

export class Poller {
  /** Where the next poll reads from (ids above it): not the newest id seen, which the window keeps (docs/engine.md). */
  readPosition = 0;
  readonly gaps: GapRegistry;
  private now: () => number;
  private polled = false;

  constructor(private opts: PollerOptions) {
    this.gaps = new GapRegistry(opts.backlogTimeoutMs);
    this.now = opts.now ?? Date.now;
  }

  /** The newest existing event id (0 on an empty site): where a first start begins. */
  async latestId(): Promise<number> {
    const rows = await this.opts.sg.find<EventLogEntry>('EventLogEntry', [], ['id'], [{ field_name: 'id', direction: 'desc' }], 1);
    return rows[0]?.id ?? 0;
  }

  /** When the first event after `after` was created (ms), or null when there is none yet. */
  async createdAfter(after: number): Promise<number | null> {
    const [e] = await this.opts.sg.find<EventLogEntry>('EventLogEntry', [['id', 'greater_than', after]], ['created_at'], ORDER, 1);
    return e ? createdMs(e) : null;
  }

  async poll(): Promise<PollResult> {
    const { sg } = this.opts;
    const batchSize = this.polled ? this.opts.batchSize : Math.min(this.opts.batchSize, FIRST_PAGE);
    const types = this.opts.eventTypes();
    let events: EventLogEntry[];
    let seen: Array<{ id: number; created_at: string }>;
    let full: boolean;
    let next = this.readPosition;
    if (!types) {
      events = await sg.find<EventLogEntry>('EventLogEntry', [['id', 'greater_than', this.readPosition]], [...EVENT_FIELDS], ORDER, batchSize);
      seen = events;
      full = events.length >= batchSize;
      if (events.length) next = events[events.length - 1]!.id;
    } else {
      // With a type filter the page alone cannot tell a gap from an event of another type.
      // So list the ids first (cheap: id and date), then read the matching events only up
      // to the last listed id: anything that commits in between with a lower id is missing
      // from the listing, hence a gap, and is re-asked — never silently passed.
      const ids = await sg.find<{ id: number; created_at: string; type: string }>(
        'EventLogEntry',
        [['id', 'greater_than', this.readPosition]],
        ['id', 'created_at'],
        ORDER,
        ID_PAGE,
      );
      if (ids.length === 0) {
        events = [];
        seen = [];
        full = false;
      } else {
        const last = ids[ids.length - 1]!.id;
        const filters: FilterTriple[] = [
          ['id', 'greater_than', this.readPosition],
          ['id', 'less_than', last + 1],
          ['event_type', 'in', types],
        ];
        events = await sg.find<EventLogEntry>('EventLogEntry', filters, [...EVENT_FIELDS], ORDER, batchSize);
        const eventsFull = events.length >= batchSize;
        next = eventsFull ? events[events.length - 1]!.id : last;
        seen = eventsFull ? ids.filter((r) => r.id <= next) : ids;
        full = eventsFull || ids.length >= ID_PAGE;
      }
    }

    const before = this.readPosition;
    const known = new Set(this.gaps.ids());
    const { opened, neverHappened } = this.findGaps(seen);
    this.readPosition = next;

    let late: EventLogEntry[];
    try {
      late = this.gaps.size ? await this.reask() : [];
    } catch (e) {
      // The page read above is handed out only with this poll's result: undo it, so the
      // next poll reads it again (else its events were lost past the read position).
      this.readPosition = before;
      for (const id of opened) if (!known.has(id)) this.gaps.close(id);
      throw e;
    }
    this.polled = true;
    const expired = this.gaps.expire(this.now());
    return { events, late, opened, neverHappened, expired, full, readPosition: this.readPosition };
  }

  /** Missing ids between the read position and the ids just seen. */
  private findGaps(seen: Array<{ id: number; created_at: string }>): { opened: number[]; neverHappened: number[] } {
    const opened: number[] = [];
    const neverHappened: number[] = [];
    if (seen.length === 0) return { opened, neverHappened };
    // Age by the server's own clock: the newest row's created_at, not ours (skew-proof).
    const serverNow = createdMs(seen[seen.length - 1]!);
    const now = this.now();
    let prev = this.readPosition;
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
    const found: EventLogEntry[] = [];
    for (let i = 0; i < ids.length; i += this.opts.batchSize) {
      const chunk = ids.slice(i, i + this.opts.batchSize);
      const rows = await this.opts.sg.find<EventLogEntry>('EventLogEntry', [['id', 'in', chunk]], [...EVENT_FIELDS], ORDER, chunk.length);
      found.push(...rows);
    }
    // Closed only once every chunk came back: a failed chunk must not swallow fillers.
    const out = found.filter((r) => this.gaps.close(r.id));
    // Non-matching types close their gap but go to nobody.
    const types = this.opts.eventTypes();
    return types ? out.filter((e) => types.includes(e.event_type)) : out;
  }
}
