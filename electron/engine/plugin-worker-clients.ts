// The `sg` a plugin's callbacks get, in its worker: one lazily built client per script (no
// network until its first call), and, with use_session_uuid, a small LRU pool of per-session
// clients. Connection state changes go to onConnection (the host shows them in the UI).

import { Shotgun } from '../shotgun/client.js';
import type { ConnectionEvent } from '../shotgun/transport.js';
import type { PluginConnectionEvent, ShotgunConnectionSettings } from './plugin-protocol.js';

const SESSION_CLIENTS = 16;
const EVICTED_CLOSE_DELAY_MS = 30_000;

export class ClientHolder {
  private client: Shotgun | undefined;
  private readonly methods = new Map<PropertyKey, unknown>();
  private lastKind: string | undefined;
  readonly proxy: Shotgun;

  constructor(
    private readonly settings: ShotgunConnectionSettings,
    private readonly plugin: string,
    private readonly onConnection: (c: PluginConnectionEvent) => void,
    private readonly scriptName: string,
    private readonly scriptKey: string,
    private readonly sessionUuid: string | undefined,
  ) {
    this.proxy = lazyShotgun(this);
  }

  get created(): boolean {
    return this.client !== undefined;
  }

  /** The real client, built on first use (no network until its first call). */
  get(): Shotgun {
    if (!this.client) {
      const s = this.settings;
      this.client = new Shotgun({
        server: s.server,
        apiVersion: s.apiVersion,
        proxy: s.proxy,
        timeoutMs: s.timeoutMs,
        userAgent: `shotgun-events plugin ${this.plugin} (node ${process.version})`,
        credentials: {
          scriptName: this.scriptName,
          scriptKey: this.scriptKey,
          ...(this.sessionUuid ? { sessionUuid: this.sessionUuid } : {}),
        },
        onConnectionEvent: (e) => this.observe(e),
      });
    }
    return this.client;
  }

  /** A method bound to the real client, cached so sg.find === sg.find. */
  method(prop: PropertyKey, fn: (...a: unknown[]) => unknown): unknown {
    let bound = this.methods.get(prop);
    if (!bound) {
      bound = fn.bind(this.client);
      this.methods.set(prop, bound);
    }
    return bound;
  }

  close(): void {
    const c = this.client;
    if (c) setTimeout(() => void c.close().catch(() => undefined), EVICTED_CLOSE_DELAY_MS).unref();
  }

  private observe(e: ConnectionEvent): void {
    // Every successful request would be a message: report 'ok' only when the state changes.
    if (e.kind === 'ok' && this.lastKind === 'ok') return;
    this.lastKind = e.kind;
    const c: PluginConnectionEvent = { time: Date.now(), plugin: this.plugin, scriptName: this.scriptName, kind: e.kind };
    if (e.kind === 'ok' || e.kind === 'retry') {
      if (e.status !== undefined) c.status = e.status;
      if (e.kind === 'retry') c.message = e.reason;
    } else if (e.kind === 'error') {
      if (e.error.status !== undefined) c.status = e.error.status;
      c.message = e.error.message;
    }
    this.onConnection(c);
  }
}

/** An object that behaves as a Shotgun instance and builds the real one on first access. */
function lazyShotgun(holder: ClientHolder): Shotgun {
  const target = Object.create(Shotgun.prototype) as object;
  return new Proxy(target, {
    get(_t, prop) {
      const c = holder.get();
      const v: unknown = Reflect.get(c, prop, c);
      return typeof v === 'function' ? holder.method(prop, v as (...a: unknown[]) => unknown) : v;
    },
    has(_t, prop) {
      return Reflect.has(holder.get(), prop);
    },
    set(_t, prop, value) {
      return Reflect.set(holder.get(), prop, value);
    },
    getPrototypeOf() {
      return Shotgun.prototype;
    },
  }) as Shotgun;
}

export function createClientPool(
  settings: ShotgunConnectionSettings,
  plugin: string,
  onConnection: (c: PluginConnectionEvent) => void,
): { scriptClient(name: string, key: string): ClientHolder; sessionClient(name: string, key: string, session: string): ClientHolder } {
  const scriptClients = new Map<string, ClientHolder>();
  const sessionClients = new Map<string, ClientHolder>(); // insertion order = LRU order

  function scriptClient(name: string, key: string): ClientHolder {
    const k = `${name}\0${key}`;
    let h = scriptClients.get(k);
    if (!h) {
      h = new ClientHolder(settings, plugin, onConnection, name, key, undefined);
      scriptClients.set(k, h);
    }
    return h;
  }

  // The last one handed out: a page's events mostly come from one session, and this is asked
  // for every event of every callback (a key string and an LRU move each showed in profiles).
  // It is the most recently used, so the LRU order needs no move.
  let last: { name: string; key: string; session: string; holder: ClientHolder } | undefined;

  function sessionClient(name: string, key: string, session: string): ClientHolder {
    if (last && last.session === session && last.name === name && last.key === key) return last.holder;
    const holder = lruSessionClient(name, key, session);
    last = { name, key, session, holder };
    return holder;
  }

  function lruSessionClient(name: string, key: string, session: string): ClientHolder {
    const k = `${name}\0${key}\0${session}`;
    let h = sessionClients.get(k);
    if (h) {
      sessionClients.delete(k);
      sessionClients.set(k, h);
      return h;
    }
    h = new ClientHolder(settings, plugin, onConnection, name, key, session);
    sessionClients.set(k, h);
    if (sessionClients.size > SESSION_CLIENTS) {
      const oldest = sessionClients.keys().next().value as string;
      sessionClients.get(oldest)?.close();
      sessionClients.delete(oldest);
    }
    return h;
  }
  return { scriptClient, sessionClient };
}
