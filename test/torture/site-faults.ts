// Every sandbox fault, one after another, against one running daemon (the real CLI) with
// studio traffic: per fault, whether the daemon survived, events lost (the sandbox's event
// log over HTTP is the truth), time from the fault's end to a full catch-up, and what the
// log said meanwhile. The daemon reaches the site through a TCP relay so that "site down"
// and "connections reset" are real refused and broken sockets.

import { createServer, connect, type Server, type Socket } from 'node:net';
import { makeSite, recorderPlugin, type Daemon, type Site } from '../daemon/harness.js';
import type { HttpFault } from '../../electron/sandbox/index.js';
import { alive, problems, sees, short, siteEvents, siteHead, stopDaemon, within, type Options, type Section } from './common.js';

/** A TCP relay on loopback in front of the sandbox that can refuse or cut connections. */
class Relay {
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  port = 0;
  constructor(private target: number) {}

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Cuts every open connection (a reset mid-request). */
  cut(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** Refuses new connections and cuts the open ones. */
  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    this.cut();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

interface Fault {
  name: string;
  /** Starts the fault; the fault ends when `end` runs (`holdMs` later). */
  start: (site: Site, relay: Relay) => void | Promise<void>;
  end?: (site: Site, relay: Relay) => void | Promise<void>;
  /** Events committed this late still count: recovery waits at least this long after the end. */
  lateMs?: number;
}

const fail = (f: HttpFault) => (site: Site) => void site.sandbox.faults.fail.push({ ...f });

const FAULTS: Fault[] = [
  {
    name: 'late commits (next 5 writes held 1.5 s)',
    start: (s) => void Object.assign(s.sandbox.store.eventFaults, { holdWrites: 5, holdMs: 1500 }),
    lateMs: 1500,
  },
  {
    name: 'late commits at random (20% held 1 s)',
    start: (s) => void Object.assign(s.sandbox.store.eventFaults, { delayProbability: 0.2, delayMs: 1000 }),
    lateMs: 1000,
  },
  {
    name: 'gaps that never fill (every 5th write skips 3 ids)',
    start: (s) => void Object.assign(s.sandbox.store.eventFaults, { gapEvery: 5, gapSize: 3 }),
  },
  { name: 'id jump of 10,000', start: (s) => void Object.assign(s.sandbox.store.eventFaults, { skipIds: 10_000 }) },
  {
    name: 'token expiry (every token expired, new ones live 2 s)',
    start: (s) => {
      s.sandbox.auth.tokenTtl = 2;
      s.sandbox.auth.expireAll();
    },
    end: (s) => void (s.sandbox.auth.tokenTtl = 600),
  },
  { name: '429 ×3 with Retry-After: 1', start: fail({ status: 429, count: 3, retryAfter: 1 }) },
  { name: '429 ×3 without Retry-After', start: fail({ status: 429, count: 3 }) },
  { name: '500 ×3', start: fail({ status: 500, count: 3 }) },
  { name: '502 ×3', start: fail({ status: 502, count: 3 }) },
  { name: '503 ×3 with Retry-After: 1', start: fail({ status: 503, count: 3, retryAfter: 1 }) },
  { name: '504 ×3', start: fail({ status: 504, count: 3 }) },
  { name: '403 HTML page ×2', start: fail({ status: 403, count: 2, html: true }) },
  { name: 'slow replies (800 ms each)', start: (s) => void (s.sandbox.faults.slowMs = 800) },
  { name: 'replies slower than the timeout (5 s; [shotgun] timeout = 3)', start: (s) => void (s.sandbox.faults.slowMs = 5000) },
  { name: 'connections reset mid-request', start: (_s, r) => r.cut() },
  { name: 'site down (connection refused)', start: async (_s, r) => r.down(), end: async (_s, r) => r.up() },
];

function clear(site: Site): void {
  site.sandbox.faults.reset();
  Object.assign(site.sandbox.store.eventFaults, { holdWrites: 0, delayEvery: 0, delayProbability: 0, gapEvery: 0, gapSize: 0, skipIds: 0 });
}

export async function siteFaults(o: Options): Promise<Section> {
  const site = await makeSite({ rate: 20 });
  const relay = new Relay(site.sandbox.port);
  await relay.up();
  const rows: string[][] = [];
  const failures: string[] = [];
  let d: Daemon | null = null;
  const holdMs = o.quick ? 2000 : 4000;
  const recoverMs = 90_000;
  try {
    site.writeConfig({ shotgun: { server: `http://127.0.0.1:${relay.port}`, timeout: 3 }, daemon: { conn_retry_sleep: 1, max_conn_retries: 3 } });
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    const daemon = site.run();
    d = daemon;
    if (!(await sees(daemon, /Polling every event type/, 60_000))) throw new Error(`the daemon did not start:\n${daemon.output().slice(-2000)}`);
    for (const f of FAULTS) {
      const from = await siteHead(site);
      const mark = daemon.output().length;
      await f.start(site, relay);
      await new Promise((r) => setTimeout(r, holdMs));
      await f.end?.(site, relay);
      clear(site);
      const ended = Date.now();
      const to = await siteHead(site);
      let missing: number[] = [];
      const recovered = await within(
        async () => {
          if (!alive(daemon)) return false;
          const got = new Set(site.records('rec').map((r) => r.id));
          missing = (await siteEvents(site, from, to)).map((e) => e.id).filter((id) => !got.has(id));
          return missing.length === 0 && Date.now() - ended >= (f.lateMs ?? 0);
        },
        recoverMs,
        250,
      );
      const said = problems(daemon.output().slice(mark));
      // Below WARNING, a retry may still be logged: shown when nothing louder was.
      const quiet = daemon
        .output()
        .slice(mark)
        .split('\n')
        .find((l) => /retr|throttl|429|50[0-4]|403|timed out|token|refused|reset/i.test(l));
      const survived = alive(daemon);
      rows.push([
        f.name,
        survived ? 'yes' : '**NO**',
        String(to - from),
        String(missing.length),
        recovered ? `${((Date.now() - ended) / 1000).toFixed(1)} s` : `not within ${recoverMs / 1000} s`,
        said.length ? `${said.length}× e.g. ${short(said[0], 130)}` : quiet ? `below WARNING: ${short(quiet, 120)}` : 'nothing',
      ]);
      if (!survived) failures.push(`${f.name}: the daemon died`);
      if (missing.length) failures.push(`${f.name}: ${missing.length} events not delivered (first ${missing.slice(0, 5).join(', ')})`);
      o.log(`fault ${f.name}: survived ${survived}, missing ${missing.length}, recovered ${recovered}, ${said.length} warnings/errors`);
      if (!survived) break;
    }
    return {
      title: `Site faults (${FAULTS.length} kinds)`,
      headers: ['fault', 'survived', 'id span during the fault', 'lost', 'caught up after the fault ended', 'what the log said'],
      rows,
      failures,
      summary: `${rows.length} faults; survived ${rows.filter((r) => r[1] === 'yes').length}; lost ${rows.reduce((a, r) => a + Number(r[3]), 0)}`,
    };
  } finally {
    if (d) await stopDaemon(d);
    await relay.down();
    await site.close();
  }
}
