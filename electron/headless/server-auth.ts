// The headless UI's auth and gate helpers: the token (checked in constant time, from a query,
// header or cookie), the throttle on failed attempts, and the Host/Origin and listen-address
// checks that keep a browser on another site from driving the daemon (docs/desktop.md).

import { createHash, timingSafeEqual } from 'node:crypto';

export const MIN_TOKEN_LENGTH = 16;

/** Throws a clear error for a configured token that is empty or too short to resist guessing. */
export function checkUiToken(token: string): void {
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new Error(
      `the UI token (--ui-token or SHOTGUN_EVENTS_UI_TOKEN) must have at least ${MIN_TOKEN_LENGTH} characters, got ${token.length}; ` +
        'use a long random one (e.g. `openssl rand -base64 24`), or give none to have one generated',
    );
  }
}

/** 127.0.0.0/8, ::1 and localhost: the hosts that need no token. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The wildcard binds (every interface). */
export function isWildcardHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === '0.0.0.0' || h === '::' || h === '';
}

/** `host:port` for a URL (IPv6 bracketed). */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Parses `PORT`, `HOST:PORT` or `[IPv6]:PORT` (port alone means 127.0.0.1). */
export function parseListen(spec: string): { host: string; port: number } {
  const s = spec.trim();
  let host = '127.0.0.1';
  let port: string;
  let m: RegExpMatchArray | null;
  if ((m = /^(\d+)$/.exec(s))) port = m[1]!;
  else if ((m = /^\[([0-9a-fA-F:.%\w-]+)\]:(\d+)$/.exec(s))) [host, port] = [m[1]!, m[2]!];
  else if ((m = /^([^:[\]\s]+):(\d+)$/.exec(s))) [host, port] = [m[1]!, m[2]!];
  else throw new Error(`expected PORT, HOST:PORT or [IPv6]:PORT, got '${spec}'`);
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`port out of range in '${spec}'`);
  return { host, port: n };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  return timingSafeEqual(digest(given), digest(expected));
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    try {
      out.set(k, decodeURIComponent(v));
    } catch {
      out.set(k, v);
    }
  }
  return out;
}

/** Host header's hostname (no port, no brackets). */
export function hostHeaderName(host: string | undefined): string | null {
  if (!host) return null;
  try {
    return new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

/**
 * Failed token attempts per remote address. Below maxFailures nothing is refused; from then
 * on each failure locks the address for lockoutMs · 2^(failures − maxFailures), at most
 * 15 min. A right token clears the address. Entries idle for an hour are dropped, and the
 * table is bounded, so a flood from many addresses cannot grow it without limit.
 */
export class AuthThrottle {
  private readonly byAddress = new Map<string, { failures: number; until: number; last: number }>();
  static readonly MAX_LOCK_MS = 15 * 60_000;
  static readonly MAX_ADDRESSES = 10_000;

  constructor(
    readonly maxFailures: number,
    private readonly lockoutMs: number,
  ) {}

  /** ms this address must still wait (0 = not locked). */
  lockedFor(address: string, now: number): number {
    const e = this.byAddress.get(address);
    return e && e.until > now ? e.until - now : 0;
  }

  failed(address: string, now: number): { failures: number; lockMs: number } {
    let e = this.byAddress.get(address);
    if (e && now - e.last > 3_600_000) e = undefined;
    if (!e) {
      this.prune(now);
      e = { failures: 0, until: 0, last: now };
    }
    this.byAddress.delete(address);
    this.byAddress.set(address, e); // most recent last
    e.failures++;
    e.last = now;
    const over = e.failures - this.maxFailures;
    const lockMs = over < 0 ? 0 : Math.min(AuthThrottle.MAX_LOCK_MS, this.lockoutMs * 2 ** Math.min(over, 30));
    if (lockMs > 0) e.until = now + lockMs;
    return { failures: e.failures, lockMs };
  }

  succeeded(address: string): void {
    this.byAddress.delete(address);
  }

  private prune(now: number): void {
    for (const [a, e] of this.byAddress) if (now - e.last > 3_600_000 && e.until <= now) this.byAddress.delete(a);
    while (this.byAddress.size >= AuthThrottle.MAX_ADDRESSES) this.byAddress.delete(this.byAddress.keys().next().value as string);
  }
}
