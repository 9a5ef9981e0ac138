// How the renderer reaches the engine. In the Electron window the preload exposes the
// contract as `window.shotgunEvents`; in a browser (headless `shotgun-events run --ui`) the
// same contract travels over a WebSocket to the page's origin. Both look the same to the
// rest of the UI: the `Bridge` of electron/contract.ts plus a link status.
//
// Only types are imported from the contract: its zod schemas stay out of the bundle (the
// engine side validates every command anyway).

import type { Bridge, CommandArgs, CommandName, CommandResults, Snapshot, Update, WireToClient, WireToServer } from '../../electron/contract.js';
import { backoffDelay } from '../../electron/retry.js';

declare global {
  interface Window {
    shotgunEvents?: Bridge;
  }
}

export type LinkState = 'connecting' | 'open' | 'reconnecting';

export interface LinkStatus {
  kind: 'bridge' | 'websocket';
  state: LinkState;
  /** Why the last connection ended (WebSocket only). */
  error: string | null;
  /** Epoch ms of the next reconnect attempt, while reconnecting. */
  retryAt: number | null;
  /** Failed attempts in a row. */
  attempts: number;
}

export interface Transport extends Bridge {
  readonly kind: 'bridge' | 'websocket';
  status(): LinkStatus;
  onStatus(cb: (s: LinkStatus) => void): () => void;
  /** Try to reconnect now (skips the backoff wait). */
  reconnectNow(): void;
  close(): void;
}

/** Default time a command may take before the UI gives up on its answer. */
export const COMMAND_TIMEOUT_MS = 20_000;
/** Commands that talk to ShotGrid or count events may take longer. */
const SLOW_COMMANDS: Partial<Record<CommandName, number>> = {
  previewCursor: 120_000,
  setCursor: 120_000,
  testConnection: 60_000,
  replayEvent: 120_000,
  retryFailed: 120_000,
  reload: 60_000,
};

function listeners<T>() {
  const set = new Set<(v: T) => void>();
  return {
    add(cb: (v: T) => void): () => void {
      set.add(cb);
      return () => set.delete(cb);
    },
    emit(v: T): void {
      for (const cb of [...set]) {
        try {
          cb(v);
        } catch (e) {
          console.error(e);
        }
      }
    },
  };
}

// ------------------------------------------------------------------ preload bridge

function bridgeTransport(bridge: Bridge): Transport {
  const status: LinkStatus = { kind: 'bridge', state: 'open', error: null, retryAt: null, attempts: 0 };
  return {
    kind: 'bridge',
    invoke: (name, args) => bridge.invoke(name, args),
    onSnapshot: (cb) => bridge.onSnapshot(cb),
    onUpdates: (cb) => bridge.onUpdates(cb),
    status: () => status,
    onStatus: () => () => {},
    reconnectNow: () => {},
    close: () => {},
  };
}

// ------------------------------------------------------------------ WebSocket

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
  /** The serialized message, until it has been sent. */
  unsent: string | null;
}

