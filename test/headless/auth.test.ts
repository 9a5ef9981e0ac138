// Who may use the headless UI: loopback without a token; any other host only with the
// token (HTTP and WebSocket alike); cross-origin WebSocket upgrades never. Plus the CLI's
// `run --ui` wiring, end to end.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthThrottle, isLoopbackHost, parseListen, startUiServer, tokenMatches, type UiServer } from '../../electron/headless/server.js';
import { makeSite, type Site } from '../daemon/harness.js';
import { get, startStack, upgradeStatus, WireClient, type Stack } from './helpers.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => s?.close());

let extra: UiServer | null = null;
afterEach(async () => {
  await extra?.close();
  extra = null;
});

describe('headless UI: token off loopback', () => {
  it('host 0.0.0.0 generates a token: 401 without it for HTTP and WebSocket, 200/open with it', async () => {
    extra = await startUiServer({ engine: s.engine, host: '0.0.0.0', port: 0, staticDir: s.www });
    const { port, token } = extra;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 random bits, base64url
    expect(extra.url).toBe(`http://0.0.0.0:${port}/?token=${token}`);

    // HTTP
    expect((await get(port, '/')).status).toBe(401);
    expect((await get(port, '/assets/app-0123abcd.js')).status).toBe(401);
    expect((await get(port, '/?token=wrong')).status).toBe(401);
    expect((await get(port, '/', { Authorization: 'Bearer wrong' })).status).toBe(401);
    const page = await get(port, `/?token=${token}`);
    expect(page.status).toBe(200);
    // The page's own asset requests carry no ?token=: the cookie set with the page lets them in.
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    expect(String(page.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await get(port, '/assets/app-0123abcd.js', { Cookie: cookie })).status).toBe(200);
    expect((await get(port, '/assets/app-0123abcd.js', { Cookie: `${cookie.split('=')[0]}=nope` })).status).toBe(401);
    expect((await get(port, '/', { Authorization: `Bearer ${token}` })).status).toBe(200);

    // WebSocket
    const ws = `ws://127.0.0.1:${port}/ws`;
    expect(await upgradeStatus(ws)).toBe(401);
    expect(await upgradeStatus(`${ws}?token=wrong`)).toBe(401);
    expect(await upgradeStatus(ws, { headers: { Authorization: 'Bearer wrong' } })).toBe(401);
    expect(await upgradeStatus(`${ws}?token=${token}`)).toBe(101);
    expect(await upgradeStatus(ws, { headers: { Authorization: `Bearer ${token}` } })).toBe(101);
    expect(await upgradeStatus(ws, { headers: { Cookie: cookie } })).toBe(101);
    const c = await WireClient.open(`${ws}?token=${encodeURIComponent(token!)}`);
    await c.waitFor((m) => m.type === 'snapshot', 'snapshot with the token');
    expect(await c.command('snapshot')).toMatchObject({ ok: true });
    await c.close();
  });

  it('uses a configured token, on loopback too', async () => {
    extra = await startUiServer({ engine: s.engine, host: '127.0.0.1', port: 0, staticDir: s.www, token: 's3cret token/+ of the studio' });
    expect(extra.token).toBe('s3cret token/+ of the studio');
    expect(extra.url).toBe(`http://127.0.0.1:${extra.port}/?token=s3cret%20token%2F%2B%20of%20the%20studio`);
    expect((await get(extra.port, '/')).status).toBe(401);
    expect((await get(extra.port, `/?token=${encodeURIComponent('s3cret token/+ of the studio')}`)).status).toBe(200);
    expect(await upgradeStatus(`ws://127.0.0.1:${extra.port}/ws`)).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${extra.port}/ws?token=${encodeURIComponent('s3cret token/+ of the studio')}`)).toBe(101);
  });

  it('IPv6 loopback [::1] needs no token either', async () => {
    extra = await startUiServer({ engine: s.engine, host: '::1', port: 0, staticDir: s.www });
    expect(extra.token).toBeNull();
    expect(extra.url).toBe(`http://[::1]:${extra.port}/`);
    expect(await upgradeStatus(`ws://[::1]:${extra.port}/ws`, { origin: `http://[::1]:${extra.port}` })).toBe(101);
  });

  it('loopback needs no token', async () => {
    expect(s.ui.token).toBeNull();
    expect(s.ui.url).toBe(`http://127.0.0.1:${s.ui.port}/`);
    expect((await get(s.ui.port, '/')).status).toBe(200);
    expect(await upgradeStatus(s.wsUrl)).toBe(101);
  });
});

