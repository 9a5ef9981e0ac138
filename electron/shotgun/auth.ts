// The access-token manager (§1.2, §6.5): one token per connection, cached, refreshed ahead
// of expiry with the refresh_token grant (falling back to a full grant, since refresh tokens
// are single-use and may already be spent), and one shared in-flight grant for concurrent
// callers so a burst of requests or of 401s costs a single authentication.

import { AuthenticationError, BadRequestError, ProtocolError, ShotgunError, describeErrors } from './errors.js';
import type { Transport } from './transport.js';

/** A script (ApiUser): shotgun_api3 `script_name` / `api_key`. */
export interface ScriptCredentials {
  scriptName: string;
  scriptKey: string;
  /** Act as this HumanUser (`scope=sudo_as_login:<login>`). */
  sudoAsLogin?: string;
  sessionUuid?: string;
}

/** A person: shotgun_api3 `login` / `password`. */
export interface PasswordCredentials {
  login: string;
  password: string;
  sudoAsLogin?: string;
  sessionUuid?: string;
}

/** A refresh token obtained elsewhere; it cannot be renewed once refused. */
export interface RefreshTokenCredentials {
  refreshToken: string;
}

export type ShotgunCredentials = ScriptCredentials | PasswordCredentials | RefreshTokenCredentials;

export type GrantType = 'client_credentials' | 'password' | 'refresh_token';

export interface TokenSet {
  accessToken: string;
  refreshToken: string | undefined;
  /** Epoch ms when the server stops accepting the access token. */
  expiresAt: number;
  /** Epoch ms after which we get a new one before using it. */
  refreshAt: number;
}

export interface TokenManagerOptions {
  credentials: ShotgunCredentials;
  /** `${base}/auth/access_token` */
  tokenUrl: string;
  /** The site URL, for messages. */
  server: string;
  transport: Transport;
  now?: () => number;
}

/** Seconds of ttl assumed when the server sends no `expires_in` (600 s observed, §1.2). */
const DEFAULT_TTL_S = 600;

/** How long before expiry to renew: 60 s, or 10% of the ttl when the ttl is short. */
export function refreshLeadMs(ttlS: number): number {
  return Math.min(60_000, ttlS * 100);
}

export function credentialsKind(c: ShotgunCredentials): 'script' | 'password' | 'refresh' {
  if ('scriptName' in c) return 'script';
  if ('login' in c) return 'password';
  if ('refreshToken' in c) return 'refresh';
  throw new TypeError('credentials need {scriptName, scriptKey}, {login, password} or {refreshToken}');
}

export class TokenManager {
  private tokens: TokenSet | undefined;
  private inflight: Promise<TokenSet> | undefined;
  private readonly now: () => number;
  private readonly kind: 'script' | 'password' | 'refresh';

  constructor(private readonly opts: TokenManagerOptions) {
    this.now = opts.now ?? Date.now;
    this.kind = credentialsKind(opts.credentials);
  }

  /** The cached token set (for diagnostics). */
  get current(): TokenSet | undefined {
    return this.tokens;
  }

  /** A usable access token: cached, or from the (shared) grant in flight, or a new grant. */
  async token(requestId: string): Promise<string> {
    const t = this.tokens;
    if (t && this.now() < t.refreshAt) return t.accessToken;
    if (!this.inflight) {
      this.inflight = this.acquire(requestId).then(
        (set) => {
          this.tokens = set;
          this.inflight = undefined;
          return set;
        },
        (err: unknown) => {
          this.inflight = undefined;
          throw err;
        },
      );
    }
    return (await this.inflight).accessToken;
  }

  /**
   * The server refused `token` (401). Forget it, unless a newer one has replaced it already
   * (concurrent 401s on the same old token must not each trigger a grant).
   */
  invalidate(token: string): void {
    const t = this.tokens;
    if (t && t.accessToken === token) this.tokens = { ...t, refreshAt: 0, expiresAt: 0 };
  }