export interface WsOptions {
  /** First reconnect delay; doubles per failed attempt up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** ws(s)://<page origin>/ws, carrying the page's `?token=` along. */
export function wsUrl(loc: Pick<Location, 'protocol' | 'host' | 'search'> = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(loc.search).get('token');
  return `${scheme}//${loc.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

class WsTransport implements Transport {
  readonly kind = 'websocket' as const;
  private ws: WebSocket | null = null;
  private seq = 0;
  private pending = new Map<number, Pending>();
  private snapshots = listeners<Snapshot>();
  private updates = listeners<Update[]>();
  private statuses = listeners<LinkStatus>();
  private st: LinkStatus = { kind: 'websocket', state: 'connecting', error: null, retryAt: null, attempts: 0 };
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly minDelay: number;
  private readonly maxDelay: number;

  constructor(
    private readonly url: string,
    opts: WsOptions = {},
  ) {
    this.minDelay = opts.minDelayMs ?? 500;
    this.maxDelay = opts.maxDelayMs ?? 10_000;
    // Added once per page: api.ts connect() makes the page's one transport (docs/performance.md,
    // "UI event listeners").
    window.addEventListener('online', () => this.reconnectNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.reconnectNow();
    });
    this.connect();
  }

  status(): LinkStatus {
    return this.st;
  }

  onStatus(cb: (s: LinkStatus) => void): () => void {
    return this.statuses.add(cb);
  }

  onSnapshot(cb: (s: Snapshot) => void): () => void {
    return this.snapshots.add(cb);
  }

  onUpdates(cb: (u: Update[]) => void): () => void {
    return this.updates.add(cb);
  }

  invoke<C extends CommandName>(name: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
    // Lost link: say so now rather than queue an action the user may give up on (or
    // forget) and have it run minutes later. The first connect still queues (page load).
    if (this.st.state === 'reconnecting') {
      return Promise.reject(new Error('not connected to the daemon, so nothing was sent; try again once the header says Live'));
    }
    const id = ++this.seq;
    const msg: WireToServer = { type: 'command', id, name, args };
    const timeoutMs = SLOW_COMMANDS[name] ?? COMMAND_TIMEOUT_MS;
    return new Promise<CommandResults[C]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${name}: no answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const p: Pending = { resolve: resolve as (v: unknown) => void, reject, timer, unsent: JSON.stringify(msg) };
      this.pending.set(id, p);
      this.sendPending(p);
    });
  }

  reconnectNow(): void {
    if (this.closed || this.st.state !== 'reconnecting') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.ws?.close(1000, 'closed by the page');
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('connection closed'));
      this.pending.delete(id);
    }
  }

  private setStatus(patch: Partial<LinkStatus>): void {
    this.st = { ...this.st, ...patch };
    this.statuses.emit(this.st);
  }

  private sendPending(p: Pending): void {
    if (p.unsent === null || !this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(p.unsent);
    p.unsent = null;
  }

  private connect(): void {
    if (this.closed) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.scheduleReconnect(`cannot open ${this.url}: ${(e as Error).message}`);
      return;
    }
    this.ws = ws;
    this.setStatus({ state: this.st.attempts === 0 && this.st.error === null ? 'connecting' : 'reconnecting', retryAt: null });
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.setStatus({ state: 'open', error: null, retryAt: null, attempts: 0 });
      for (const p of this.pending.values()) this.sendPending(p);
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws || typeof ev.data !== 'string') return;
      let msg: WireToClient;
      try {
        msg = JSON.parse(ev.data) as WireToClient;
      } catch {
        console.warn('unreadable message from the server', ev.data.slice(0, 200));
        return;
      }
      this.receive(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      // Commands already sent may or may not have run: say so rather than guess.
      for (const [id, p] of this.pending) {
        if (p.unsent !== null) continue;
        clearTimeout(p.timer);
        p.reject(new Error('the connection was lost before the answer came; check the result before retrying'));
        this.pending.delete(id);
      }
      const why = ev.reason || (ev.code === 1006 ? 'connection refused or dropped (wrong or missing token?)' : `closed (${ev.code})`);
      this.scheduleReconnect(why);
    };
  }

  private scheduleReconnect(error: string): void {
    if (this.closed) return;
    const attempts = this.st.attempts + 1;
    const delay = backoffDelay(attempts, { baseMs: this.minDelay, maxMs: this.maxDelay, jitter: 'narrow' });
    this.setStatus({ state: 'reconnecting', error, attempts, retryAt: Date.now() + delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private receive(msg: WireToClient): void {
    switch (msg.type) {
      case 'snapshot':
        this.snapshots.emit(msg.snapshot);
        return;
      case 'updates':
        this.updates.emit(msg.updates);
        return;
      case 'result': {
        if (typeof msg.id !== 'number') {
          if (!msg.ok) console.warn('server refused a message:', msg.error);
          return;
        }
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new Error(errorText(msg.error)));
        return;
      }
    }
  }
}

function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && 'message' in e) return String(e.message);
  return JSON.stringify(e);
}

/** The preload bridge when present (Electron), else a WebSocket to the page's origin. */
export function createTransport(opts: WsOptions = {}): Transport {
  const bridge = window.shotgunEvents;
  if (bridge && typeof bridge.invoke === 'function') return bridgeTransport(bridge);
  return new WsTransport(wsUrl(), opts);
}
