// HTTP for the ShotGrid client: undici with keep-alive (or a proxy), a per-attempt timeout,
// bounded retries with full-jitter backoff for transient failures (§1.5: network errors,
// 429, 502/503/504), and the mapping of final failures to typed errors.

import type { Dispatcher } from 'undici';
import { backoffDelay, delay } from '../retry.js';
import { NetworkError, ProtocolError, ShotgunError, describeErrors, errorClassForStatus, errorObjects, quoteBody } from './errors.js';

// undici loads on the first request, not at import: every plugin worker imports the client,
// and most idle or never call the site (docs/performance.md: ~3 MB and ~0.2 s CPU per worker).
let undici: Promise<typeof import('undici')> | undefined;
const loadUndici = () => (undici ??= import('undici'));

export interface RetryOptions {
  /** Total tries per request, the first included. */
  attempts: number;
  /** Backoff base: the n-th retry waits up to baseMs·2^(n-1). */
  baseMs: number;
  /** Backoff ceiling. */
  maxMs: number;
  /** A `Retry-After` longer than this is not waited for: the call fails with RateLimitError at once. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseMs: 250, maxMs: 30_000, maxRetryAfterMs: 120_000 };

interface EventBase {
  requestId: string;
  method: string;
  url: string;
}
/** What the transport and the token manager report, e.g. to show connection state in the UI. */
export type ConnectionEvent =
  | (EventBase & { kind: 'ok'; status: number; attempt: number; durationMs: number })
  | (EventBase & { kind: 'retry'; attempt: number; delayMs: number; status?: number; reason: string; timedOut?: boolean })
  | (EventBase & { kind: 'error'; error: ShotgunError; timedOut?: boolean })
  | (EventBase & { kind: 'auth'; grant: string; expiresInS: number });

export type ConnectionObserver = (event: ConnectionEvent) => void;

export interface TransportOptions {
  timeoutMs: number;
  userAgent: string;
  retry: RetryOptions;
  proxy?: string | undefined;
  /** Bring your own dispatcher (then `proxy` is ignored and close() leaves it open). */
  dispatcher?: Dispatcher | undefined;
  onConnectionEvent?: ConnectionObserver | undefined;
  /** For tests: the source of jitter. */
  random?: () => number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  requestId: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  status: number;
  /** Parsed JSON, or undefined for an empty body (204). */
  body: unknown;
  serverRequestId: string | undefined;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const s = v.trim();
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  // HTTP dates name a month ("Wed, 21 Oct 2015 07:28:00 GMT"); this keeps "-5" from parsing as a year.
  const at = /[a-z]/i.test(s) ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

class TimeoutSignal extends Error {}

/** Sleeps; an abort rejects with the caller's own reason, as an aborted request does. */
export class Transport {
  private dispatcher: Dispatcher | undefined;
  private readonly ownsDispatcher: boolean;
  private closed = false;
  private readonly random: () => number;

  constructor(private readonly opts: TransportOptions) {
    this.random = opts.random ?? Math.random;
    this.dispatcher = opts.dispatcher;
    this.ownsDispatcher = !opts.dispatcher;
  }

  private async ensureDispatcher(): Promise<Dispatcher> {
    if (this.dispatcher) return this.dispatcher;
    const { Agent, ProxyAgent } = await loadUndici();
    if (this.closed) throw new Error('The ShotGrid connection is closed');
    // proxyTunnel:false forwards plain-http requests with an absolute URI (what most proxies
    // allow for port 80) and still CONNECT-tunnels https, which is what real sites use.
    return (this.dispatcher ??= this.opts.proxy
      ? new ProxyAgent({ uri: this.opts.proxy, proxyTunnel: false, keepAliveTimeout: 30_000 })
      : new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 }));
  }

  emit(event: ConnectionEvent): void {
    const cb = this.opts.onConnectionEvent;
    if (!cb) return;
    try {
      cb(event);
    } catch {
      // An observer must never break a call.
    }
  }

