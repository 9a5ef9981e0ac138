// Typed errors of the ShotGrid client. Every error names the logical call (method, URL)
// and its request id, so a line in a log can be matched with the server's own logs.

import type { ShotgunErrorObject } from './types.js';

export interface ShotgunErrorInit {
  status?: number | undefined;
  code?: number | undefined;
  errors?: ShotgunErrorObject[] | undefined;
  /** Our id for the logical call, sent as `x-request-id`. */
  requestId: string;
  /** The `x-request-id` the server answered with, when it sent one. */
  serverRequestId?: string | undefined;
  method: string;
  url: string;
  /** Milliseconds the server asked us to wait (429 `Retry-After`). */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

export class ShotgunError extends Error {
  readonly status: number | undefined;
  readonly code: number | undefined;
  readonly errors: ShotgunErrorObject[];
  readonly requestId: string;
  readonly serverRequestId: string | undefined;
  readonly method: string;
  readonly url: string;

  constructor(message: string, init: ShotgunErrorInit) {
    super(`${message} ${requestTag(init.requestId, init.serverRequestId)}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.errors = init.errors ?? [];
    this.code = init.code ?? firstCode(this.errors);
    this.requestId = init.requestId;
    this.serverRequestId = init.serverRequestId;
    this.method = init.method;
    this.url = init.url;
  }

  /** Whether the same call could succeed later (electron/retry.ts): only throttling, 5xx and the network. */
  get retriable(): boolean {
    return false;
  }
}

/** Bad credentials, a refused grant, or a 401 that survives one re-authentication. */
export class AuthenticationError extends ShotgunError {}
/** 400: unknown field, bad relation, invalid page size... */
export class BadRequestError extends ShotgunError {}
/** 403: API access blocked (the body may be an HTML page). */
export class PermissionError extends ShotgunError {}
/** 404: unknown or retired record, unknown entity type. */
export class NotFoundError extends ShotgunError {}
/** 415: the request had a Content-Type the endpoint refuses (a client bug). */
export class UnsupportedMediaTypeError extends ShotgunError {}
/** 429 once retries are exhausted (or the server asked for a wait longer than we allow). */
export class RateLimitError extends ShotgunError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, init: ShotgunErrorInit) {
    super(message, init);
    this.retryAfterMs = init.retryAfterMs;
  }
  override get retriable(): boolean {
    return true;
  }
}
/** 5xx: 500 at once, 502/503/504 after retries. */
export class ServerError extends ShotgunError {
  override get retriable(): boolean {
    return true;
  }
}
/** Connection refused/reset, DNS failure or timeout, after retries. */
export class NetworkError extends ShotgunError {
  override get retriable(): boolean {
    return true;
  }
}
/** The server answered something we cannot read (e.g. HTML where JSON was expected). */
export class ProtocolError extends ShotgunError {}

function requestTag(requestId: string, serverRequestId: string | undefined): string {
  return serverRequestId && serverRequestId !== requestId ? `[request ${requestId}, server request ${serverRequestId}]` : `[request ${requestId}]`;
}

function firstCode(errors: ShotgunErrorObject[]): number | undefined {
  for (const e of errors) if (typeof e.code === 'number') return e.code;
  return undefined;
}

/** "title (detail)" for each ShotGrid error object, joined; empty when there are none. */
export function describeErrors(errors: ShotgunErrorObject[]): string {
  return errors
    .map((e) => {
      const detail = typeof e.detail === 'string' && e.detail && e.detail !== e.title ? ` (${e.detail})` : '';
      return `${e.title ?? 'Error'}${detail}`;
    })
    .join('; ');
}

/** The first characters of a body, whitespace collapsed, for messages about unreadable replies. */
export function quoteBody(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}

/** Reads `errors[]` from a parsed body, tolerating odd shapes (a single object, strings). */
export function errorObjects(body: unknown, status: number): ShotgunErrorObject[] {
  if (!body || typeof body !== 'object') return [];
  const raw = (body as { errors?: unknown }).errors;
  const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? [raw] : [];
  const out: ShotgunErrorObject[] = [];
  for (const item of list) {
    if (typeof item === 'string') {
      out.push({ status, title: item });
    } else if (item && typeof item === 'object') {
      const o = item as Record<string, unknown>;
      out.push({
        id: typeof o.id === 'string' ? o.id : null,
        status: typeof o.status === 'number' ? o.status : Number(o.status) || status,
        code: typeof o.code === 'number' ? o.code : null,
        title: typeof o.title === 'string' ? o.title : String(o.title ?? 'Error'),
        detail: typeof o.detail === 'string' ? o.detail : null,
        source: o.source ?? null,
        meta: o.meta ?? null,
      });
    }
  }
  return out;
}

type ErrorClass = new (message: string, init: ShotgunErrorInit) => ShotgunError;

/** The class for a final (non-retried, or retries exhausted) HTTP status. */
export function errorClassForStatus(status: number): ErrorClass {
  switch (status) {
    case 400:
      return BadRequestError;
    case 401:
      return AuthenticationError;
    case 403:
      return PermissionError;
    case 404:
      return NotFoundError;
    case 415:
      return UnsupportedMediaTypeError;
    case 429:
      return RateLimitError;
    default:
      return status >= 500 ? ServerError : ShotgunError;
  }
}
