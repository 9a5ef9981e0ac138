// Headless UI test helpers: a sandbox site with an in-process Engine behind the UI server,
// a WebSocket client that records every message, and raw HTTP requests (paths sent as is).

import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import type { WireToClient } from '../../electron/contract.js';
import { loadConfig } from '../../electron/engine/config.js';
import { Engine } from '../../electron/engine/engine.js';
import { startUiServer, type UiServer, type UiServerOptions } from '../../electron/headless/server.js';
import { makeSite, recorderPlugin, until, type Site } from '../daemon/harness.js';

export interface Stack {
  site: Site;
  engine: Engine;
  ui: UiServer;
  /** The built-renderer stand-in: `<site>/www` (index.html, assets/, style.css). */
  www: string;
  /** `ws://127.0.0.1:PORT/ws` */
  wsUrl: string;
  /** `http://127.0.0.1:PORT` */
  base: string;
  close(): Promise<void>;
}

export const INDEX_HTML = '<!doctype html><html><head><script type="module" src="/assets/app-0123abcd.js"></script></head><body>UI</body></html>';

/** A site with one recorder plugin `rec`, its engine started, and the UI server in front. */
export async function startStack(ui: Partial<UiServerOptions> = {}): Promise<Stack> {
  const site = await makeSite();
  site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
  const www = path.join(site.dir, 'www');
  mkdirSync(path.join(www, 'assets'), { recursive: true });
  writeFileSync(path.join(www, 'index.html'), INDEX_HTML);
  writeFileSync(path.join(www, 'assets', 'app-0123abcd.js'), 'console.log("app");\n');
  writeFileSync(path.join(www, 'style.css'), 'body { color: black }\n');
  writeFileSync(path.join(site.dir, 'secret.txt'), 'TOP SECRET\n');
  const engine = await Engine.create({ config: loadConfig(site.configPath) });
  await engine.start();
  await until(() => engine.snapshot().plugins.some((p) => p.name === 'rec' && p.state === 'running'), 'plugin rec running');
  let server: UiServer;
  try {
    server = await startUiServer({ engine, host: '127.0.0.1', port: 0, staticDir: www, ...ui });
  } catch (e) {
    await engine.stop(0);
    await site.close();
    throw e;
  }
  return {
    site,
    engine,
    ui: server,
    www,
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    base: `http://127.0.0.1:${server.port}`,
    async close() {
      await server.close();
      await engine.stop(1000);
      await site.close();
    },
  };
}

/** Raw HTTP: the path goes on the wire exactly as given (no client-side normalisation). */
export function get(
  port: number,
  rawPath: string,
  headers: Record<string, string> = {},
  method = 'GET',
  /** The client's source address (another loopback address is another client). */
  localAddress?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: rawPath, method, headers, ...(localAddress ? { localAddress } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket client that keeps every message it receives, in order. */
export class WireClient {
  readonly messages: Array<WireToClient & { at: number }> = [];
  private waiters: Array<() => void> = [];
  private nextId = 1;
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push({ ...(JSON.parse(data.toString()) as WireToClient), at: Date.now() });
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(url: string, opts: WebSocket.ClientOptions = {}): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, opts);
      const c = new WireClient(ws);
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.on('error', reject);
    });
  }

  /** The first message from index `from` on that satisfies `pred`. */
  async waitFor<T extends WireToClient>(
    pred: (m: WireToClient) => m is T,
    what: string,
    from?: number,
    timeoutMs?: number,
  ): Promise<T & { at: number; index: number }>;
  async waitFor(
    pred: (m: WireToClient) => boolean,
    what: string,
    from?: number,
    timeoutMs?: number,
  ): Promise<WireToClient & { at: number; index: number }>;
  async waitFor(
    pred: (m: WireToClient) => boolean,
    what: string,
    from = 0,
    timeoutMs = 10_000,
  ): Promise<WireToClient & { at: number; index: number }> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.messages.length; i++) if (pred(this.messages[i]!)) return { ...this.messages[i]!, index: i };
      const left = end - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; got ${this.messages.length} messages: ${JSON.stringify(this.messages.slice(-3)).slice(0, 1500)}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Sends a command and waits for its result message. */
  async command(name: string, args?: unknown): Promise<Extract<WireToClient, { type: 'result' }>> {
    const id = `c${this.nextId++}`;
    this.ws.send(JSON.stringify({ type: 'command', id, name, args }));
    return (await this.waitFor((m) => m.type === 'result' && m.id === id, `result of ${name}`)) as Extract<WireToClient, { type: 'result' }>;
  }

  close(): Promise<unknown> {
    this.ws.close();
    return this.closed;
  }
}

/** Status of a refused WebSocket upgrade, or 101 when it opened (then closed). */
export function upgradeStatus(url: string, opts: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', (e) => reject(e));
  });
}
