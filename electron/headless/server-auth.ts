// The headless UI's auth and gate: the token (checked in constant time, from a query, header
// or cookie), the throttle on failed attempts, and the Host/Origin and listen-address checks
// that keep a browser on another site from driving the daemon (docs/desktop.md). UiGate, at
// the end, applies them to every request of server.ts.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The shortest token accepted from --ui-token / SHOTGUN_EVENTS_UI_TOKEN. */
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

// ------------------------------------------------------------------ the gate

export interface UiLogger {
  info(message: string): void;
  warning(message: string): void;
}

/** Why a request is refused: the status and message to answer with. */
export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** A request's path and query as sent (not decoded, not normalised: the static files check it). */
export function rawPathAndQuery(url: string | undefined): { pathname: string; query: URLSearchParams } {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return { pathname: q < 0 ? u : u.slice(0, q), query: new URLSearchParams(q < 0 ? '' : u.slice(q + 1)) };
}

export interface UiGateOptions {
  host: string;
  port: number;
  /** Required token; null/undefined: none on loopback, a generated one on any other host. */
  token?: string | null | undefined;
  /** Who acts, in the audit log, when a token is required (default "token"); "local" without one. */
  tokenLabel?: string | undefined;
  /** Wrong tokens an address may send before it is locked out; default 10. */
  authMaxFailures?: number | undefined;
  /** The first lockout (ms); it doubles with each further failure, up to 15 min. Default 1000. */
  authLockoutMs?: number | undefined;
}

/** Who may in, for every HTTP request and WebSocket upgrade: the token, its throttle, Host and Origin. */
export class UiGate {
  /** The token required, or null when none is. */
  readonly token: string | null;
  /** Who acts, in the audit log: a name, not an IP and port (docs/engine.md, audit). */
  readonly who: string;
  /** The port listened on (the cookie's name has it): set once the server listens. */
  port: number;
  private readonly throttle: AuthThrottle;

  constructor(
    opts: UiGateOptions,
    private readonly log?: UiLogger,
  ) {
    const configured = opts.token ?? null;
    if (configured !== null) checkUiToken(configured);
    this.token = configured ?? (isLoopbackHost(opts.host) ? null : randomBytes(32).toString('base64url'));
    this.who = this.token === null ? 'local' : (opts.tokenLabel ?? 'token');
    this.port = opts.port;
    this.throttle = new AuthThrottle(opts.authMaxFailures ?? 10, opts.authLockoutMs ?? 1000);
  }

  private get cookieName(): string {
    return `sge_ui_token_${this.port}`;
  }

  /** null: allowed; else the refusal. */
  check(req: IncomingMessage): Refusal | null {
    const token = this.token;
    if (token === null) {
      // No token: only a loopback Host name is accepted (DNS rebinding).
      const h = hostHeaderName(req.headers.host);
      if (!h || !isLoopbackHost(h)) return { status: 403, message: 'Forbidden: unexpected Host header' };
      return null;
    }
    const address = req.socket.remoteAddress ?? '?';
    const wait = this.throttle.lockedFor(address, Date.now());
    if (wait > 0) {
      // Not even compared: a locked-out address learns nothing, right token or not.
      const s = Math.ceil(wait / 1000);
      return {
        status: 429,
        message: `Too Many Requests: too many wrong UI tokens from ${address}; try again in ${s} s`,
        headers: { 'Retry-After': String(s) },
      };
    }
    const { pathname, query } = rawPathAndQuery(req.url);
    const auth = req.headers.authorization;
    const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    const candidates = [query.get('token'), bearer, parseCookies(req.headers.cookie).get(this.cookieName)];
    let ok = false;
    for (const c of candidates) if (tokenMatches(c, token)) ok = true; // no early exit: same work either way
    if (ok) {
      this.throttle.succeeded(address);
      return null;
    }
    // Only a token that was given and is wrong counts as a guess (a bare visit is not one).
    if (candidates.some((c) => typeof c === 'string' && c !== '')) {
      const f = this.throttle.failed(address, Date.now());
      const what = `${req.method ?? 'GET'} ${pathname}`;
      if (f.lockMs > 0) {
        this.log?.warning(
          `UI: wrong token from ${address} (${what}), ${f.failures} failed attempts: refusing it for ${Math.ceil(f.lockMs / 1000)} s`,
        );
      } else {
        this.log?.warning(`UI: wrong token from ${address} (${what}), failed attempt ${f.failures} of ${this.throttle.maxFailures} before a lockout`);
      }
    }
    return { status: 401, message: 'Unauthorized: this UI needs its token (open the URL printed by `shotgun-events run --ui`, with ?token=…)' };
  }

  /** A WebSocket upgrade whose Origin is not its Host: cross-site WebSocket hijacking. No Origin (not a browser) passes. */
  checkOrigin(req: IncomingMessage): Refusal | null {
    const origin = req.headers.origin;
    if (origin === undefined) return null;
    let originHost: string | null = null;
    try {
      const o = new URL(origin);
      if (o.protocol === 'http:' || o.protocol === 'https:') originHost = o.host;
    } catch {
      originHost = null;
    }
    let hostHeader: string | null;
    try {
      hostHeader = req.headers.host ? new URL(`http://${req.headers.host}`).host : null;
    } catch {
      hostHeader = null;
    }
    if (!originHost || !hostHeader || originHost.toLowerCase() !== hostHeader.toLowerCase()) {
      return { status: 403, message: `Forbidden: cross-origin WebSocket (Origin ${origin})` };
    }
    return null;
  }

  /** A page opened with ?token= gets a cookie, so its own script and style requests are let in. */
  cookieFor(query: URLSearchParams): string | null {
    if (this.token === null || !query.has('token')) return null;
    return `${this.cookieName}=${encodeURIComponent(this.token)}; Path=/; HttpOnly; SameSite=Strict`;
  }
}