describe('headless UI: weak tokens and guessing', () => {
  it('refuses a configured token under 16 characters, naming the rule', async () => {
    await expect(startUiServer({ engine: s.engine, host: '127.0.0.1', port: 0, staticDir: s.www, token: 'a' })).rejects.toThrow(
      /the UI token \(--ui-token or SHOTGUN_EVENTS_UI_TOKEN\) must have at least 16 characters, got 1/,
    );
    await expect(startUiServer({ engine: s.engine, host: '0.0.0.0', port: 0, staticDir: s.www, token: '' })).rejects.toThrow(
      /at least 16 characters, got 0/,
    );
    extra = await startUiServer({ engine: s.engine, host: '127.0.0.1', port: 0, staticDir: s.www, token: '0123456789abcdef' });
    expect(extra.token).toBe('0123456789abcdef');
  });

  it('locks an address out after 10 wrong tokens (429 even for the right one), logs it, and leaves other addresses alone', async () => {
    const warnings: string[] = [];
    extra = await startUiServer({
      engine: s.engine,
      host: '0.0.0.0',
      port: 0,
      staticDir: s.www,
      authLockoutMs: 600_000,
      logger: { info: () => undefined, warning: (m) => warnings.push(m) },
    });
    const { port, token } = extra;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await get(port, `/?token=guess${i}`)).status);
    expect(statuses).toEqual([...Array<number>(10).fill(401), ...Array<number>(20).fill(429)]);
    const locked = await get(port, `/?token=${token}`);
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBe('600');
    expect(locked.body).toMatch(/too many wrong UI tokens from 127\.0\.0\.1; try again in 600 s/);
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws?token=${token}`)).toBe(429);
    // Logged at WARNING: each failure up to the lockout, then the lockout (not each refused request).
    expect(warnings).toHaveLength(10);
    expect(warnings[0]).toMatch(/^UI: wrong token from 127\.0\.0\.1 \(GET \/\), failed attempt 1 of 10 before a lockout$/);
    expect(warnings[9]).toMatch(/^UI: wrong token from 127\.0\.0\.1 \(GET \/\), 10 failed attempts: refusing it for 600 s$/);
    // Another address is not locked; a visit without any token is not a guess.
    expect((await get(port, `/?token=${token}`, {}, 'GET', '127.0.0.2')).status).toBe(200);
    expect((await get(port, '/', {}, 'GET', '127.0.0.3')).status).toBe(401);
    expect(warnings).toHaveLength(10);
  });

  it('the lockout doubles with each further failure and a right token clears the address', async () => {
    const warnings: string[] = [];
    extra = await startUiServer({
      engine: s.engine,
      host: '0.0.0.0',
      port: 0,
      staticDir: s.www,
      authMaxFailures: 2,
      authLockoutMs: 1000,
      logger: { info: () => undefined, warning: (m) => warnings.push(m) },
    });
    const { port, token } = extra;
    const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
    expect((await get(port, '/', bearer('wrong-1'))).status).toBe(401);
    expect((await get(port, '/', bearer('wrong-2'))).status).toBe(401); // locks for 1 s
    expect((await get(port, '/', bearer(token!))).headers['retry-after']).toBe('1');
    await waitUntil(async () => (await get(port, '/', bearer('wrong-3'))).status === 401); // locks for 2 s
    expect((await get(port, '/', bearer(token!))).headers['retry-after']).toBe('2');
    expect(warnings.slice(-1)[0]).toMatch(/3 failed attempts: refusing it for 2 s$/);
    await waitUntil(async () => (await get(port, '/', bearer(token!))).status === 200);
    // Cleared: the next wrong token is failure 1 again.
    expect((await get(port, '/', bearer('wrong-4'))).status).toBe(401);
    expect(warnings.slice(-1)[0]).toMatch(/failed attempt 1 of 2 before a lockout$/);
  });

  it('AuthThrottle caps the lockout and forgets idle addresses', () => {
    const t = new AuthThrottle(2, 1000);
    let now = 0;
    let last = { failures: 0, lockMs: 0 };
    for (let i = 0; i < 40; i++) last = t.failed('a', now);
    expect(last).toEqual({ failures: 40, lockMs: AuthThrottle.MAX_LOCK_MS });
    expect(t.lockedFor('a', now)).toBe(AuthThrottle.MAX_LOCK_MS);
    now += AuthThrottle.MAX_LOCK_MS + 3_600_001;
    expect(t.lockedFor('a', now)).toBe(0);
    expect(t.failed('a', now)).toEqual({ failures: 1, lockMs: 0 });
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('headless UI: WebSocket Origin', () => {
  it('refuses a cross-site Origin with 403 and accepts the page’s own origin', async () => {
    expect(await upgradeStatus(s.wsUrl, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(s.wsUrl, { origin: `http://127.0.0.1:${s.ui.port + 1}` })).toBe(403);
    expect(await upgradeStatus(s.wsUrl, { origin: 'null' })).toBe(403);
    expect(await upgradeStatus(s.wsUrl, { origin: `http://127.0.0.1:${s.ui.port}` })).toBe(101);
    expect(await upgradeStatus(s.wsUrl, { origin: `http://127.0.0.1:${s.ui.port}`, headers: { Host: 'evil.example' } })).toBe(403);
  });

  it('refuses a bad Origin even with the right token', async () => {
    extra = await startUiServer({ engine: s.engine, host: '0.0.0.0', port: 0, staticDir: s.www });
    const ws = `ws://127.0.0.1:${extra.port}/ws?token=${extra.token}`;
    expect(await upgradeStatus(ws, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(ws, { origin: `http://127.0.0.1:${extra.port}` })).toBe(101);
  });

  it('404s upgrades on other paths', async () => {
    expect(await upgradeStatus(`ws://127.0.0.1:${s.ui.port}/other`)).toBe(404);
  });
});

