// The headless UI (docs/architecture.md): the built renderer over HTTP and the one UI contract
// (contract.ts) over WebSocket at /ws, so the same React UI runs in a browser against a
// daemon started with `shotgun-events run --ui`. Plain Node (node:http + the `ws` package);
// never imports electron.
//
// This file wires the parts together: the gate (server-auth.ts), the static files
// (server-static.ts) and the WebSocket clients (server-connections.ts).
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
// - Static files (server-static.ts): GET/HEAD only, no directory traversal (`..` segments,
//   encoded or not, and anything resolving outside the folder are refused), strict CSP and
//   friends on every response.
//   The CSP's connect-src is the page's own origin: 'self' and ws://<its host:port>.
//
// Backpressure (server-backpressure.ts): each connection has its own UpdateBatcher. When a batch is due and the
// socket's buffered amount is above SLOW_BYTES, the stream items (events, outcomes, logs) of
// that batch are dropped and the state items (engine, plugin, pluginRemoved, audit) are still
// sent; once the buffer has drained, the client is sent a fresh snapshot so it is whole again.
// Above KILL_BYTES the client is disconnected (1013, "client too slow"); it reconnects and
// gets a snapshot.

import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { WIRE_MAX_MESSAGE_BYTES, WIRE_PATH } from '../contract.js';
import type { EngineLike } from '../engine/engine.js';
import { delay } from '../retry.js';
import { hostPort, isWildcardHost, rawPathAndQuery, UiGate, type UiLogger } from './server-auth.js';
import { UiConnections } from './server-connections.js';
import { StaticSite } from './server-static.js';

export type { UiLogger } from './server-auth.js';
export { AuthThrottle, checkUiToken, hostPort, isLoopbackHost, isWildcardHost, MIN_TOKEN_LENGTH, parseListen, tokenMatches } from './server-auth.js';
export { Backpressure } from './server-backpressure.js';
export { csp, defaultStaticDir } from './server-static.js';

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

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const { engine, host } = opts;
  const log = opts.logger;
  const gate = new UiGate(opts, log);
  const { token, who } = gate;
  const site = new StaticSite(opts.staticDir, () => hostPort(host, gate.port));
  const clients = new UiConnections(
    {
      subscribe: (fn) => engine.subscribe(fn),
      snapshot: () => engine.snapshot(),
      command: (name, args) => engine.command(name, args, who),
    },
    {
      batchMs: opts.batchMs ?? 100,
      slowBytes: opts.slowBytes ?? 4 * 1024 * 1024,
      killBytes: opts.killBytes ?? 32 * 1024 * 1024,
      maxClients: opts.maxClients ?? 64,
      logger: log,
    },
  );

  const http = createServer((req, res) => {
    void (async () => {
      const method = req.method ?? 'GET';
      const head = method === 'HEAD';
      if (method !== 'GET' && method !== 'HEAD') return site.plain(res, 405, 'Method Not Allowed', false, { Allow: 'GET, HEAD' });
      const refused = gate.check(req);
      if (refused) return site.plain(res, refused.status, refused.message, head, refused.headers);
      const { pathname, query } = rawPathAndQuery(req.url);
      if (pathname === WIRE_PATH) return site.plain(res, 426, 'Upgrade Required: this is the WebSocket endpoint', head, { Upgrade: 'websocket' });
      await site.serve(req, res, head, gate.cookieFor(query));
    })().catch((e: unknown) => {
      log?.warning(`UI server: ${req.method} ${req.url}: ${(e as Error).message}`);
      if (!res.headersSent) site.plain(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });
  http.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: WIRE_MAX_MESSAGE_BYTES, clientTracking: true });
  function onUpgrade(req: IncomingMessage, socket: Duplex, headBuf: Buffer): void {
    if (rawPathAndQuery(req.url).pathname !== WIRE_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    const refused = gate.check(req) ?? gate.checkOrigin(req);
    if (refused) return refuseUpgrade(socket, refused.status, refused.message);
    if (clients.full) return refuseUpgrade(socket, 503, 'Too many UI connections');
    wss.handleUpgrade(req, socket, headBuf, (ws) => {
      clients.accept(ws, `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`);
    });
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

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (e) => log?.warning(`UI server: ${e.message}`));
  const port = (http.address() as AddressInfo).port;
  gate.port = port;

  const url = `http://${hostPort(host, port)}/${token !== null ? `?token=${encodeURIComponent(token)}` : ''}`;
  let closing: Promise<void> | null = null;
  return {
    url,
    token,
    host,
    port,
    close() {
      closing ??= (async () => {
        const cut = clients.shutdown();
        const done = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        // Give clients a moment to complete the closing handshake, then cut what is left.
        await Promise.race([done, delay(1000, { unref: true })]);
        cut();
        for (const ws of wss.clients) ws.terminate();
        http.closeAllConnections();
        await done;
        wss.close();
      })();
      return closing;
    },
  };
}

/** Refuse a WebSocket upgrade with a plain HTTP answer on the raw socket. */
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
  if (!existsSync(path.join(staticDir, 'index.html')))
    lines.push(`    (the web UI is not built: run \`npm run build\`; ${staticDir} has no index.html)`);
  return `${lines.join('\n')}\n`;
}
