// Date-times on the ShotGrid REST wire come in two shapes (docs/shotgrid-wire.md §1.4, §6.6):
//   reads:                   "2021-06-15T09:06:18Z"
//   create/update responses: "2021-06-16 08:55:00 UTC"
// Both are UTC with second resolution. We hand out the first shape everywhere, and send
// JS Dates in it. `date` fields ("2021-06-15") are left alone.

const ISO_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const SPACE_UTC = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/;

/**
 * The canonical form of a wire date-time, or undefined when `value` is not one.
 * Cheap character checks run first: this is called on every string attribute of every
 * record (5000-row pages), and most strings are not dates.
 */
export function normalizeDateTime(value: string): string | undefined {
  const n = value.length;
  if (n === 20) {
    if (value.charCodeAt(10) === 84 /* T */ && value.charCodeAt(19) === 90 /* Z */ && ISO_Z.test(value)) return value;
  } else if (n === 23) {
    if (value.charCodeAt(10) === 32 /* space */ && value.charCodeAt(22) === 67 /* C */ && SPACE_UTC.test(value)) {
      return `${value.slice(0, 10)}T${value.slice(11, 19)}Z`;
    }
  }
  return undefined;
}

/** True when `value` is a wire date-time in either shape. */
export function isDateTimeString(value: string): boolean {
  return normalizeDateTime(value) !== undefined;
}

/** A JS Date as the wire date-time ("YYYY-MM-DDTHH:MM:SSZ", UTC, milliseconds dropped). */
export function toIsoUtc(date: Date): string {
  const t = date.getTime();
  if (Number.isNaN(t)) throw new RangeError('Invalid Date cannot be sent to ShotGrid');
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Epoch milliseconds of a wire date-time in either shape; NaN when it is not one. */
export function parseDateTime(value: string): number {
  const iso = normalizeDateTime(value);
  return iso === undefined ? Number.NaN : Date.parse(iso);
}
