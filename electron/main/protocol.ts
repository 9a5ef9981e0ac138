// The renderer is served from a custom, privileged `app://renderer/` scheme instead of
// file:// (security checklist §18): a real origin for CSP 'self' and for the IPC sender
// check, no file:// privileges, and only files under dist/renderer are reachable (any
// path that resolves outside it is refused, encoded `..` and NUL included).

import { readFile, realpath, stat } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { contentType, insideRoot, resolveStaticPath } from '../ui/static-files.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
/** The renderer's origin: the only frames allowed to call IPC. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * The header CSP of every renderer response (the renderer's index.html also carries a
 * <meta> CSP; both apply). Inline styles are allowed (React style attributes, CSS-in-JS of
 * the virtualized lists); scripts only from the app's own files, no eval, no remote
 * anything, no plugins, no framing, no forms, no <base> rewrites.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "worker-src 'self'",
].join('; ');

/** Must run before the app is ready (Electron's rule), once. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      // standard: real origin and relative URLs; secure: a secure context like https.
      // No bypassCSP, no corsEnabled, no stream/service-worker privileges: not needed.
      privileges: { standard: true, secure: true, supportFetchAPI: true },
    },
  ]);
}

/**
 * The file under `root` that `requestUrl` names, or null when the URL is not ours or
 * would escape `root` (`..`, encoded or not, absolute paths, NUL, backslashes).
 */
export function resolveRendererPath(root: string, requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  const r = resolveStaticPath(root, url.pathname);
  return 'file' in r ? r.file : null;
}

function textResponse(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
    },
  });
}

/** Answers one `app://renderer/...` request from the files under `root`. */
export async function rendererResponse(root: string, requestUrl: string, method = 'GET'): Promise<Response> {
  if (method !== 'GET' && method !== 'HEAD') return textResponse(405, 'method not allowed');
  const file = resolveRendererPath(root, requestUrl);
  if (!file) return textResponse(404, 'not found');
  try {
    // Symlinks must not lead out of the renderer folder either.
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    if (!insideRoot(realRoot, realFile)) return textResponse(404, 'not found');
    if (!(await stat(realFile)).isFile()) return textResponse(404, 'not found');
    const body = await readFile(realFile);
    return new Response(method === 'HEAD' ? null : body, {
      status: 200,
      headers: {
        'content-type': contentType(realFile),
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      },
    });
  } catch {
    return textResponse(404, 'not found');
  }
}

/** Serves `root` (dist/renderer) on app://renderer/ in the given session's protocol registry. */
export function serveRenderer(protocol: Pick<Protocol, 'handle'>, root: string): void {
  protocol.handle(APP_SCHEME, (request) => rendererResponse(root, request.url, request.method));
}
