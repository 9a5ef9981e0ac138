// Shared plumbing for the sandbox conformance suite (test/sandbox/conformance-*.test.ts).
// These tests pin the WIRE of docs/shotgrid-wire.md, so they speak raw HTTP with
// plain `fetch`: no project client, no helpers that would hide a status or a header.

import { startSandbox, type Sandbox, type SandboxOptions } from '../../electron/sandbox/index.js';

export const ARRAY_TYPE = 'application/vnd+shotgun.api3_array+json';
export const HASH_TYPE = 'application/vnd+shotgun.api3_hash+json';
export const FORM_TYPE = 'application/x-www-form-urlencoded';

/** A decoded reply: JSON bodies are parsed, anything else is left as text. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface CallOpts {
  /** An object is sent as JSON; a string or URLSearchParams as is. */
  body?: unknown;
  /** Content-Type; defaults to application/json for object bodies. */
  type?: string;
  /** Bearer token; `null` sends no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
}

/** A started sandbox plus raw-HTTP helpers. */
export class Site {
  constructor(
    readonly sb: Sandbox,
    readonly version: 'v1' | 'v1.1' = 'v1.1',
  ) {}

  get url(): string {
    return this.sb.url;
  }

  /** `http://127.0.0.1:port/api/v1.1` */
  get base(): string {
    return `${this.sb.url}/api/${this.version}`;
  }

  /** Any request to an absolute path on the sandbox (`/api/v1/...`, `/_sandbox/...`). */
  async raw(method: string, path: string, o: CallOpts = {}): Promise<Reply> {
    const headers: Record<string, string> = { accept: 'application/json', ...(o.headers ?? {}) };
    let body: string | undefined;
    if (o.body !== undefined) {
      if (typeof o.body === 'string') body = o.body;
      else if (o.body instanceof URLSearchParams) body = o.body.toString();
      else body = JSON.stringify(o.body);
      headers['content-type'] = o.type ?? (typeof o.body === 'object' && !(o.body instanceof URLSearchParams) ? 'application/json' : FORM_TYPE);
    } else if (o.type) {
      headers['content-type'] = o.type;
    }
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const res = await fetch(`${this.sb.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let json: unknown = undefined;
    if ((res.headers.get('content-type') ?? '').includes('json') && text.length > 0) json = JSON.parse(text);
    return { status: res.status, headers: res.headers, text, json };
  }

  /** A request under the API base, e.g. `api('GET', '/entity/assets')`. */
  api(method: string, path: string, o: CallOpts = {}): Promise<Reply> {
    return this.raw(method, `/api/${this.version}${path}`, o);
  }

  /** `client_credentials` token for a script (form body). */
  async scriptToken(name: string, key: string, extra: Record<string, string> = {}): Promise<string> {
    const r = await this.api('POST', '/auth/access_token', {
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: name, client_secret: key, ...extra }),
      type: FORM_TYPE,
    });
    if (r.status !== 200) throw new Error(`token for ${name}: ${r.status} ${r.text}`);
    return r.json.access_token as string;
  }

  /** `password` token for a person. */
  async userToken(login: string, password: string): Promise<string> {
    const r = await this.api('POST', '/auth/access_token', {
      body: new URLSearchParams({ grant_type: 'password', username: login, password }),
      type: FORM_TYPE,
    });
    if (r.status !== 200) throw new Error(`token for ${login}: ${r.status} ${r.text}`);
    return r.json.access_token as string;
  }

  /** POST `/_sandbox/...` control route with a JSON body. */
  control(path: string, body?: unknown): Promise<Reply> {
    return this.raw('POST', `/_sandbox/${path}`, body === undefined ? {} : { body });
  }

  /** `_search` with the array content type; returns the reply. */
  search(type: string, token: string, body: Record<string, unknown>, contentType = ARRAY_TYPE): Promise<Reply> {
    return this.api('POST', `/entity/${type}/_search`, { body, type: contentType, token });
  }

  /** Creates a record and returns its id (throws unless 201). */
  async create(type: string, token: string, data: Record<string, unknown>): Promise<number> {
    const r = await this.api('POST', `/entity/${type}`, { body: data, token });
    if (r.status !== 201) throw new Error(`create ${type}: ${r.status} ${r.text}`);
    return r.json.data.id as number;
  }

  close(): Promise<void> {
    return this.sb.close();
  }
}

export async function boot(opts: SandboxOptions, version: 'v1' | 'v1.1' = 'v1.1'): Promise<Site> {
  const sb = await startSandbox({ port: 0, host: '127.0.0.1', seed: 'minimal', ...opts });
  return new Site(sb, version);
}

/** A clock the test moves by hand (tokens, hold windows and created_at all read it). */
export function manualClock(start = Date.UTC(2026, 0, 15, 12, 0, 0)): {
  now: () => number;
  advance: (ms: number) => void;
  set: (ms: number) => void;
} {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    set: (ms: number) => {
      t = ms;
    },
  };
}

/** The one error object of an `errors[]` body, after checking the envelope (docs/shotgrid-wire.md §1.5). */
export function onlyError(r: Reply): any {
  if (!r.json || !Array.isArray(r.json.errors) || r.json.errors.length !== 1) {
    throw new Error(`expected one error object, got ${r.status} ${r.text}`);
  }
  return r.json.errors[0];
}

/** The ISO 8601 UTC second-resolution shape REST reads return (§1.4). */
export const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** The "YYYY-MM-DD HH:MM:SS UTC" shape of create/update replies and meta dates (§1.4, §2.3). */
export const SPACED_UTC = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/;
