// The headless UI's WebSocket clients: each connection gets a snapshot, then the engine's
// updates through its own UpdateBatcher and the slow-client policy (server-backpressure.ts);
// its commands are checked against the contract and answered with their request id. A
// heartbeat ends clients that stopped answering pings.

import { WebSocket, type RawData } from 'ws';
import {
  exhaustive,
  parseCommand,
  wireToServer,
  type CommandArgs,
  type CommandName,
  type Snapshot,
  type Update,
  type WireToClient,
} from '../contract.js';
import { UpdateBatcher } from '../ui/batcher.js';
import { Backpressure } from './server-backpressure.js';
import type { UiLogger } from './server-auth.js';

/** What a connection needs of the engine; `command` acts as the server's user (the audit's who). */
export interface UiFeed {
  subscribe(fn: (u: Update) => void): () => void;
  snapshot(): Snapshot;
  command(name: CommandName, args: CommandArgs<CommandName>): Promise<unknown>;
}

export interface ConnectionOptions {
  /** Batch interval for updates (ms). */
  batchMs: number;
  /** Backpressure thresholds (bytes buffered on a socket). */
  slowBytes: number;
  killBytes: number;
  /** Most simultaneous clients. */
  maxClients: number;
  logger?: UiLogger | undefined;
}

const HEARTBEAT_MS = 30_000;

/** Every open WebSocket client of one server. */
export class UiConnections {
  private readonly clients = new Set<Connection>();
  private readonly beat: NodeJS.Timeout;

  constructor(
    private readonly feed: UiFeed,
    private readonly opts: ConnectionOptions,
  ) {
    this.beat = setInterval(() => {
      for (const c of this.clients) c.heartbeat();
    }, HEARTBEAT_MS);
    this.beat.unref();
  }

  /** No room for another client. */
  get full(): boolean {
    return this.clients.size >= this.opts.maxClients;
  }

  /** Serve a newly upgraded socket; `peer` names it in the log. */
  accept(ws: WebSocket, peer: string): void {
    const c = new Connection(ws, peer, this.feed, this.opts, () => this.clients.delete(c));
    this.clients.add(c);
  }

  /** Say goodbye to every client (1001); returns the cut that ends those still open after a while. */
  shutdown(): () => void {
    clearInterval(this.beat);
    const all = [...this.clients];
    for (const c of all) c.shutdown();
    return () => {
      for (const c of all) c.kill();
    };
  }
}

/** One WebSocket client (one window). */
class Connection {
  private readonly batcher: UpdateBatcher;
  private readonly unsubscribe: () => void;
  private readonly pressure: Backpressure;
  private alive = true;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly peer: string,
    private readonly feed: UiFeed,
    private readonly opts: ConnectionOptions,
    private readonly onDispose: () => void,
  ) {
    this.pressure = new Backpressure(opts.slowBytes, opts.killBytes);
    this.batcher = new UpdateBatcher((updates) => this.onBatch(updates), { intervalMs: opts.batchMs });
    // Subscribe and snapshot in the same tick: nothing falls between them.
    this.unsubscribe = feed.subscribe((u) => this.batcher.push(u));
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('close', () => this.dispose());
    ws.on('error', (e) => {
      opts.logger?.warning(`UI client ${this.peer}: ${e.message}`);
      this.dispose();
    });
    this.sendSnapshot();
  }

  heartbeat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    try {
      this.ws.ping();
    } catch {
      /* closing */
    }
  }

  shutdown(): void {
    this.dispose();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1001, 'server shutting down');
  }

  kill(): void {
    this.ws.terminate();
  }

  private write(msg: WireToClient): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(msg));
  }

  private sendSnapshot(): void {
    this.write({ type: 'snapshot', snapshot: this.feed.snapshot() });
  }

  private onBatch(updates: Update[]): void {
    const d = this.pressure.decide(updates, this.ws.bufferedAmount);
    switch (d.action) {
      case 'disconnect':
        this.opts.logger?.warning(`UI client ${this.peer}: ${this.ws.bufferedAmount} bytes unsent; disconnecting it (too slow)`);
        this.ws.close(1013, 'client too slow');
        this.dispose();
        return;
      case 'snapshot':
        this.opts.logger?.info(`UI client ${this.peer}: caught up after dropping ${d.dropped} stream updates; sending a fresh snapshot`);
        return this.sendSnapshot(); // the snapshot already holds what this batch carries
      case 'send':
        if (d.updates.length) this.write({ type: 'updates', updates: d.updates });
        return;
      default:
        exhaustive(d);
    }
  }

  private reply(id: string | number | null, r: { ok: true; result: unknown } | { ok: false; error: string }): void {
    this.write(r.ok ? { type: 'result', id, ok: true, result: r.result ?? null } : { type: 'result', id, ok: false, error: r.error });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.reply(null, { ok: false, error: 'binary messages are not accepted: send JSON text' });
    let msg: unknown;
    try {
      msg = JSON.parse(rawToString(data));
    } catch (e) {
      return this.reply(null, { ok: false, error: `malformed message: not JSON (${(e as Error).message})` });
    }
    const rawId = (msg as { id?: unknown } | null)?.id;
    const id = typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId)) ? rawId : null;
    const env = wireToServer.safeParse(msg);
    if (!env.success) {
      const problems = env.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
      return this.reply(id, { ok: false, error: `malformed message: expected {type:'command', id, name, args} (${problems})` });
    }
    const { name, args } = env.data;
    let parsed: { name: CommandName; args: unknown };
    try {
      parsed = parseCommand(name, args);
    } catch (e) {
      return this.reply(id, { ok: false, error: (e as Error).message });
    }
    this.feed
      .command(parsed.name, parsed.args as CommandArgs<CommandName>)
      .then(
        (result) => this.reply(id, { ok: true, result }),
        (e: unknown) => this.reply(id, { ok: false, error: e instanceof Error ? e.message : String(e) }),
      )
      .catch(() => {
        /* the socket went away */
      });
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.batcher.close();
    this.onDispose();
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
