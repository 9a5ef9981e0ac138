// The security checklist's pure parts: the app:// protocol (no path traversal, CSP on
// every response), the external-link allow-list, and the app-origin check.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, rendererResponse, resolveRendererPath } from '../../electron/main/protocol.js';
import { isAllowedExternalUrl, isAppUrl } from '../../electron/main/security.js';

const base = mkdtempSync(path.join(tmpdir(), 'sge-protocol-'));
const root = path.join(base, 'renderer');
mkdirSync(path.join(root, 'assets'), { recursive: true });
writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>ok</title>');
writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(path.join(base, 'secret.txt'), 'TOP SECRET');
symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('app:// protocol', () => {
  it('serves files under the renderer folder with the CSP header', async () => {
    const r = await rendererResponse(root, 'app://renderer/index.html');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await r.text()).toContain('<title>ok</title>');
    const js = await rendererResponse(root, 'app://renderer/assets/app.js?v=1#x');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await rendererResponse(root, 'app://renderer/')).status).toBe(200);
  });

  it('refuses path traversal, other hosts and schemes, symlinks out, and writes', async () => {
    const bad = [
      'app://renderer/../secret.txt',
      'app://renderer/%2e%2e/secret.txt',
      'app://renderer/assets/..%2f..%2fsecret.txt',
      'app://renderer/..%5csecret.txt',
      'app://renderer/%2e%2e%2f%2e%2e%2fetc/passwd',
      `app://renderer/${encodeURIComponent(path.join(base, 'secret.txt'))}`,
      'app://renderer/index.html%00.js',
      'app://renderer/%E0%A4%A',
      'app://renderer/assets/link.txt',
      'app://renderer/assets',
      'app://renderer/missing.js',
      'app://other/index.html',
      'file:///etc/passwd',
      'https://renderer/index.html',
    ];
    for (const url of bad) {
      const r = await rendererResponse(root, url);
      expect(r.status, url).toBe(404);
      expect(await r.text(), url).not.toContain('SECRET');
      expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
    expect((await rendererResponse(root, 'app://renderer/index.html', 'POST')).status).toBe(405);
    // The URL parser clamps `..` at the origin's root: it can only land inside the folder.
    expect(resolveRendererPath(root, 'app://renderer/a/../../secret.txt')).toBe(path.join(root, 'secret.txt'));
    expect(resolveRendererPath(root, 'app://renderer/..%2f..%2fsecret.txt')).toBeNull();
    expect(resolveRendererPath(root, 'app://renderer/assets/app.js')).toBe(path.join(root, 'assets', 'app.js'));
  });

  it('the CSP allows only the app itself', () => {
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'self'/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'(;|$)/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/object-src 'none'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|\*|http:|https:/);
  });
});

describe('external links and origins', () => {
  it('opens only https on the allow-list or the configured site', () => {
    const site = 'https://studio.shotgrid.autodesk.com';
    const ok = [
      'https://developers.shotgridsoftware.com/python-api/',
      'https://DEVELOPERS.shotgridsoftware.com/x',
      'https://studio.shotgrid.autodesk.com/detail/Shot/12',
    ];
    const no = [
      'http://developers.shotgridsoftware.com/',
      'https://developers.shotgridsoftware.com.evil.example/',
      'https://evil.example/?https://developers.shotgridsoftware.com',
      'https://user:pw@developers.shotgridsoftware.com/',
      'https://other.shotgrid.autodesk.com/',
      'http://studio.shotgrid.autodesk.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'app://renderer/index.html',
      'not a url',
    ];
    for (const u of ok) expect(isAllowedExternalUrl(u, site), u).toBe(true);
    for (const u of no) expect(isAllowedExternalUrl(u, site), u).toBe(false);
    expect(isAllowedExternalUrl('https://studio.shotgrid.autodesk.com/', null)).toBe(false);
  });

  it('recognises the app origin by parsing, not by prefix', () => {
    expect(isAppUrl('app://renderer/index.html')).toBe(true);
    expect(isAppUrl('app://renderer')).toBe(true);
    expect(isAppUrl('app://renderer.evil/index.html')).toBe(false);
    expect(isAppUrl('app://renderer@evil/index.html')).toBe(false);
    expect(isAppUrl('https://renderer/')).toBe(false);
    expect(isAppUrl('')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });
});
