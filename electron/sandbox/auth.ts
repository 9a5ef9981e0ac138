// Who may talk to the sandbox: scripts (ApiUser rows with a key) and people
// (HumanUser rows with a password), and the bearer tokens the REST API hands out
// (docs/shotgrid-wire.md §1.2). Tokens are JWT-shaped so clients that decode `exp` work.

import { createHmac, randomBytes } from 'node:crypto';
import { SandboxError } from './errors.js';
import type { Actor, SandboxStore } from './store.js';

interface Session {
  actor: Actor;
  expiresAt: number;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

export class Auth {
  /** script name → key */
  private scriptKeys = new Map<string, string>();
  /** login → password */
  private passwords = new Map<string, string>();
  private access = new Map<string, Session>();
  private refresh = new Map<string, Session>();
  private secret = randomBytes(32);
  /** `expires_in` handed out with each token, seconds. */
  tokenTtl = 600;
  issued = 0;

  constructor(private store: SandboxStore) {}

  /** Adds (or re-keys) a script: an ApiUser row plus its key. */
  addScript(name: string, key: string, opts: { generateEvents?: boolean } = {}): Actor {
    let row = this.store.rows('ApiUser').find((r) => r.data.firstname === name);
    const admin: Actor = { type: 'ApiUser', id: 0 };
    if (!row) {
      row = this.store.create('ApiUser', { firstname: name, description: `Sandbox script ${name}` }, admin);
    }
    if (opts.generateEvents !== undefined) {
      this.store.update('ApiUser', row.id, { generate_event_log_entries: opts.generateEvents }, admin);
    }
    this.scriptKeys.set(name, key);
    return { type: 'ApiUser', id: row.id };
  }

  /** Adds a person who can log in with the password grant. */
  addUser(login: string, password: string, name?: string): Actor {
    let row = this.store.rows('HumanUser').find((r) => r.data.login === login);
    if (!row) {
      row = this.store.create('HumanUser', { login, name: name ?? login, email: `${login}@sandbox.local` }, { type: 'ApiUser', id: 0 });
    }
    this.passwords.set(login, password);
    return { type: 'HumanUser', id: row.id };
  }

  users(): Array<{ login: string; password: string }> {
    return [...this.passwords].map(([login, password]) => ({ login, password }));
  }

  scripts(): Array<{ name: string; key: string }> {
    return [...this.scriptKeys].map(([name, key]) => ({ name, key }));
  }

  /** Script name/key → its ApiUser, or the real site's 400 code 102. */
  script(name: unknown, key: unknown): Actor {
    const row = this.store.rows('ApiUser').find((r) => r.data.firstname === name && !r.retired);
    if (typeof name !== 'string' || !row || this.scriptKeys.get(name) !== key || row.data.sg_status_list === 'dis') {
      throw new SandboxError(400, 102, `Can't authenticate script '${String(name)}'.`);
    }
    return { type: 'ApiUser', id: row.id };
  }

  user(login: unknown, password: unknown): Actor {
    const row = this.store.rows('HumanUser').find((r) => r.data.login === login && !r.retired);
    if (typeof login !== 'string' || !row || this.passwords.get(login) !== password || row.data.sg_status_list === 'dis') {
      throw new SandboxError(400, 102, `Can't authenticate user '${String(login)}'.`);
    }
    return { type: 'HumanUser', id: row.id };
  }

  private jwt(actor: Actor, ttl: number, kind: string): string {
    const now = Math.floor(this.store.now() / 1000);
    const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: `${actor.type}:${actor.id}`, iat: now, exp: now + ttl, kind, jti: randomBytes(8).toString('hex') })}`;
    return `${head}.${createHmac('sha256', this.secret).update(head).digest('base64url')}`;
  }

  /** The `auth/access_token` reply body (docs/shotgrid-wire.md §1.2). */
  issue(actor: Actor): { token_type: 'Bearer'; access_token: string; expires_in: number; refresh_token: string } {
    const ttl = this.tokenTtl;
    const access = this.jwt(actor, ttl, 'access');
    const refresh = this.jwt(actor, 24 * 3600, 'refresh');
    const now = this.store.now();
    this.access.set(access, { actor, expiresAt: now + ttl * 1000 });
    this.refresh.set(refresh, { actor, expiresAt: now + 24 * 3600 * 1000 });
    this.issued++;
    return { token_type: 'Bearer', access_token: access, expires_in: ttl, refresh_token: refresh };
  }

  /** Refresh tokens are single-use (docs/shotgrid-wire.md §6.5). */
  useRefresh(token: unknown): Actor {
    const s = typeof token === 'string' ? this.refresh.get(token) : undefined;
    if (typeof token === 'string') this.refresh.delete(token);
    if (!s || s.expiresAt <= this.store.now()) {
      throw new SandboxError(400, 102, "Can't authenticate: refresh token is invalid or was already used.");
    }
    return s.actor;
  }

  /** `grant_type=session_token`: a live session token (what api3 `get_session_token` hands out) → its actor. */
  session(token: unknown): Actor {
    const s = typeof token === 'string' ? this.access.get(token) : undefined;
    if (!s || s.expiresAt <= this.store.now()) {
      throw new SandboxError(400, 102, "Can't authenticate: session token is invalid or expired.");
    }
    return s.actor;
  }

  /** `scope=sudo_as_login:<login>`: act as that HumanUser, remembering who really authenticated (§1.2, §2.3). */
  sudo(actor: Actor, login: string): Actor {
    const row = this.store.rows('HumanUser').find((r) => r.data.login === login && !r.retired);
    if (!row || row.data.sg_status_list === 'dis') throw new SandboxError(400, 102, `Can't authenticate user '${login}'.`);
    return { type: 'HumanUser', id: row.id, sessionUuid: actor.sessionUuid ?? null, sudoActual: { type: actor.type, id: actor.id } };
  }

  /** `Authorization: Bearer …` → actor, or 401 "Token Expired" / "Token invalid". */
  bearer(header: string | undefined): Actor {
    const m = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
    const s = m ? this.access.get(m[1]!.trim()) : undefined;
    if (!s) throw new SandboxError(401, 102, 'Unauthorized', null, 'Token invalid');
    if (s.expiresAt <= this.store.now()) throw new SandboxError(401, 102, 'Unauthorized', null, 'Token Expired');
    return s.actor;
  }

  /** Expires every access token now (the fault knob behind `POST /_sandbox/tokens/expire`). */
  expireAll(): void {
    const now = this.store.now();
    for (const s of this.access.values()) s.expiresAt = now;
  }
}