  /**
   * Sends with retries. Resolves on 2xx; throws a typed error otherwise (a 401 surfaces as
   * AuthenticationError with status 401 so the caller can re-authenticate and replay).
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const { retry } = this.opts;
    const attempts = Math.max(1, retry.attempts);
    for (let attempt = 1; ; attempt++) {
      let outcome: Outcome;
      const started = performance.now();
      try {
        outcome = await this.once(req);
      } catch (err) {
        if (req.signal?.aborted) throw req.signal.reason ?? err;
        if (err instanceof ShotgunError) {
          this.emit({ kind: 'error', requestId: req.requestId, method: req.method, url: req.url, error: err });
          throw err;
        }
        // Connection refused/reset, DNS, socket closed, our timeout...
        const reason = err instanceof TimeoutSignal ? err.message : describeCause(err);
        if (attempt < attempts && isTransient(err)) {
          const delayMs = backoffDelay(attempt, retry, this.random);
          this.emit({
            kind: 'retry',
            requestId: req.requestId,
            method: req.method,
            url: req.url,
            attempt,
            delayMs,
            reason,
            timedOut: err instanceof TimeoutSignal,
          });
          await delay(delayMs, { signal: req.signal });
          continue;
        }
        const error = new NetworkError(`${reason} on ${req.method} ${req.url} (${attempt} attempt${attempt > 1 ? 's' : ''})`, {
          requestId: req.requestId,
          method: req.method,
          url: req.url,
          cause: err,
        });
        this.emit({ kind: 'error', requestId: req.requestId, method: req.method, url: req.url, error, timedOut: err instanceof TimeoutSignal });
        throw error;
      }

      const { status } = outcome;
      if (status >= 200 && status < 300) {
        let body: unknown;
        try {
          body = parseSuccess(outcome, req);
        } catch (error) {
          this.emit({ kind: 'error', requestId: req.requestId, method: req.method, url: req.url, error: error as ShotgunError });
          throw error;
        }
        this.emit({
          kind: 'ok',
          requestId: req.requestId,
          method: req.method,
          url: req.url,
          status,
          attempt,
          durationMs: Math.round(performance.now() - started),
        });
        return { status, body, serverRequestId: outcome.serverRequestId };
      }

      const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(outcome.retryAfter) : undefined;
      const tooLong = retryAfterMs !== undefined && retryAfterMs > retry.maxRetryAfterMs;
      if (RETRYABLE_STATUS.has(status) && attempt < attempts && !tooLong) {
        const delayMs = retryAfterMs ?? backoffDelay(attempt, retry, this.random);
        this.emit({
          kind: 'retry',
          requestId: req.requestId,
          method: req.method,
          url: req.url,
          attempt,
          delayMs,
          status,
          reason: `HTTP ${status}`,
        });
        await delay(delayMs, { signal: req.signal });
        continue;
      }
      const error = httpError(outcome, req, attempt, retryAfterMs);
      // A 401 is routine (expired token): the client re-authenticates and reports it if final.
      if (status !== 401) this.emit({ kind: 'error', requestId: req.requestId, method: req.method, url: req.url, error });
      throw error;
    }
  }

  /** One attempt: status, raw text and the headers we care about. Network errors throw. */
  private async once(req: HttpRequest): Promise<Outcome> {
    const controller = new AbortController();
    const timeoutMs = this.opts.timeoutMs;
    const timer = setTimeout(() => controller.abort(new TimeoutSignal(`Timed out after ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => controller.abort(req.signal?.reason);
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const headers: Record<string, string> = {
        accept: 'application/json',
        'user-agent': this.opts.userAgent,
        'x-request-id': req.requestId,
        ...req.headers,
      };
      const dispatcher = await this.ensureDispatcher();
      const { request } = await loadUndici();
      const res = await request(req.url, {
        method: req.method,
        headers,
        body: req.body ?? null,
        dispatcher,
        signal: controller.signal,
        // The AbortController enforces the whole-request timeout; these are backstops.
        headersTimeout: timeoutMs + 1000,
        bodyTimeout: timeoutMs + 1000,
      });
      const text = await res.body.text();
      return {
        status: res.statusCode,
        text,
        contentType: header(res.headers, 'content-type'),
        serverRequestId: header(res.headers, 'x-request-id'),
        retryAfter: header(res.headers, 'retry-after'),
      };
    } catch (err) {
      const reason: unknown = controller.signal.reason;
      if (controller.signal.aborted && reason instanceof TimeoutSignal) throw reason;
      throw err;
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.ownsDispatcher) await this.dispatcher?.close();
  }
}

interface Outcome {
  status: number;
  text: string;
  contentType: string | undefined;
  serverRequestId: string | undefined;
  retryAfter: string | undefined;
}

function parseSuccess(o: Outcome, req: HttpRequest): unknown {
  if (o.status === 204 || o.text.length === 0) return undefined;
  try {
    return JSON.parse(o.text);
  } catch (err) {
    throw new ProtocolError(
      `Expected JSON from ${req.method} ${req.url} (HTTP ${o.status}, ${o.contentType ?? 'no content-type'}) but got ${quoteBody(o.text)}`,
      { status: o.status, requestId: req.requestId, serverRequestId: o.serverRequestId, method: req.method, url: req.url, cause: err },
    );
  }
}

/** The typed error for a final non-2xx reply. Never throws on an unreadable body. */
function httpError(o: Outcome, req: HttpRequest, attempts: number, retryAfterMs: number | undefined): ShotgunError {
  let parsed: unknown;
  let readable = false;
  if (o.text.length > 0) {
    try {
      parsed = JSON.parse(o.text);
      readable = true;
    } catch {
      // HTML error pages (403 from a proxy or a blocked API, 502 from nginx...).
    }
  }
  const errors = readable ? errorObjects(parsed, o.status) : [];
  const what = readable
    ? describeErrors(errors) || quoteBody(o.text)
    : o.text.length > 0
      ? `non-JSON reply (${o.contentType ?? 'no content-type'}): ${quoteBody(o.text)}`
      : 'empty reply';
  const tries = RETRYABLE_STATUS.has(o.status) && attempts > 1 ? ` after ${attempts} attempts` : '';
  const Cls = errorClassForStatus(o.status);
  return new Cls(`ShotGrid HTTP ${o.status} on ${req.method} ${req.url}${tries}: ${what}`, {
    status: o.status,
    errors,
    requestId: req.requestId,
    serverRequestId: o.serverRequestId,
    method: req.method,
    url: req.url,
    retryAfterMs,
  });
}

/** Programming errors (a malformed URL, a bad option) are not worth retrying. */
function isTransient(err: unknown): boolean {
  if (err instanceof TimeoutSignal) return true;
  if (err instanceof TypeError) return false;
  const code = (err as { code?: unknown } | null)?.code;
  return code !== 'UND_ERR_INVALID_ARG' && code !== 'ERR_INVALID_URL';
}

function describeCause(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { message?: string; code?: string; cause?: unknown };
    const code = e.code ?? (e.cause as { code?: string } | undefined)?.code;
    const msg = e.message || String(err);
    return code && !msg.includes(code) ? `${msg} (${code})` : msg;
  }
  return String(err);
}
