// Token lifecycle against the sandbox (docs/shotgrid-wire.md §1.2, §6.5): caching, sharing one grant,
// proactive refresh, 401 → one re-authentication, single-use refresh tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../electron/sandbox/index.js';
import { AuthenticationError, type ConnectionEvent } from '../../electron/shotgun/index.js';
import { client, control, delta, sandbox, SCRIPT, stats, USER } from './helpers.js';

const TOKEN = 'POST /auth/access_token';
let sb: Sandbox;

beforeAll(async () => {
  sb = await sandbox();
});
afterAll(async () => {
  await sb.close();
});

const grants = (events: ConnectionEvent[]) => events.filter((e) => e.kind === 'auth').map((e) => (e as { grant: string }).grant);

/** The refresh token a client holds (read through its private token manager). */
const heldRefreshToken = (sg: object): string => (sg as unknown as { auth: { current: { refreshToken: string } } }).auth.current.refreshToken;

describe('token cache', () => {
  it('one client_credentials grant serves many calls', async () => {
    const sg = client(sb);
    const before = await stats(sb);
    for (let i = 0; i < 5; i++) await sg.find('Project', [], ['name']);
    const d = delta(before, await stats(sb));
    expect(d.auth).toBe(1);
    expect(d.requests[TOKEN]).toBe(1);
    expect(grants(sg.events)).toEqual(['client_credentials']);
    await sg.close();
  });

  it('concurrent first calls share one in-flight grant', async () => {
    const sg = client(sb);
    const before = await stats(sb);
    await Promise.all(Array.from({ length: 12 }, () => sg.find('Project', [], ['name'])));
    expect(delta(before, await stats(sb)).requests[TOKEN]).toBe(1);
    await sg.close();
  });
});

describe('expiry', () => {
  it('tokens/expire → 401 → exactly one re-auth (refresh grant) and the call is replayed', async () => {
    const sg = client(sb);
    await sg.find('Project', [], ['name']);
    await control(sb, 'tokens/expire');
    const before = await stats(sb);
    const rows = await sg.find('Project', [], ['name']);
    const d = delta(before, await stats(sb));
    expect(rows.length).toBeGreaterThan(0);
    expect(d.requests).toEqual({ [TOKEN]: 1, 'POST /entity/Project/_search': 2 });
    expect(d.auth).toBe(1);
    expect(grants(sg.events)).toEqual(['client_credentials', 'refresh_token']);
    // A routine expiry is not reported as a connection error.
    expect(sg.events.filter((e) => e.kind === 'error')).toEqual([]);
    await sg.close();
  });

  it('many concurrent calls hitting 401 together still re-authenticate once', async () => {
    const sg = client(sb);
    await sg.find('Project', [], ['name']);
    await control(sb, 'tokens/expire');
    const before = await stats(sb);
    await Promise.all(Array.from({ length: 10 }, () => sg.find('Project', [], ['name'])));
    const d = delta(before, await stats(sb));
    expect(d.requests[TOKEN]).toBe(1);
    expect(d.requests['POST /entity/Project/_search']).toBe(20);
    await sg.close();
  });

  it('a short tokenTtl is renewed ahead of expiry (no 401 needed)', async () => {
    await control(sb, 'faults', { tokenTtl: 2 });
    try {
      const sg = client(sb);
      await sg.find('Project', [], ['name']);
      // ttl 2 s → renewed from 1.8 s on (10% lead); the server would reject it at 2 s.
      await new Promise((r) => setTimeout(r, 1850));
      const before = await stats(sb);
      await sg.find('Project', [], ['name']);
      const d = delta(before, await stats(sb));
      expect(d.requests).toEqual({ [TOKEN]: 1, 'POST /entity/Project/_search': 1 });
      expect(grants(sg.events)).toEqual(['client_credentials', 'refresh_token']);
      expect(sg.events.filter((e) => e.kind === 'error')).toEqual([]);
      await sg.close();
    } finally {
      await control(sb, 'faults', { tokenTtl: 600 });
    }
  });

  it('a spent refresh token falls back to a full grant (refresh tokens are single-use)', async () => {
    const sg = client(sb);
    await sg.find('Project', [], ['name']);
    // Someone else uses the refresh token first.
    const spend = await fetch(`${sb.url}/api/v1.1/auth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: heldRefreshToken(sg) }).toString(),
    });
    expect(spend.status).toBe(200);
    await control(sb, 'tokens/expire');
    const rows = await sg.find('Project', [], ['name']);
    expect(rows.length).toBeGreaterThan(0);
    expect(grants(sg.events)).toEqual(['client_credentials', 'client_credentials']);
    await sg.close();
  });
});

describe('other grants (§1.2)', () => {
  it('password grant', async () => {
    const sg = client(sb, { credentials: { login: USER.login, password: USER.password } });
    expect((await sg.find('Project', [], ['name'])).length).toBeGreaterThan(0);
    expect(grants(sg.events)).toEqual(['password']);
    await sg.close();
  });

  it('refresh_token credentials', async () => {
    const res = await fetch(`${sb.url}/api/v1.1/auth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key }).toString(),
    });
    const { refresh_token } = (await res.json()) as { refresh_token: string };
    const sg = client(sb, { credentials: { refreshToken: refresh_token } });
    expect((await sg.find('Project', [], ['name'])).length).toBeGreaterThan(0);
    expect(grants(sg.events)).toEqual(['refresh_token']);
    await sg.close();
    // Single-use: a second client with the same token is refused, clearly.
    const again = client(sb, { credentials: { refreshToken: refresh_token } });
    const err = await again.find('Project', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toContain("Can't refresh the access token at");
    await again.close();
  });
});
