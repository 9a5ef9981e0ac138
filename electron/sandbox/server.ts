// The sandbox as an HTTP server on loopback: REST (`/api/v1`, `/api/v1.1`), the api3
// JSON-RPC endpoint, and `/_sandbox/*` control routes that tests and the CLI use to
// inject faults. node:http directly (not a framework): the emulator must control status
// codes, content-type rejection, raw bodies and HTML error pages byte for byte.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { handleApi3 } from './api3.js';
import { Auth } from './auth.js';
import { SandboxError } from './errors.js';
import { faultPatchSchema, HTML_403, HttpFaults } from './faults.js';
import { errorBody, errorId, RestApi } from './rest.js';
import { seedDemo } from './seed.js';
import { SandboxStore } from './store.js';
import { TrafficGenerator } from './traffic.js';

import { DEFAULT_SANDBOX_PORT } from './default-port.js';

export { DEFAULT_SANDBOX_PORT };

export interface SandboxScript {
  name: string;
  key: string;
  /** The ApiUser's `generate_event_log_entries` checkbox; off by default as on a real site. */
  generateEvents?: boolean;
}

export interface SandboxOptions {
  /** 0 = any free port. Default DEFAULT_SANDBOX_PORT. */
  port?: number;
  host?: string;
  scripts?: SandboxScript[];
  users?: Array<{ login: string; password: string; name?: string }>;
  seed?: 'demo' | 'minimal' | 'none';
  /** `expires_in` of issued tokens, seconds (default 600 as observed on real sites). */
  tokenTtl?: number;
  /** Traffic generator rate in events per second (0 = off). */
  rate?: number;
  /** Keep the site in this JSON file: loaded at start when present, saved as it changes. */
  persistPath?: string;
  /** Delay every reply by this many ms. */
  slowMs?: number;
  clock?: () => number;
  /** MB of EventLogEntry REST encodings kept for re-reads (rest-event-cache.ts; default 16, 0 = none). */
  eventCacheMb?: number;
}

export interface SandboxStats {
  total: number;
  /** Keyed "METHOD /path-after-version", e.g. "POST /entity/EventLogEntry/_search". */
  requests: Record<string, number>;
  /** Tokens issued. */
  auth: number;
}

export interface Sandbox {
  url: string;
  port: number;
  store: SandboxStore;
  auth: Auth;
  faults: HttpFaults;
  traffic: TrafficGenerator;
  stats: SandboxStats;
  /** Writes the persisted state now (no-op without persistPath). */
  save(): void;
  close(): Promise<void>;
}

