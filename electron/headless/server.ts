// The headless UI (docs/architecture.md): the built renderer over HTTP and the one UI contract
// (contract.ts) over WebSocket at /ws, so the same React UI runs in a browser against a
// daemon started with `shotgun-events run --ui`. Plain Node (node:http + the `ws` package);
// never imports electron.
//
// Security:
// - Bound to 127.0.0.1 by default, no token. Any other host (0.0.0.0, ::, a LAN address)
//   requires a token (the configured one, else a random 256-bit one); a configured token is
//   required on loopback too. Accepted as `?token=`, `Authorization: Bearer`, or the
//   HttpOnly SameSite=Strict cookie set when a page was opened with `?token=` (so the page's
//   own script and style requests are authorised). Compared in constant time. Wrong or
//   missing: 401 for HTTP and for the WebSocket upgrade. A configured token must have at
//   least MIN_TOKEN_LENGTH characters.
// - Guessing is throttled per remote address (AuthThrottle): after `authMaxFailures` wrong
//   tokens, the address is refused (429, Retry-After) for a delay that doubles with each
//   further failure; each failure and each lock is logged at WARNING.
// - Without a token (loopback), the Host header must name a loopback address (DNS-rebinding
//   guard), else 403.
// - WebSocket upgrades whose Origin does not match the Host get 403 (cross-site WebSocket
//   hijacking). Clients that send no Origin (not a browser) are let through the Origin check.
// - Static files: GET/HEAD only, no directory traversal (`..` segments, encoded or not, and
//   anything resolving outside the folder are refused), strict CSP and friends on every response.
//   The CSP's connect-src is the page's own origin: 'self' and ws://<its host:port>.
//
// Backpressure: each connection has its own UpdateBatcher. When a batch is due and the
// socket's buffered amount is above SLOW_BYTES, the stream items (events, outcomes, logs) of
// that batch are dropped and the state items (engine, plugin, pluginRemoved, audit) are still
// sent; once the buffer has drained, the client is sent a fresh snapshot so it is whole again.
// Above KILL_BYTES the client is disconnected (1013, "client too slow"); it reconnects and
// gets a snapshot.

import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync, statSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import {
  exhaustive,
  parseCommand,
  WIRE_MAX_MESSAGE_BYTES,
  WIRE_PATH,
  wireToServer,
  type CommandArgs,
  type CommandName,
  type Update,
  type WireToClient,
} from '../contract.js';
import type { EngineLike } from '../engine/engine.js';
import { delay } from '../retry.js';
import {
  AuthThrottle,
  checkUiToken,
  hostHeaderName,
  hostPort,
  isLoopbackHost,
  isWildcardHost,
  parseCookies,
  tokenMatches,
} from './server-auth.js';
import { UpdateBatcher } from '../ui/batcher.js';
import { contentType, insideRoot, resolveStaticPath } from '../ui/static-files.js';

export interface UiLogger {
  info(message: string): void;
  warning(message: string): void;
}

/** The shortest token accepted from --ui-token / SHOTGUN_EVENTS_UI_TOKEN. */
export { AuthThrottle, checkUiToken, hostPort, isLoopbackHost, isWildcardHost, MIN_TOKEN_LENGTH, parseListen, tokenMatches } from './server-auth.js';

export interface UiServerOptions {
  engine: EngineLike;
  host: string;
  port: number;
  /** Required token; null/undefined: none on loopback, a generated one on any other host. */
  token?: string | null;
  /** Who acts, in the audit log, when a token is required (default "token"); "local" without one. */
  tokenLabel?: string;
  /** The built renderer (index.html + assets). */
  staticDir: string;
  logger?: UiLogger;
  /** Batch interval for updates (ms); default 100. */
  batchMs?: number;
  /** Backpressure thresholds (bytes buffered on a socket); defaults 4 MB and 32 MB. */
  slowBytes?: number;
  killBytes?: number;
  /** Most simultaneous WebSocket clients; default 64. */
  maxClients?: number;
  /** Wrong tokens an address may send before it is locked out; default 10. */
  authMaxFailures?: number;
  /** The first lockout (ms); it doubles with each further failure, up to 15 min. Default 1000. */
  authLockoutMs?: number;
}