describe('headless UI: helpers', () => {
  it('parses [HOST:]PORT', () => {
    expect(parseListen('8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('0.0.0.0:9000')).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(parseListen('studio-box:9000')).toEqual({ host: 'studio-box', port: 9000 });
    expect(parseListen('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseListen('[::]:0')).toEqual({ host: '::', port: 0 });
    for (const bad of ['', 'abc', '::1:80', '1.2.3.4', '70000', 'host:99999', '[::1]']) expect(() => parseListen(bad), bad).toThrow();
  });

  it('knows loopback hosts and compares tokens', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'studio-box', '127.0.0.1.evil.example']) expect(isLoopbackHost(h), h).toBe(false);
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('ab', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
  });
});

describe('shotgun-events run --ui', () => {
  let site: Site | null = null;
  afterEach(async () => {
    await site?.close();
    site = null;
  });

  it('serves the UI on loopback, prints the URL, and closes it on stop', async () => {
    site = await makeSite();
    const d = site.run(['--ui', '127.0.0.1:0', '--quiet']);
    await d.waitFor(/UI: http:\/\/127\.0\.0\.1:\d+\/\n/);
    const port = Number(/UI: http:\/\/127\.0\.0\.1:(\d+)\//.exec(d.output())![1]);
    const page = await get(port, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    const c = await WireClient.open(`ws://127.0.0.1:${port}/ws`);
    await c.waitFor((m) => m.type === 'snapshot', 'snapshot from the CLI');
    expect(await c.command('pauseAll')).toMatchObject({ ok: true });
    expect(await d.stop()).toBe(0);
    expect((await c.closed).code).toBe(1001);
    await expect(get(port, '/')).rejects.toThrow();
  });

  it('requires and prints the token off loopback (SHOTGUN_EVENTS_UI_TOKEN)', async () => {
    site = await makeSite();
    const d = site.run(['--ui', '0.0.0.0:0', '--quiet'], { SHOTGUN_EVENTS_UI_TOKEN: 'from-env-token-0123456789' });
    await d.waitFor(/UI: http:\/\/0\.0\.0\.0:\d+\/\?token=from-env-token-0123456789\n/);
    const port = Number(/UI: http:\/\/0\.0\.0\.0:(\d+)\//.exec(d.output())![1]);
    expect((await get(port, '/')).status).toBe(401);
    expect((await get(port, '/?token=from-env-token-0123456789')).status).toBe(200);
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws`)).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws?token=from-env-token-0123456789`)).toBe(101);
    expect(await d.stop()).toBe(0);
  });

  it('refuses a --ui-token or SHOTGUN_EVENTS_UI_TOKEN under 16 characters before starting anything', async () => {
    site = await makeSite();
    const r = await site.cli(['run', '--config', site.configPath, '--ui', '127.0.0.1:0', '--ui-token', 'a']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/the UI token \(--ui-token or SHOTGUN_EVENTS_UI_TOKEN\) must have at least 16 characters, got 1/);
    expect(r.stdout).not.toMatch(/engine starting/);
    const e = await site.cli(['run', '--config', site.configPath, '--ui', '0.0.0.0:0'], { SHOTGUN_EVENTS_UI_TOKEN: 'short-token' });
    expect(e.code).not.toBe(0);
    expect(e.stderr).toMatch(/must have at least 16 characters, got 11/);
  });

  it('rejects a malformed --ui', async () => {
    site = await makeSite();
    const r = await site.cli(['run', '--config', site.configPath, '--ui', 'nope']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/expected PORT, HOST:PORT or \[IPv6\]:PORT/);
  });
});