const scriptSchema = z.object({ name: z.string().min(1), key: z.string().min(1), generateEvents: z.boolean().optional() }).strict();
/** `rate`: events per second from now on; `burst`: write about this many events at once. */
const trafficSchema = z.object({ rate: z.number().nonnegative().optional(), burst: z.number().int().positive().max(1_000_000).optional() }).strict();

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  // Echo the client's request id, as Rails does on a real site; else make one.
  const rid = (res.getHeader('x-request-id') as string | undefined) ?? errorId();
  if (body === undefined) {
    res.writeHead(status, { 'x-request-id': rid, ...headers });
    res.end();
    return;
  }
  // Encode once: the length and the socket write share the bytes (a 5000-event page is
  // megabytes; measuring and then encoding the string twice showed in bench profiles).
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': bytes.length,
    'x-request-id': rid,
    ...headers,
  });
  res.end(bytes);
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const store = new SandboxStore({ clock: opts.clock });
  const auth = new Auth(store);
  const faults = new HttpFaults();
  faults.slowMs = opts.slowMs ?? 0;
  if (opts.tokenTtl) auth.tokenTtl = opts.tokenTtl;

  const persistPath = opts.persistPath;
  let loaded = false;
  if (persistPath && existsSync(persistPath)) {
    try {
      const saved = JSON.parse(readFileSync(persistPath, 'utf8')) as {
        store: unknown;
        scripts: SandboxScript[];
        users: Array<{ login: string; password: string }>;
      };
      store.load(saved.store);
      for (const s of saved.scripts ?? []) auth.addScript(s.name, s.key);
      for (const u of saved.users ?? []) auth.addUser(u.login, u.password);
      loaded = true;
    } catch (e) {
      throw new Error(`Cannot load sandbox state from ${persistPath}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (!loaded) {
    const seed = opts.seed ?? 'demo';
    if (seed !== 'none') seedDemo(store, auth, { size: seed });
  }
  // generateEvents omitted: a new script gets the schema default (off); a persisted one keeps its switch.
  for (const s of opts.scripts ?? []) auth.addScript(s.name, s.key, { generateEvents: s.generateEvents });
  for (const u of opts.users ?? []) auth.addUser(u.login, u.password, u.name);

  const traffic = new TrafficGenerator({ store, rate: opts.rate ?? 0 });
  const stats: SandboxStats = { total: 0, requests: {}, auth: 0 };
  const info = (version: string) => ({
    shotgun_version: 'v8.26.0.8069 (build sandbox)',
    api_version: version,
    shotgun_version_number: '8.26.0.8069',
    shotgun_build_number: 'sandbox',
    user_authentication_method: 'default',
    site_id: 1,
    site_name: 'Shotgun Events sandbox',
  });
  const rest = new RestApi(store, auth, info, opts.eventCacheMb);

  let dirty = false;
  let lastSaved = -1;
  const save = () => {
    if (!persistPath) return;
    const tmp = `${persistPath}.tmp`;
    writeFileSync(tmp, JSON.stringify({ store: store.toJSON(), scripts: auth.scripts(), users: auth.users() }));
    renameSync(tmp, persistPath);
    lastSaved = store.mutations;
    dirty = false;
  };
  const saver = persistPath
    ? setInterval(() => {
        if (dirty || store.mutations !== lastSaved) save();
      }, 1000).unref()
    : null;

  const control = async (req: IncomingMessage, res: ServerResponse, path: string, body: Buffer) => {
    const parse = <T>(schema: z.ZodType<T>): T => {
      let raw: unknown = {};
      if (body.length) raw = JSON.parse(body.toString('utf8'));
      const r = schema.safeParse(raw);
      if (!r.success) throw new SandboxError(400, 103, `Invalid control request: ${z.prettifyError(r.error)}`);
      return r.data;
    };
    const m = req.method;
    if (m === 'GET' && (path === '/_sandbox' || path === '/_sandbox/stats')) {
      return send(res, 200, { ...stats, auth: auth.issued, events: { count: store.eventCount, lastId: store.lastEventId }, traffic: traffic.stats });
    }
    if (m === 'POST' && path === '/_sandbox/faults') {
      const p = parse(faultPatchSchema);
      if (p.fail) faults.fail.push(...p.fail);
      if (p.slowMs !== undefined) faults.slowMs = p.slowMs;
      if (p.tokenTtl !== undefined) auth.tokenTtl = p.tokenTtl;
      if (p.events) Object.assign(store.eventFaults, p.events);
      return send(res, 200, { fail: faults.fail, slowMs: faults.slowMs, tokenTtl: auth.tokenTtl, events: store.eventFaults });
    }
    if (m === 'POST' && path === '/_sandbox/reset-faults') {
      faults.reset();
      store.eventFaults = { ...store.eventFaults, holdWrites: 0, delayEvery: 0, delayProbability: 0, gapEvery: 0, skipIds: 0 };
      return send(res, 200, { ok: true });
    }
    if (m === 'POST' && path === '/_sandbox/tokens/expire') {
      auth.expireAll();
      return send(res, 200, { ok: true });
    }
    if (m === 'POST' && path === '/_sandbox/scripts') {
      const s = parse(scriptSchema);
      const actor = auth.addScript(s.name, s.key, { generateEvents: s.generateEvents });
      return send(res, 200, { type: actor.type, id: actor.id });
    }
    if (m === 'POST' && path === '/_sandbox/traffic') {
      const t = parse(trafficSchema);
      if (t.rate !== undefined) traffic.setRate(t.rate);
      const written = t.burst ? traffic.burst(t.burst) : 0;
      return send(res, 200, { ...traffic.stats, burst: written, lastEventId: store.lastEventId });
    }
    return send(res, 404, errorBody(new SandboxError(404, 103, `No control route ${m} ${path}`)));
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const incoming = req.headers['x-request-id'];
      if (typeof incoming === 'string' && /^[\w.:-]{1,200}$/.test(incoming)) res.setHeader('x-request-id', incoming);
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const path = url.pathname;
      if (path.startsWith('/_sandbox')) return control(req, res, path, body);

      stats.total++;
      const fault = faults.take(path);
      if (faults.slowMs > 0) await new Promise((r) => setTimeout(r, faults.slowMs));
      if (fault) {
        if (fault.status === 403 && fault.html) {
          res.writeHead(403, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(HTML_403);
        }
        const titles: Record<number, string> = {
          403: 'Forbidden',
          415: 'Unsupported Media Type',
          429: 'Too Many Requests',
          500: 'Internal Server Error',
          502: 'Bad Gateway',
          503: 'Flow Production Tracking is currently down for maintenance or too busy to reply',
          504: 'Gateway Timeout',
        };
        const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
        return send(res, fault.status, errorBody(new SandboxError(fault.status, fault.status === 429 ? 107 : 103, titles[fault.status]!)), headers);
      }

      if (path === '/api3/json') {
        stats.requests['POST /api3/json'] = (stats.requests['POST /api3/json'] ?? 0) + 1;
        if (req.method !== 'POST') return send(res, 405, { exception: true, message: 'api3 takes POST', error_code: 103 });
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          return send(res, 200, { exception: true, message: 'Invalid JSON body', error_code: 103 });
        }
        if (req.method === 'POST') dirty = true;
        return send(res, 200, handleApi3(parsed, { store, auth, serverInfo: () => info('api3') }));
      }

      const mm = /^\/api\/(v1\.1|v1)(\/.*)?$/.exec(path);
      if (!mm) return send(res, 404, errorBody(new SandboxError(404, 103, 'Not Found', {}, `No route for ${path}`)));
      const sub = mm[2] ?? '/';
      const key = `${req.method} ${sub.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
      stats.requests[key] = (stats.requests[key] ?? 0) + 1;
      const reply = rest.handle({
        method: req.method ?? 'GET',
        path: sub,
        version: mm[1] as 'v1' | 'v1.1',
        query: url.searchParams,
        headers: req.headers,
        body,
      });
      if (req.method !== 'GET') dirty = true;
      send(res, reply.status, reply.body, reply.headers);
    })().catch((e: unknown) => {
      if (e instanceof SandboxError) return send(res, e.status, errorBody(e));
      if (!res.headersSent) send(res, 500, errorBody(new SandboxError(500, 103, `Internal error: ${(e as Error).message}`)));
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_SANDBOX_PORT, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  traffic.start();

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    store,
    auth,
    faults,
    traffic,
    stats,
    save,
    close: async () => {
      traffic.stop();
      if (saver) clearInterval(saver);
      if (persistPath) save();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
