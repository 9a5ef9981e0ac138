// The headless UI's static files: the built renderer over GET/HEAD, with no way out of its
// folder (`..` segments, encoded or not, and symlinks that lead out are refused), the strict
// CSP and friends on every response, and a page that says so when the UI is not built.

import { existsSync, realpathSync, statSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WIRE_PATH } from '../contract.js';
import { contentType, insideRoot, resolveStaticPath } from '../ui/static-files.js';
import { rawPathAndQuery } from './server-auth.js';

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

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shotgun Events: UI not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
<h1>Shotgun Events</h1>
<p>The daemon is running, but the web UI has not been built, so there is nothing to show here.</p>
<p>Build it from the package folder with <code>npm run build</code>, then reload this page.
The WebSocket API at <code>${WIRE_PATH}</code> works meanwhile.</p>
</body></html>
`;

export class StaticSite {
  /** The folder's real path, or null when it has no index.html (the UI is not built). */
  private readonly root: string | null;

  /** `ownHost`: the server's own host:port, for the CSP when a request's Host header is unusable. */
  constructor(
    staticDir: string,
    private readonly ownHost: () => string,
  ) {
    let root: string | null = null;
    try {
      if (existsSync(path.join(staticDir, 'index.html'))) root = realpathSync(staticDir);
    } catch {
      root = null;
    }
    this.root = root;
  }

  send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string, head: boolean): void {
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const policy = csp(this.wsHost(res.req));
    res.writeHead(status, { 'Content-Security-Policy': policy, ...SECURITY_HEADERS, ...headers, 'Content-Length': String(buf.length) });
    res.end(head ? undefined : buf);
  }

  plain(res: ServerResponse, status: number, message: string, head = false, extra: Record<string, string> = {}): void {
    this.send(res, status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra }, `${message}\n`, head);
  }

  /** Answer a GET or HEAD with the file its path names. `setCookie` goes with an HTML page. */
  async serve(req: IncomingMessage, res: ServerResponse, head: boolean, setCookie: string | null): Promise<void> {
    const { pathname } = rawPathAndQuery(req.url);
    const extra: Record<string, string> = setCookie ? { 'Set-Cookie': setCookie } : {};
    const root = this.root;
    if (!root) {
      if (pathname === '/' || pathname === '/index.html') {
        this.send(res, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...extra }, NOT_BUILT_PAGE, head);
      } else this.plain(res, 404, 'Not Found (the web UI is not built: run `npm run build`)', head);
      return;
    }
    const r = resolveStaticPath(root, pathname === '/' ? '/index.html' : pathname);
    if ('status' in r) return this.plain(res, r.status, r.message, head);
    let file = r.file;
    let st = statOrNull(file);
    if (st?.isDirectory()) {
      file = path.join(file, 'index.html');
      st = statOrNull(file);
    }
    // Client-side routes (no extension) fall back to the app's page.
    if (!st && path.extname(file) === '') {
      file = path.join(root, 'index.html');
      st = statOrNull(file);
    }
    if (!st || !st.isFile()) return this.plain(res, 404, 'Not Found', head);
    // Symlinks must not lead out of the folder either.
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      return this.plain(res, 404, 'Not Found', head);
    }
    if (!insideRoot(root, real)) return this.plain(res, 403, 'Forbidden: path traversal', head);
    const isHtml = path.extname(real).toLowerCase() === '.html';
    // Vite's hashed assets never change; everything else is revalidated.
    const hashed = /^\/assets\//.test(pathname) && /[.-][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(pathname);
    const body = await readFile(real);
    const cache = isHtml ? 'no-store' : hashed ? 'private, max-age=31536000, immutable' : 'no-cache';
    this.send(res, 200, { 'Content-Type': contentType(real), 'Cache-Control': cache, ...(isHtml ? extra : {}) }, body, head);
  }

  /** The origin the page was loaded from, for the CSP: the Host header when it is a plain host[:port]. */
  private wsHost(req: IncomingMessage): string {
    const h = req.headers.host;
    return h && /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(h) ? h.toLowerCase() : this.ownHost();
  }
}

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}
