// The headless UI's HTTP side: the built renderer with the right types and security
// headers, no way out of the folder, and a plain page when the renderer is not built.
import { readFileSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csp, startUiServer } from '../../electron/headless/server.js';
import { get, INDEX_HTML, startStack, WireClient, type Stack } from './helpers.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
  symlinkSync(path.join(s.site.dir, 'secret.txt'), path.join(s.www, 'link.txt'));
});
afterAll(async () => s?.close());

/** connect-src is the page's own origin only (no `ws: wss:`, which would let a script talk to any WebSocket server). */
const expectedCsp = (port: number) =>
  `default-src 'self'; connect-src 'self' ws://127.0.0.1:${port}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`;

describe('headless UI: static files', () => {
  it('serves index.html at / with the CSP and security headers', async () => {
    expect(csp(`127.0.0.1:${s.ui.port}`)).toBe(expectedCsp(s.ui.port));
    const r = await get(s.ui.port, '/');
    expect(r.status).toBe(200);
    expect(r.body).toBe(INDEX_HTML);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(expectedCsp(s.ui.port));
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['set-cookie']).toBeUndefined(); // no token, no cookie
  });

  it("the built renderer's meta CSP (vite.config.ts) limits connect-src to the page's own origin too", () => {
    const html = readFileSync(fileURLToPath(new URL('../../dist/renderer/index.html', import.meta.url)), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1]?.replaceAll('&#39;', "'");
    expect(meta).toContain("connect-src 'self';");
    expect(meta).not.toMatch(/\bwss?:/);
  });

  it("names the WebSocket origin the page was loaded from (a well-formed Host), else the server's own address", async () => {
    const byName = await get(s.ui.port, '/', { Host: `localhost:${s.ui.port}` });
    expect(byName.headers['content-security-policy']).toContain(`connect-src 'self' ws://localhost:${s.ui.port};`);
    const v6 = await startUiServer({ engine: s.engine, host: '0.0.0.0', port: 0, staticDir: s.www });
    try {
      const auth = { Authorization: `Bearer ${v6.token}` };
      const lan = await get(v6.port, '/', { ...auth, Host: `[::1]:${v6.port}` });
      expect(lan.headers['content-security-policy']).toContain(`connect-src 'self' ws://[::1]:${v6.port};`);
      // A Host that could smuggle a directive is not copied into the policy.
      const odd = await get(v6.port, '/', { ...auth, Host: 'x; connect-src *' });
      expect(odd.headers['content-security-policy']).toContain(`connect-src 'self' ws://0.0.0.0:${v6.port};`);
      expect(odd.headers['content-security-policy']).not.toContain('connect-src *');
    } finally {
      await v6.close();
    }
  });

  it('serves assets with their content types and cache headers', async () => {
    const js = await get(s.ui.port, '/assets/app-0123abcd.js');
    expect(js.status).toBe(200);
    expect(js.body).toContain('console.log');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toMatch(/immutable/);
    expect(js.headers['content-security-policy']).toBe(expectedCsp(s.ui.port));
    const css = await get(s.ui.port, '/style.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('no-cache');
    const head = await get(s.ui.port, '/style.css', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('falls back to index.html for client routes, 404s missing files, 405s other methods', async () => {
    expect((await get(s.ui.port, '/plugins')).body).toBe(INDEX_HTML);
    expect((await get(s.ui.port, '/assets/missing.js')).status).toBe(404);
    expect((await get(s.ui.port, '/.hidden')).status).toBe(404);
    const post = await get(s.ui.port, '/', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await get(s.ui.port, '/ws')).status).toBe(426);
  });

  it('refuses directory traversal, plain or encoded, and symlinks out of the folder', async () => {
    const attempts = [
      '/../package.json',
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/../../secret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%5csecret.txt',
      '/assets/%00.js',
      '/%zz',
      '/link.txt',
    ];
    for (const p of attempts) {
      const r = await get(s.ui.port, p);
      expect([400, 403, 404], `${p} -> ${r.status}`).toContain(r.status);
      expect(r.body).not.toContain('TOP SECRET');
      expect(r.body).not.toContain('"name": "shotgun-events"');
    }
    expect((await get(s.ui.port, '/../package.json')).status).toBe(403);
    expect((await get(s.ui.port, '/%2e%2e/secret.txt')).status).toBe(403);
    expect((await get(s.ui.port, '/link.txt')).status).toBe(403);
  });

  it('answers a wrong Host header with 403 when no token is set (DNS rebinding)', async () => {
    const r = await get(s.ui.port, '/', { Host: 'evil.example:80' });
    expect(r.status).toBe(403);
    expect((await get(s.ui.port, '/', { Host: `localhost:${s.ui.port}` })).status).toBe(200);
  });
});

describe('headless UI: renderer not built', () => {
  it('serves a plain page saying how to build it, and the WebSocket still works', async () => {
    const ui = await startUiServer({ engine: s.engine, host: '127.0.0.1', port: 0, staticDir: path.join(s.site.dir, 'no-such-dir') });
    try {
      const r = await get(ui.port, '/');
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['content-security-policy']).toBe(expectedCsp(ui.port));
      expect(r.body).toMatch(/not been built/);
      expect(r.body).toContain('npm run build');
      expect((await get(ui.port, '/assets/app.js')).status).toBe(404);
      const c = await WireClient.open(`ws://127.0.0.1:${ui.port}/ws`);
      await c.waitFor((m) => m.type === 'snapshot', 'snapshot');
      await c.close();
    } finally {
      await ui.close();
    }
  });
});
