// Python's `msg % args` for log messages (%s %d %i %f %x %r %%, and %(key)s with one
// object argument), so that a plugin ported from the original daemon logs the same text.

import { inspect } from 'node:util';

/** Python's `msg % args` (when there are args), tolerant of mismatches. */
export function formatMessage(message: unknown, args: readonly unknown[] = []): string {
  const text = typeof message === 'string' ? message : asText(message);
  if (args.length === 0 || typeof message !== 'string') {
    return args.length === 0 ? text : [text, ...args.map(asText)].join(' ');
  }
  const [only] = args;
  if (args.length === 1 && isPlainObject(only) && /%\([^)]+\)/.test(text)) {
    return text.replace(/%\(([^)]+)\)([-+ 0#]*\d*(?:\.\d+)?)([sdifr])|%%/g, (m, key: string | undefined, flags: string, conv: string) =>
      key === undefined ? '%' : key in only ? convert(only[key], flags, conv) : m,
    );
  }
  let i = 0;
  const out = text.replace(/%([-+ 0#]*\d*(?:\.\d+)?)([sdifrx%])/g, (m, flags: string, conv: string) => {
    if (conv === '%') return '%';
    if (i >= args.length) return m;
    return convert(args[i++], flags, conv);
  });
  return i < args.length ? [out, ...args.slice(i).map(asText)].join(' ') : out;
}

function convert(value: unknown, flags: string, conv: string): string {
  const width = /(\d+)(?:\.|$)/.exec(flags)?.[1];
  const precision = /\.(\d+)/.exec(flags)?.[1];
  let s: string;
  switch (conv) {
    case 'd':
    case 'i': {
      const n = Number(value);
      s = Number.isFinite(n) ? String(Math.trunc(n)) : asText(value);
      break;
    }
    case 'f': {
      const n = Number(value);
      s = Number.isFinite(n) ? n.toFixed(precision !== undefined ? Number(precision) : 6) : asText(value);
      break;
    }
    case 'x': {
      const n = Number(value);
      s = Number.isFinite(n) ? Math.trunc(n).toString(16) : asText(value);
      break;
    }
    case 'r':
      s = inspect(value, { depth: 4, breakLength: Infinity });
      break;
    default:
      s = asText(value);
  }
  if (width !== undefined && s.length < Number(width)) {
    const zero = flags.includes('0') && !flags.includes('-') && conv !== 's' && conv !== 'r';
    s = flags.includes('-')
      ? s.padEnd(Number(width))
      : zero && s.startsWith('-')
        ? '-' + s.slice(1).padStart(Number(width) - 1, '0')
        : s.padStart(Number(width), zero ? '0' : ' ');
  }
  return s;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return inspect(value, { depth: 4, breakLength: Infinity });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Error);
}