  private async acquire(requestId: string): Promise<TokenSet> {
    const prev = this.tokens;
    const refreshToken =
      prev?.refreshToken ?? (this.kind === 'refresh' ? (this.opts.credentials as RefreshTokenCredentials).refreshToken : undefined);
    if (refreshToken) {
      try {
        return await this.grant('refresh_token', { refresh_token: refreshToken }, requestId);
      } catch (err) {
        if (this.kind === 'refresh') throw err;
        if (!isRefusal(err) && prev && this.now() < prev.expiresAt) {
          // A transient failure while renewing early: keep the still-valid token a little longer.
          prev.refreshAt = Math.min(prev.expiresAt, this.now() + 5_000);
          return prev;
        }
        // Refused (spent or revoked refresh token) or unreachable: a full grant is next.
      }
    }
    return this.fullGrant(requestId);
  }

  private fullGrant(requestId: string): Promise<TokenSet> {
    const c = this.opts.credentials;
    const extra: Record<string, string> = {};
    if ('sudoAsLogin' in c && c.sudoAsLogin) extra.scope = `sudo_as_login:${c.sudoAsLogin}`;
    if ('sessionUuid' in c && c.sessionUuid) extra.session_uuid = c.sessionUuid;
    if (this.kind === 'script') {
      const s = c as ScriptCredentials;
      return this.grant('client_credentials', { client_id: s.scriptName, client_secret: s.scriptKey, ...extra }, requestId);
    }
    const p = c as PasswordCredentials;
    return this.grant('password', { username: p.login, password: p.password, ...extra }, requestId);
  }

  private async grant(grant: GrantType, params: Record<string, string>, requestId: string): Promise<TokenSet> {
    const { transport, tokenUrl } = this.opts;
    const body = new URLSearchParams({ grant_type: grant, ...params }).toString();
    let res;
    try {
      res = await transport.send({
        method: 'POST',
        url: tokenUrl,
        requestId,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    } catch (err) {
      throw this.authFailure(err, grant);
    }
    const b = res.body as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown } | undefined;
    if (!b || typeof b.access_token !== 'string' || b.access_token === '') {
      throw new ProtocolError(`No access_token in the reply of POST ${tokenUrl}`, {
        status: res.status,
        requestId,
        serverRequestId: res.serverRequestId,
        method: 'POST',
        url: tokenUrl,
      });
    }
    const ttlS = typeof b.expires_in === 'number' && b.expires_in > 0 ? b.expires_in : (jwtTtl(b.access_token, this.now()) ?? DEFAULT_TTL_S);
    const now = this.now();
    const set: TokenSet = {
      accessToken: b.access_token,
      refreshToken: typeof b.refresh_token === 'string' && b.refresh_token ? b.refresh_token : undefined,
      expiresAt: now + ttlS * 1000,
      refreshAt: now + ttlS * 1000 - refreshLeadMs(ttlS),
    };
    transport.emit({ kind: 'auth', requestId, method: 'POST', url: tokenUrl, grant, expiresInS: ttlS });
    return set;
  }

  /** 400/401 from the token endpoint become an AuthenticationError that names who failed. */
  private authFailure(err: unknown, grant: GrantType): unknown {
    if (!(err instanceof BadRequestError || err instanceof AuthenticationError)) return err;
    const c = this.opts.credentials;
    const who =
      grant === 'refresh_token'
        ? `Can't refresh the access token`
        : this.kind === 'script'
          ? `Can't authenticate script '${(c as ScriptCredentials).scriptName}'`
          : `Can't authenticate user '${(c as PasswordCredentials).login}'`;
    const why = describeErrors(err.errors) || `HTTP ${err.status}`;
    return new AuthenticationError(`${who} at ${this.opts.server}: ${why}`, {
      status: err.status,
      errors: err.errors,
      requestId: err.requestId,
      serverRequestId: err.serverRequestId,
      method: err.method,
      url: err.url,
      cause: err,
    });
  }
}

/** A 4xx answer to a grant: retrying the same grant cannot help. */
function isRefusal(err: unknown): boolean {
  return err instanceof ShotgunError && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 429;
}

/** Seconds left on a JWT's `exp`, when the token is a readable JWT. */
function jwtTtl(token: string, now: number): number | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
    if (typeof payload.exp !== 'number') return undefined;
    const s = payload.exp - now / 1000;
    return s > 0 ? s : undefined;
  } catch {
    return undefined;
  }
}
