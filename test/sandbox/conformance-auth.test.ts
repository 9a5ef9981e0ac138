// Conformance: server info and authentication (docs/shotgrid-wire.md §1.1, §1.2), on the wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, FORM_TYPE, manualClock, onlyError, type Site } from './conformance-helpers.js';

const SCRIPT = { name: 'conf_auth', key: 'k3y-auth' };
const USER = { login: 'conf_alice', password: 'pw-alice' };

const decodeJwt = (t: string): Record<string, unknown> => {
  const parts = t.split('.');
  expect(parts).toHaveLength(3);
  return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
};

describe('conformance §1.1 / §1.2: server info and authentication', () => {
  const clock = manualClock();
  let site: Site;

  beforeAll(async () => {
    site = await boot({ scripts: [SCRIPT], users: [USER], tokenTtl: 120, clock: clock.now });
  });
  afterAll(async () => {
    await site?.close();
  });

  const tokenCall = (params: Record<string, string>, how: 'body' | 'query' = 'body') =>
    how === 'body'
      ? site.api('POST', '/auth/access_token', { body: new URLSearchParams(params), type: FORM_TYPE })
      : site.raw('POST', `/api/v1.1/auth/access_token?${new URLSearchParams(params).toString()}`);

  const whoAmI = async (token: string): Promise<{ type: string; id: number; name: string }> => {
    // created_by of a fresh Project names the token's actor.
    const r = await site.api('POST', '/entity/projects', { body: { name: `who-${Math.random()}` }, token });
    expect(r.status).toBe(201);
    return r.json.data.relationships.created_by.data;
  };

  it('§1.1 GET /api/v1/ answers server info without a token', async () => {
    const r = await site.raw('GET', '/api/v1/');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(r.json)).toEqual(['data']);
    expect(r.json.data).toMatchObject({
      api_version: 'v1',
      user_authentication_method: 'default',
      shotgun_version: expect.stringMatching(/^v\d+\.\d+\.\d+/),
      shotgun_version_number: expect.any(String),
      shotgun_build_number: expect.any(String),
      site_id: expect.anything(),
      site_name: expect.any(String),
    });
  });

  it('§1.1 GET /api/v1.1/ answers server info without a token too', async () => {
    const r = await site.raw('GET', '/api/v1.1/');
    expect(r.status).toBe(200);
    expect(r.json.data.api_version).toBe('v1.1');
    expect(r.json.data.shotgun_version).toEqual(expect.stringMatching(/^v\d+\.\d+\.\d+/));
  });

  it('§1.1 /api/v1 and /api/v1.1 serve the same entity data', async () => {
    const token = await site.scriptToken(SCRIPT.name, SCRIPT.key);
    const a = await site.raw('GET', '/api/v1/entity/projects?sort=id&fields=name', { token });
    const b = await site.raw('GET', '/api/v1.1/entity/projects?sort=id&fields=name', { token });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const strip = (d: Array<Record<string, unknown>>) => d.map(({ links: _l, ...rest }) => rest);
    expect(strip(a.json.data)).toEqual(strip(b.json.data));
    expect(a.json.data[0].links.self).toMatch(/^\/api\/v1\/entity\/projects\/\d+$/);
    expect(b.json.data[0].links.self).toMatch(/^\/api\/v1\.1\/entity\/projects\/\d+$/);
  });

  it('§1.2 client_credentials in a form body gives {token_type, access_token, expires_in, refresh_token}', async () => {
    const r = await tokenCall({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(r.json.token_type).toBe('Bearer');
    expect(typeof r.json.access_token).toBe('string');
    expect(typeof r.json.refresh_token).toBe('string');
    expect(r.json.access_token).not.toBe(r.json.refresh_token);
  });

  it('§1.2 client_credentials in the query string with an empty body works (NODE, RB cassettes)', async () => {
    const r = await tokenCall({ client_id: SCRIPT.name, client_secret: SCRIPT.key, grant_type: 'client_credentials' }, 'query');
    expect(r.status).toBe(200);
    // The RB cassette form: same query string, a form Content-Type and an empty body.
    const rb = await site.raw(
      'POST',
      `/api/v1/auth/access_token?client_id=${SCRIPT.name}&client_secret=${SCRIPT.key}&grant_type=client_credentials`,
      {
        body: '',
        type: FORM_TYPE,
      },
    );
    expect(rb.status).toBe(200);
    expect(rb.json.token_type).toBe('Bearer');
    expect(r.json.token_type).toBe('Bearer');
    const me = await whoAmI(r.json.access_token);
    expect(me).toMatchObject({ type: 'ApiUser', name: SCRIPT.name });
  });

  it('§1.2 a charset parameter on the form content type is ignored', async () => {
    const r = await site.api('POST', '/auth/access_token', {
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key }),
      type: `${FORM_TYPE}; charset=utf-8`,
    });
    expect(r.status).toBe(200);
  });

  it('§1.2 the password grant authenticates a HumanUser by username/password', async () => {
    const r = await tokenCall({ grant_type: 'password', username: USER.login, password: USER.password });
    expect(r.status).toBe(200);
    expect(r.json.token_type).toBe('Bearer');
    const me = await whoAmI(r.json.access_token);
    expect(me).toMatchObject({ type: 'HumanUser', name: USER.login });
  });

  it('§1.2 grant_type=refresh_token trades a refresh token for a new working pair', async () => {
    const first = await tokenCall({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key });
    const r = await tokenCall({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(r.json.access_token).not.toBe(first.json.access_token);
    expect(r.json.refresh_token).not.toBe(first.json.refresh_token);
    expect(await whoAmI(r.json.access_token)).toMatchObject({ type: 'ApiUser', name: SCRIPT.name });
  });

  it('§1.2 grant_type=refresh (shotgun-nodejs, shotgrid-rs) is accepted too', async () => {
    const first = await tokenCall({ grant_type: 'password', username: USER.login, password: USER.password });
    const r = await tokenCall({ grant_type: 'refresh', refresh_token: first.json.refresh_token });
    expect(r.status).toBe(200);
    expect(await whoAmI(r.json.access_token)).toMatchObject({ type: 'HumanUser', name: USER.login });
  });

  it('§1.2 grant_type=session_token trades a session token (api3 get_session_token) for a bearer', async () => {
    const st = await site.raw('POST', '/api3/json', {
      body: { method_name: 'get_session_token', params: [{ script_name: SCRIPT.name, script_key: SCRIPT.key }, {}] },
    });
    const sessionToken = (st.json.results ?? st.json).session_id as string;
    expect(typeof sessionToken).toBe('string');
    const r = await tokenCall({ grant_type: 'session_token', session_token: sessionToken });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(await whoAmI(r.json.access_token)).toMatchObject({ type: 'ApiUser', name: SCRIPT.name });
  });

  it('§1.2 a bogus session_token → 400 code 102', async () => {
    const r = await tokenCall({ grant_type: 'session_token', session_token: 'not-a-session' });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ status: 400, code: 102 });
  });

  it('§1.2 scope=sudo_as_login:<login> on client_credentials acts as that HumanUser', async () => {
    const r = await tokenCall({
      grant_type: 'client_credentials',
      client_id: SCRIPT.name,
      client_secret: SCRIPT.key,
      scope: `sudo_as_login:${USER.login}`,
    });
    expect(r.status).toBe(200);
    expect(await whoAmI(r.json.access_token)).toMatchObject({ type: 'HumanUser', name: USER.login });
  });

  it('§1.2 scope=sudo_as_login with an unknown login → 400 code 102', async () => {
    const r = await tokenCall({
      grant_type: 'client_credentials',
      client_id: SCRIPT.name,
      client_secret: SCRIPT.key,
      scope: 'sudo_as_login:nobody_here',
    });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ status: 400, code: 102 });
    expect(onlyError(r).title).toContain('nobody_here');
  });

  it('§1.2 a refresh token is not a bearer: 401 "Token invalid"', async () => {
    const first = await tokenCall({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key });
    const r = await site.api('GET', '/entity/projects', { token: first.json.refresh_token });
    expect(r.status).toBe(401);
    expect(onlyError(r).detail).toBe('Token invalid');
  });

  it('§1.2 refresh tokens are single-use: the second use is refused with 400', async () => {
    const first = await tokenCall({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key });
    const ok = await tokenCall({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token });
    expect(ok.status).toBe(200);
    const again = await tokenCall({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token });
    expect(again.status).toBe(400);
    expect(onlyError(again)).toMatchObject({ status: 400, code: 102 });
  });

  it('§1.2 / §6.5 a refresh token still works after its access token expired', async () => {
    const first = await tokenCall({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key });
    clock.advance(121_000);
    const dead = await site.api('GET', '/entity/projects', { token: first.json.access_token });
    expect(dead.status).toBe(401);
    const r = await tokenCall({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token });
    expect(r.status).toBe(200);
    expect((await site.api('GET', '/entity/projects', { token: r.json.access_token })).status).toBe(200);
  });

  it('§1.2 expires_in is the configured token lifetime (tokenTtl option)', async () => {
    const r = await tokenCall({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key });
    expect(r.json.expires_in).toBe(120);
  });

  it('§1.2 both tokens are JWTs; the access token exp is iat + expires_in', async () => {
    const r = await tokenCall({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key });
    const access = decodeJwt(r.json.access_token);
    decodeJwt(r.json.refresh_token);
    expect(typeof access.exp).toBe('number');
    expect(access.exp).toBe(Math.floor(clock.now() / 1000) + 120);
  });

  it('§1.2 expires_in is honoured: the token works until then, and is "Token Expired" after', async () => {
    const r = await tokenCall({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key });
    const token = r.json.access_token as string;
    clock.advance(119_000);
    expect((await site.api('GET', '/entity/projects', { token })).status).toBe(200);
    clock.advance(2_000);
    const dead = await site.api('GET', '/entity/projects', { token });
    expect(dead.status).toBe(401);
    expect(onlyError(dead)).toMatchObject({ status: 401, code: 102, title: 'Unauthorized', detail: 'Token Expired' });
  });

  it('§1.2 bad script credentials: 400 code 102, title names the script', async () => {
    const r = await tokenCall({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: 'wrong' });
    expect(r.status).toBe(400);
    const e = onlyError(r);
    expect(e).toMatchObject({ status: 400, code: 102, detail: null, meta: null, source: {} });
    expect(e.title).toBe(`Can't authenticate script '${SCRIPT.name}'.`);
  });

  it('§1.2 an unknown script: 400 code 102 naming it', async () => {
    const r = await tokenCall({ grant_type: 'client_credentials', client_id: 'nobody_script', client_secret: 'x' });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ code: 102, title: "Can't authenticate script 'nobody_script'." });
  });

  it("§1.2 bad user password: 400 code 102, title \"Can't authenticate user '<login>'.\"", async () => {
    const r = await tokenCall({ grant_type: 'password', username: USER.login, password: 'nope' });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ status: 400, code: 102, title: `Can't authenticate user '${USER.login}'.` });
  });

  it('§1.2 text/plain → 415 "Unsupported Content-Type \'text/plain\'", source.content_type names the legal type', async () => {
    const r = await site.api('POST', '/auth/access_token', {
      body: `grant_type=client_credentials&client_id=${SCRIPT.name}&client_secret=${SCRIPT.key}`,
      type: 'text/plain',
    });
    expect(r.status).toBe(415);
    const e = onlyError(r);
    expect(e).toMatchObject({ status: 415, code: 103, title: "Unsupported Content-Type 'text/plain'" });
    expect(e.source).toEqual({ content_type: FORM_TYPE });
  });

  it('§1.2 a JSON body is refused (415 or 400 "Invalid JSON body")', async () => {
    const r = await site.api('POST', '/auth/access_token', {
      body: { grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key },
    });
    expect([400, 415]).toContain(r.status);
    const e = onlyError(r);
    if (r.status === 415) expect(e.title).toBe("Unsupported Content-Type 'application/json'");
    else expect(e.title).toBe('Invalid JSON body');
  });

  it('§1.2 a missing secret → 400 "Missing or invalid authentication arguments"', async () => {
    const r = await tokenCall({ grant_type: 'client_credentials', client_id: SCRIPT.name });
    expect(r.status).toBe(400);
    expect(onlyError(r)).toMatchObject({ status: 400, title: 'Missing or invalid authentication arguments' });
  });

  it('§1.2 an unsupported grant_type → 400', async () => {
    const r = await tokenCall({ grant_type: 'magic', client_id: SCRIPT.name, client_secret: SCRIPT.key });
    expect(r.status).toBe(400);
    expect(onlyError(r).title).toMatch(/grant_type/);
  });

  it('§1.2 no bearer → 401 {code 102, title "Unauthorized", detail "Token invalid", source null, meta null}', async () => {
    const r = await site.api('GET', '/entity/projects');
    expect(r.status).toBe(401);
    const e = onlyError(r);
    expect(e).toEqual({ id: expect.any(String), status: 401, code: 102, title: 'Unauthorized', detail: 'Token invalid', source: null, meta: null });
  });

  it('§1.2 an unknown bearer → 401 "Token invalid"', async () => {
    const r = await site.api('GET', '/entity/projects', { token: 'eyJhbGciOiJIUzI1NiJ9.e30.forged' });
    expect(r.status).toBe(401);
    expect(onlyError(r)).toMatchObject({ code: 102, title: 'Unauthorized', detail: 'Token invalid' });
  });

  it('§1.2 POST /_sandbox/tokens/expire expires live tokens: 401 "Token Expired"', async () => {
    const token = await site.scriptToken(SCRIPT.name, SCRIPT.key);
    expect((await site.api('GET', '/entity/projects', { token })).status).toBe(200);
    expect((await site.control('tokens/expire')).status).toBe(200);
    const r = await site.api('GET', '/entity/projects', { token });
    expect(r.status).toBe(401);
    expect(onlyError(r)).toMatchObject({ status: 401, code: 102, title: 'Unauthorized', detail: 'Token Expired' });
  });

  it('§1.2 the token endpoint is the only call without a bearer: schema needs one too', async () => {
    const r = await site.api('GET', '/schema/Asset');
    expect(r.status).toBe(401);
  });
});