export interface UiServer {
  /** What to open: `http://HOST:PORT/`, plus `?token=…` when a token is required. */
  url: string;
  /** The token required, or null when none is. */
  token: string | null;
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The Content-Security-Policy of every response. connect-src is the page's own origin only:
 * 'self', plus its WebSocket origin spelled out (`ws://` + the Host the page was loaded from)
 * for browsers whose 'self' does not cover ws:. Twin of vite.config.ts's meta-tag CSP.
 */
export function csp(wsHost: string): string {
  return (
    `default-src 'self'; connect-src 'self' ws://${wsHost}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; ` +
    "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
  );
}

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};


/**
 * The package's built renderer: `dist/renderer/` next to the compiled `dist/electron/`.
 * Run from sources (tsx), the same folder under the package root.
 */
export function defaultStaticDir(): string {
  const here = fileURLToPath(import.meta.url);
  const inDist = here.split(path.sep).includes('dist');
  return fileURLToPath(new URL(inDist ? '../../renderer/' : '../../dist/renderer/', import.meta.url));
}

function rawPathAndQuery(url: string | undefined): { pathname: string; query: URLSearchParams } {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return { pathname: q < 0 ? u : u.slice(0, q), query: new URLSearchParams(q < 0 ? '' : u.slice(q + 1)) };
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shotgun Events: UI not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
<h1>Shotgun Events</h1>
<p>The daemon is running, but the web UI has not been built, so there is nothing to show here.</p>
<p>Build it from the package folder with <code>npm run build</code>, then reload this page.
The WebSocket API at <code>${WIRE_PATH}</code> works meanwhile.</p>
</body></html>
`;

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const { engine, host } = opts;
  const log = opts.logger;
  const loopback = isLoopbackHost(host);
  const configured = opts.token ?? null;
  if (configured !== null) checkUiToken(configured);
  const token: string | null = configured ?? (loopback ? null : randomBytes(32).toString('base64url'));
  // The audit log names who acted, not an IP and port (docs/engine.md, audit).
  const who = token === null ? 'local' : (opts.tokenLabel ?? 'token');
  const batchMs = opts.batchMs ?? 100;
  const slowBytes = opts.slowBytes ?? 4 * 1024 * 1024;
  const killBytes = opts.killBytes ?? 32 * 1024 * 1024;
  const maxClients = opts.maxClients ?? 64;
  let staticRoot: string | null = null;
  try {
    if (existsSync(path.join(opts.staticDir, 'index.html'))) staticRoot = realpathSync(opts.staticDir);
  } catch {
    staticRoot = null;
  }
  let port = opts.port;
  const cookieName = () => `sge_ui_token_${port}`;
  const throttle = new AuthThrottle(opts.authMaxFailures ?? 10, opts.authLockoutMs ?? 1000);

  /** The origin the page was loaded from, for the CSP: the Host header when it is a plain host[:port]. */
  function wsHost(req: IncomingMessage): string {
    const h = req.headers.host;
    return h && /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(h) ? h.toLowerCase() : hostPort(host, port);
  }

  /** null: allowed; else the status and reason to refuse with. */
  function gate(req: IncomingMessage): { status: number; message: string; headers?: Record<string, string> } | null {
    if (token === null) {
      // No token: only a loopback Host name is accepted (DNS rebinding).
      const h = hostHeaderName(req.headers.host);
      if (!h || !isLoopbackHost(h)) return { status: 403, message: 'Forbidden: unexpected Host header' };
      return null;
    }
    const address = req.socket.remoteAddress ?? '?';
    const wait = throttle.lockedFor(address, Date.now());
    if (wait > 0) {
      // Not even compared: a locked-out address learns nothing, right token or not.
      const s = Math.ceil(wait / 1000);
      return { status: 429, message: `Too Many Requests: too many wrong UI tokens from ${address}; try again in ${s} s`, headers: { 'Retry-After': String(s) } };
    }
    const { query } = rawPathAndQuery(req.url);
    const auth = req.headers.authorization;
    const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    const candidates = [query.get('token'), bearer, parseCookies(req.headers.cookie).get(cookieName())];
    let ok = false;
    for (const c of candidates) if (tokenMatches(c, token)) ok = true; // no early exit: same work either way
    if (ok) {
      throttle.succeeded(address);
      return null;
    }
    // Only a token that was given and is wrong counts as a guess (a bare visit is not one).
    if (candidates.some((c) => typeof c === 'string' && c !== '')) {
      const f = throttle.failed(address, Date.now());
      const what = `${req.method ?? 'GET'} ${rawPathAndQuery(req.url).pathname}`;
      if (f.lockMs > 0) {
        log?.warning(`UI: wrong token from ${address} (${what}), ${f.failures} failed attempts: refusing it for ${Math.ceil(f.lockMs / 1000)} s`);
      } else {
        log?.warning(`UI: wrong token from ${address} (${what}), failed attempt ${f.failures} of ${throttle.maxFailures} before a lockout`);
      }
    }
    return { status: 401, message: 'Unauthorized: this UI needs its token (open the URL printed by `shotgun-events run --ui`, with ?token=…)' };
  }

  function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string, head: boolean): void {
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const policy = csp(wsHost(res.req));
    res.writeHead(status, { 'Content-Security-Policy': policy, ...SECURITY_HEADERS, ...headers, 'Content-Length': String(buf.length) });
    res.end(head ? undefined : buf);
  }

  function plain(res: ServerResponse, status: number, message: string, head = false, extra: Record<string, string> = {}): void {
    send(res, status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra }, `${message}\n`, head);
  }

  /** The file a request path names inside the static root, or a refusal. */
  const resolveStatic = (rawPath: string) => resolveStaticPath(staticRoot!, rawPath);

  async function serveFile(req: IncomingMessage, res: ServerResponse, head: boolean, setCookie: string | null): Promise<void> {
    const { pathname } = rawPathAndQuery(req.url);
    const extra: Record<string, string> = setCookie ? { 'Set-Cookie': setCookie } : {};
    if (!staticRoot) {
      if (pathname === '/' || pathname === '/index.html') {
        send(res, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...extra }, NOT_BUILT_PAGE, head);
      } else plain(res, 404, 'Not Found (the web UI is not built: run `npm run build`)', head);
      return;
    }
    const r = resolveStatic(pathname === '/' ? '/index.html' : pathname);
    if ('status' in r) return plain(res, r.status, r.message, head);
    let file = r.file;
    let st = statOrNull(file);
    if (st?.isDirectory()) {
      file = path.join(file, 'index.html');
      st = statOrNull(file);
    }
    // Client-side routes (no extension) fall back to the app's page.
    if (!st && path.extname(file) === '') {
      file = path.join(staticRoot, 'index.html');
      st = statOrNull(file);
    }
    if (!st || !st.isFile()) return plain(res, 404, 'Not Found', head);
    // Symlinks must not lead out of the folder either.
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      return plain(res, 404, 'Not Found', head);
    }
    if (!insideRoot(staticRoot, real)) return plain(res, 403, 'Forbidden: path traversal', head);
    const isHtml = path.extname(real).toLowerCase() === '.html';
    // Vite's hashed assets never change; everything else is revalidated.
    const hashed = /^\/assets\//.test(pathname) && /[.-][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(pathname);
    const body = await readFile(real);
    send(
      res,
      200,
      {
        'Content-Type': contentType(real),
        'Cache-Control': isHtml ? 'no-store' : hashed ? 'private, max-age=31536000, immutable' : 'no-cache',
        ...(isHtml ? extra : {}),
      },
      body,
      head,
    );
  }

  const http = createServer((req, res) => {
    void (async () => {
      const method = req.method ?? 'GET';
      const head = method === 'HEAD';
      if (method !== 'GET' && method !== 'HEAD') return plain(res, 405, 'Method Not Allowed', false, { Allow: 'GET, HEAD' });
      const refused = gate(req);
      if (refused) return plain(res, refused.status, refused.message, head, refused.headers);
      const { pathname, query } = rawPathAndQuery(req.url);
      if (pathname === WIRE_PATH) return plain(res, 426, 'Upgrade Required: this is the WebSocket endpoint', head, { Upgrade: 'websocket' });
      // A page opened with ?token= gets a cookie so its own asset requests are let in.
      const setCookie =
        token !== null && query.has('token') ? `${cookieName()}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict` : null;
      await serveFile(req, res, head, setCookie);
    })().catch((e: unknown) => {
      log?.warning(`UI server: ${req.method} ${req.url}: ${(e as Error).message}`);
      if (!res.headersSent) plain(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });
  http.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: WIRE_MAX_MESSAGE_BYTES, clientTracking: true });
  const clients = new Set<Connection>();

  function refuseUpgrade(socket: Duplex, status: number, message: string): void {
    const reason =
      { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' }[status] ??
      'Error';
    const body = `${message}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, headBuf: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      onUpgrade(req, socket, headBuf);
    } catch (e) {
      log?.warning(`UI server: WebSocket upgrade failed: ${(e as Error).message}`);
      socket.destroy();
    }
  });

  function onUpgrade(req: IncomingMessage, socket: Duplex, headBuf: Buffer): void {
    const { pathname } = rawPathAndQuery(req.url);
    if (pathname !== WIRE_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    const refused = gate(req);
    if (refused) return refuseUpgrade(socket, refused.status, refused.message);
    const origin = req.headers.origin;
    if (origin !== undefined) {
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
        return refuseUpgrade(socket, 403, `Forbidden: cross-origin WebSocket (Origin ${origin})`);
      }
    }
    if (clients.size >= maxClients) return refuseUpgrade(socket, 503, 'Too many UI connections');
    wss.handleUpgrade(req, socket, headBuf, (ws) => {
      const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
      clients.add(new Connection(ws, peer));
    });
  }

  /** One WebSocket client (one window). */
  class Connection {
    private batcher: UpdateBatcher;
    private unsubscribe: () => void;
    private alive = true;
    private pressure = new Backpressure(slowBytes, killBytes);
    private closed = false;

    constructor(
      private ws: WebSocket,
      private peer: string,
    ) {
      this.batcher = new UpdateBatcher((updates) => this.onBatch(updates), { intervalMs: batchMs });
      // Subscribe and snapshot in the same tick: nothing falls between them.
      this.unsubscribe = engine.subscribe((u) => this.batcher.push(u));
      ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
      ws.on('pong', () => (this.alive = true));
      ws.on('close', () => this.dispose());
      ws.on('error', (e) => {
        log?.warning(`UI client ${this.peer}: ${e.message}`);
        this.dispose();
      });
      this.sendSnapshot();
    }

    heartbeat(): void {
      if (!this.alive) {
        this.ws.terminate();
        return;
      }
      this.alive = false;
      try {
        this.ws.ping();
      } catch {
        /* closing */
      }
    }

    private write(msg: WireToClient): void {
      if (this.ws.readyState !== WebSocket.OPEN) return;
      this.ws.send(JSON.stringify(msg));
    }

    private sendSnapshot(): void {
      this.write({ type: 'snapshot', snapshot: engine.snapshot() });
    }

    private onBatch(updates: Update[]): void {
      const d = this.pressure.decide(updates, this.ws.bufferedAmount);
      switch (d.action) {
        case 'disconnect':
          log?.warning(`UI client ${this.peer}: ${this.ws.bufferedAmount} bytes unsent; disconnecting it (too slow)`);
          this.ws.close(1013, 'client too slow');
          this.dispose();
          return;
        case 'snapshot':
          log?.info(`UI client ${this.peer}: caught up after dropping ${d.dropped} stream updates; sending a fresh snapshot`);
          return this.sendSnapshot(); // the snapshot already holds what this batch carries
        case 'send':
          if (d.updates.length) this.write({ type: 'updates', updates: d.updates });
          return;
        default:
          exhaustive(d);
      }
    }

    private reply(id: string | number | null, r: { ok: true; result: unknown } | { ok: false; error: string }): void {
      this.write(r.ok ? { type: 'result', id, ok: true, result: r.result ?? null } : { type: 'result', id, ok: false, error: r.error });
    }

    private onMessage(data: RawData, isBinary: boolean): void {
      if (isBinary) return this.reply(null, { ok: false, error: 'binary messages are not accepted: send JSON text' });
      let msg: unknown;
      try {
        msg = JSON.parse(rawToString(data));
      } catch (e) {
        return this.reply(null, { ok: false, error: `malformed message: not JSON (${(e as Error).message})` });
      }
      const rawId = (msg as { id?: unknown } | null)?.id;
      const id = typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId)) ? rawId : null;
      const env = wireToServer.safeParse(msg);
      if (!env.success) {
        const problems = env.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
        return this.reply(id, { ok: false, error: `malformed message: expected {type:'command', id, name, args} (${problems})` });
      }
      const { name, args } = env.data;
      let parsed: { name: CommandName; args: unknown };
      try {
        parsed = parseCommand(name, args);
      } catch (e) {
        return this.reply(id, { ok: false, error: (e as Error).message });
      }
      engine
        .command(parsed.name, parsed.args as CommandArgs<CommandName>, who)
        .then(
          (result) => this.reply(id, { ok: true, result }),
          (e: unknown) => this.reply(id, { ok: false, error: e instanceof Error ? e.message : String(e) }),
        )
        .catch(() => {
          /* the socket went away */
        });
    }

    dispose(): void {
      if (this.closed) return;
      this.closed = true;
      this.unsubscribe();
      this.batcher.close();
      clients.delete(this);
    }

    shutdown(): void {
      this.dispose();
      if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1001, 'server shutting down');
    }

    kill(): void {
      this.ws.terminate();
    }
  }

  const beat = setInterval(() => {
    for (const c of clients) c.heartbeat();
  }, 30_000);
  beat.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (e) => log?.warning(`UI server: ${e.message}`));
  port = (http.address() as AddressInfo).port;

  const url = `http://${hostPort(host, port)}/${token !== null ? `?token=${encodeURIComponent(token)}` : ''}`;
  let closing: Promise<void> | null = null;
  return {
    url,
    token,
    host,
    port,
    close() {
      closing ??= (async () => {
        clearInterval(beat);
        const all = [...clients];
        for (const c of all) c.shutdown();
        const done = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        // Give clients a moment to complete the closing handshake, then cut what is left.
        await Promise.race([done, delay(1000, { unref: true })]);
        for (const c of all) c.kill();
        for (const ws of wss.clients) ws.terminate();
        http.closeAllConnections();
        await done;
        wss.close();
      })();
      return closing;
    },
  };
}

