// The sandbox store's row and query shapes, its commit-fault knobs, and the small value
// helpers (links, dates) that the store and its helpers (store-*.ts) share.

import type { Group, SortKey } from './query.js';
import type { Schema } from './schema.js';

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

export const SYSTEM_FIELDS = new Set(['id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'cached_display_name']);

export const isLink = (v: unknown): v is Link =>
  v !== null && typeof v === 'object' && typeof (v as Link).type === 'string' && typeof (v as Link).id === 'number';

/** ISO 8601 UTC at second resolution, the form REST reads return. */
export const isoSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** "2021-06-16 08:55:00 UTC": write responses and meta dates (docs/shotgrid-wire.md §1.4, §2.3). */
export const utcSpaced = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export const actorLink = (actor: Actor): Link => ({ type: actor.type, id: actor.id });

/** The store as its helpers (output, coercion, event rows) read it. */
export interface StoreView {
  readonly schema: Schema;
  get(type: string, id: number): Row | undefined;
  nameOf(type: string, id: number): string | null;
  now(): number;
  /** The live rows of one type, unfiltered (retired ones included). */
  values(type: string): Iterable<Row>;
}