describe('conformance §1.2: tokenTtl 1 on the real clock', () => {
  let site: Site;
  beforeAll(async () => {
    site = await boot({ scripts: [SCRIPT], tokenTtl: 1, seed: 'none' });
  });
  afterAll(async () => {
    await site?.close();
  });

  it('§1.2 expires_in: 1 is honoured in real time ("Token Expired" after a second)', async () => {
    const r = await site.api('POST', '/auth/access_token', {
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key }),
      type: FORM_TYPE,
    });
    expect(r.json.expires_in).toBe(1);
    const token = r.json.access_token as string;
    expect((await site.api('GET', '/entity/projects', { token })).status).toBe(200);
    await new Promise((res) => setTimeout(res, 1100));
    const dead = await site.api('GET', '/entity/projects', { token });
    expect(dead.status).toBe(401);
    expect(onlyError(dead).detail).toBe('Token Expired');
  });

  it('§1.2 the tokenTtl fault knob changes expires_in of later tokens', async () => {
    expect((await site.control('faults', { tokenTtl: 600 })).status).toBe(200);
    const r = await site.api('POST', '/auth/access_token', {
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SCRIPT.name, client_secret: SCRIPT.key }),
      type: FORM_TYPE,
    });
    expect(r.json.expires_in).toBe(600);
  });
});
