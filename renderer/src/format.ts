// Small formatting helpers shared by the views.

import type { LinkView } from '../../electron/contract.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** HH:MM:SS (local time) of an ISO string or epoch ms. */
export function clock(t: string | number): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** HH:MM:SS.mmm (local time) of epoch ms. */
export function clockMs(t: number): string {
  const d = new Date(t);
  return `${clock(t)}.${pad(d.getMilliseconds(), 3)}`;
}

/** The local time zone's short name (e.g. "CET", "GMT+1", "UTC"), as shown next to times. */
export function zoneName(at: number = Date.now()): string {
  const part = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' }).formatToParts(new Date(at)).find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'local';
}

/** YYYY-MM-DD HH:MM:SS in local time, without the zone (inputs; see dateTime). */
export function localStamp(t: string | number): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(d.getTime())}`;
}

/** The one full time format of the UI: local date and time with the zone, "2024-05-01 09:30:00 CEST". */
export function dateTime(t: string | number): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : `${localStamp(d.getTime())} ${zoneName(d.getTime())}`;
}

/**
 * Reads a time typed by the user: local "YYYY-MM-DD HH:MM[:SS]" (the format the UI shows), or
 * ISO 8601 with its own zone. Epoch ms, or null when unreadable.
 */
export function parseLocalTime(text: string): number | null {
  const s = text.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (m) {
    const [y, mo, d, h, mi, se] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
    const date = new Date(y, mo - 1, d, h, mi, se);
    return date.getMonth() === mo - 1 && date.getDate() === d ? date.getTime() : null;
  }
  if (!/[zZ]|[+-]\d{2}:?\d{2}$/.test(s)) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (v < 10) return `${v.toFixed(1)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`;
}

export function seconds(s: number): string {
  if (s < 1) return '0 s';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/** Plain digits (no separators): ids and counts stay easy to read back and to copy. */
export function count(n: number): string {
  return String(n);
}

export function link(l: LinkView | null): string {
  if (!l) return '';
  return l.name ? `${l.type} ${l.name}` : `${l.type} #${l.id}`;
}

export function linkName(l: LinkView | null): string {
  if (!l) return '';
  return l.name ?? `${l.type} #${l.id}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 || n === -1 ? one : many}`;
}
