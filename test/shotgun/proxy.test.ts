// `proxy` option: every request, auth included, goes through an HTTP forward proxy.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../electron/sandbox/index.js';
import { BadRequestError, type ShotgunError } from '../../electron/shotgun/index.js';
import { client, sandbox } from './helpers.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A minimal forward proxy: absolute-URI requests are forwarded; CONNECT is tunnelled. */
function startProxy(): Promise<{ server: Server; url: string; seen: Seen[]; tunnels: string[] }> {
  const seen: Seen[] = [];
  const tunnels: string[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const target = new URL(req.url ?? '');
    const up = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  server.on('connect', (req, socket, head) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const up = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, tunnels })),
  );
}

let sb: Sandbox;
let proxy: Awaited<ReturnType<typeof startProxy>>;

beforeAll(async () => {
  sb = await sandbox();
  proxy = await startProxy();
});
afterAll(async () => {
  await sb.close();
  proxy.server.closeAllConnections();
  await new Promise<void>((r) => proxy.server.close(() => r()));
});

describe('proxy', () => {
  it('auth and API calls pass through the proxy, with x-request-id and user-agent', async () => {
    const sg = client(sb, { proxy: proxy.url, userAgent: 'events-test/1.0' });
    const rows = await sg.find('Project', [], ['name']);
    expect(rows.length).toBeGreaterThan(0);
    const paths = proxy.seen.map((s) => `${s.method} ${new URL(s.url).pathname}`);
    expect(paths).toEqual(['POST /api/v1.1/auth/access_token', 'POST /api/v1.1/entity/Project/_search']);
    for (const s of proxy.seen) {
      expect(s.url.startsWith(sb.url)).toBe(true); // absolute-URI form: a forward proxy request
      expect(s.headers['user-agent']).toBe('events-test/1.0');
      expect(s.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    // The token request ran on behalf of the first call, so both carry its id.
    expect(proxy.seen[0]!.headers['x-request-id']).toBe(proxy.seen[1]!.headers['x-request-id']);

    const err = (await sg.find('Project', [['nope', 'is', 1]]).catch((e: unknown) => e)) as ShotgunError;
    expect(err).toBeInstanceOf(BadRequestError);
    expect(proxy.seen.at(-1)!.headers['x-request-id']).toBe(err.requestId);
    expect(proxy.tunnels).toEqual([]);
    await sg.close();
  });
});