/** Stream updates a slow client may miss (it gets a fresh snapshot after); state updates are always sent. Every kind is listed, so a new one must be classified. */
const STREAM_KINDS: Record<Update['kind'], boolean> = {
  engine: false,
  plugin: false,
  pluginRemoved: false,
  audit: false,
  trend: false,
  events: true,
  outcome: true,
  logs: true,
};

/**
 * The slow-client policy, per connection and per batch: below `slowBytes` buffered, send
 * the batch; above it, send only the state items (engine, plugin, pluginRemoved, audit) and
 * drop the stream (events, outcomes, logs); on the first batch after that with the buffer
 * drained, send a fresh snapshot instead; above `killBytes`, disconnect.
 */
export class Backpressure {
  private dropped = 0;
  private behind = false;

  constructor(
    private slowBytes: number,
    private killBytes: number,
  ) {}

  decide(updates: Update[], buffered: number): { action: 'send'; updates: Update[] } | { action: 'snapshot'; dropped: number } | { action: 'disconnect' } {
    if (buffered > this.killBytes) return { action: 'disconnect' };
    if (buffered > this.slowBytes) {
      const kept = updates.filter((u) => !STREAM_KINDS[u.kind]);
      this.dropped += updates.length - kept.length;
      this.behind = true;
      return { action: 'send', updates: kept };
    }
    if (this.behind) {
      const dropped = this.dropped;
      this.behind = false;
      this.dropped = 0;
      return { action: 'snapshot', dropped };
    }
    return { action: 'send', updates };
  }
}

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** What `run --ui` prints: the URL to open (with its token when one is needed), once. */
export function describeUi(s: UiServer, staticDir: string): string {
  const lines = [`UI: ${s.url}`];
  if (isWildcardHost(s.host)) {
    const q = s.token !== null ? `?token=${encodeURIComponent(s.token)}` : '';
    const addrs = Object.values(networkInterfaces())
      .flat()
      .filter((a): a is NonNullable<typeof a> => !!a && !a.internal && (s.host === '0.0.0.0' ? a.family === 'IPv4' : true))
      .map((a) => `http://${hostPort(a.address, s.port)}/${q}`);
    lines.push(`    (listening on every interface${addrs.length ? `; e.g. ${addrs.slice(0, 3).join(' ')}` : ''})`);
  }
  if (s.token !== null) lines.push('    (the token is required: keep this URL private)');
  if (!existsSync(path.join(staticDir, 'index.html'))) lines.push(`    (the web UI is not built: run \`npm run build\`; ${staticDir} has no index.html)`);
  return `${lines.join('\n')}\n`;
}
