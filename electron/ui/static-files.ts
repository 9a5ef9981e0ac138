// Serving the built renderer safely, shared by the headless server (HTTP) and the
// Electron app:// protocol: one content-type table and one path rule, so a traversal
// fix lands in both.

import path from 'node:path';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

export const contentType = (file: string): string => CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

/**
 * The file under `root` that a raw (still percent-encoded) URL path names, or a refusal:
 * malformed encoding, NUL or backslash → 400; `.`/`..` segments, plain or encoded → 403;
 * dotfiles → 404; anything resolving outside `root` → 403. `/` means `/index.html`.
 * Symlinks are the caller's to check (with realpath) once the file is known to exist.
 */
export function resolveStaticPath(root: string, rawPath: string): { file: string } | { status: number; message: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { status: 400, message: 'Bad Request: malformed path' };
  }
  if (decoded === '/' || decoded === '') decoded = '/index.html';
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return { status: 400, message: 'Bad Request: malformed path' };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { status: 403, message: 'Forbidden: path traversal' };
  if (segments.some((s) => s.startsWith('.') && s.length > 0)) return { status: 404, message: 'Not Found' };
  const base = path.resolve(root);
  const file = path.resolve(base, `.${decoded}`);
  if (file === base || !file.startsWith(base + path.sep)) return { status: 403, message: 'Forbidden: path traversal' };
  return { file };
}

/** Whether `real` (a realpath) lies inside `realRoot`: symlinks must not lead out. */
export function insideRoot(realRoot: string, real: string): boolean {
  const inside = path.relative(realRoot, real);
  return inside !== '' && !inside.startsWith('..') && !path.isAbsolute(inside);
}
