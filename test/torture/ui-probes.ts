// Security probes against the real `shotgun-events run --ui` (docs/reliability.md): token,
// Origin and Host checks, path traversal, security headers, malformed and huge WebSocket
// messages, guessing, and script keys in anything the UI can read.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENGINE_SCRIPT, makeSite, PLUGIN_SCRIPT, recorderPlugin, type Daemon, type Site } from '../daemon/harness.js';
import { get, upgradeStatus, WireClient } from '../headless/helpers.js';
import { alive, sees, stopDaemon, type Options, type Section } from './common.js';

const TOKEN = 'torture-token-0123456789abcdef';

interface Probe {
  probe: string;
  expected: string;
  got: string;
  ok: boolean;
}

async function startUi(site: Site, args: string[]): Promise<{ d: Daemon; port: number }> {
  const d = site.run(['--ui', '127.0.0.1:0', ...args]);
  if (!(await sees(d, /UI: http:\/\/127\.0\.0\.1:(\d+)/, 60_000))) throw new Error(`run --ui did not print its URL:\n${d.output().slice(-2000)}`);
  return { d, port: Number(/UI: http:\/\/127\.0\.0\.1:(\d+)/.exec(d.output())![1]) };
}

export async function uiProbes(o: Options): Promise<Section> {
  const site = await makeSite({ rate: 5 });
  const probes: Probe[] = [];
  const add = (probe: string, expected: string, got: string, ok: boolean) => {
    probes.push({ probe, expected, got, ok });
    o.log(`ui ${probe}: ${got}${ok ? '' : '  <-- BROKEN'}`);
  };
  const seen: string[] = []; // every payload the UI served, searched for secrets at the end
  const daemons: Daemon[] = [];
  try {
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    writeFileSync(path.join(site.dir, 'secret.txt'), 'TOP SECRET\n');

    // ---- with a token
    const { d, port } = await startUi(site, ['--ui-token', TOKEN]);
    daemons.push(d);
    const base = `http://127.0.0.1:${port}`;
    const ws = `ws://127.0.0.1:${port}/ws`;
    const host = { host: `127.0.0.1:${port}` };

    let r = await get(port, '/', host);
    add('GET / without the token', '401', String(r.status), r.status === 401);
    r = await get(port, '/?token=wrong-token-0123456789', host);
    add('GET / with a wrong token', '401', String(r.status), r.status === 401);
    r = await get(port, `/?token=${TOKEN}`, host);
    seen.push(r.body);
    const cookie = String(r.headers['set-cookie'] ?? '');
    add(
      'GET / with the token',
      '200, HttpOnly SameSite=Strict cookie',
      `${r.status}, ${cookie.replace(TOKEN, '…')}`,
      r.status === 200 && /HttpOnly/i.test(cookie) && /SameSite=Strict/i.test(cookie),
    );

    const csp = String(r.headers['content-security-policy'] ?? '');
    const connect = /connect-src ([^;]*)/.exec(csp)?.[1] ?? '';
    add(
      'Content-Security-Policy',
      "present; connect-src only the UI's own origin",
      csp ? `connect-src ${connect}` : 'missing',
      !!csp && !/(^|\s)(ws:|wss:|\*|https?:)(\s|$)/.test(connect),
    );
    const want: Array<[string, RegExp]> = [
      ['x-content-type-options', /nosniff/],
      ['referrer-policy', /no-referrer|same-origin/],
    ];
    for (const [h, re] of want) add(`header ${h}`, String(re), String(r.headers[h] ?? 'missing'), re.test(String(r.headers[h] ?? '')));
    const framing = `${String(r.headers['x-frame-options'] ?? '')} ${/frame-ancestors [^;]*/.exec(csp)?.[0] ?? ''}`.trim();
    add('framing refused', "X-Frame-Options DENY or frame-ancestors 'none'", framing || 'missing', /DENY|frame-ancestors 'none'/.test(framing));

    for (const p of [
      '/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/assets/..%2f..%2f..%2fsecret.txt',
      '//etc/passwd',
      '/%00../secret.txt',
    ]) {
      r = await get(port, `${p}${p.includes('?') ? '&' : '?'}token=${TOKEN}`, host);
      const leaked = /root:|TOP SECRET/.test(r.body);
      add(`traversal ${p}`, 'no file outside the UI', `${r.status}${leaked ? ' LEAKED' : ''}`, !leaked);
    }

    const anon = await upgradeStatus(ws, { headers: { origin: base } });
    add('WebSocket without the token', 'refused (401)', String(anon), anon === 401);
    const evil = await upgradeStatus(`${ws}?token=${TOKEN}`, { headers: { origin: 'http://evil.example' } });
    add('WebSocket from a foreign Origin', 'refused (403)', String(evil), evil === 403);

    // An authenticated client: its every message is kept for the secrets check.
    const c = await WireClient.open(`${ws}?token=${TOKEN}`, { headers: { origin: base } });
    await c.waitFor((m) => m.type === 'snapshot', 'the first snapshot');
    for (const [name, args] of [
      ['snapshot', {}],
      ['getSettings', {}],
      ['getEvent', { id: 1 }],
      ['testConnection', {}],
    ] as const)
      await c.command(name, args).catch(() => null);
    for (const [label, data] of [
      ['not JSON', 'this is not json'],
      ['JSON without a type', '{"hello": 1}'],
      ['a command without a name', '{"type":"command","id":1}'],
      ['an unknown command', '{"type":"command","id":2,"name":"rm -rf","args":{}}'],
      ['a command with bad arguments', '{"type":"command","id":3,"name":"pause","args":{"plugin":{"$gt":""}}}'],
      ['binary garbage', Buffer.from([0xff, 0x00, 0xfe, 0x01])],
    ] as const) {
      const before = c.messages.length;
      c.sendRaw(data, Buffer.isBuffer(data));
      const reply = await c.waitFor((m) => m.type === 'result' && m.ok === false, `an error reply to ${label}`, before, 10_000).catch(() => null);
      add(
        `WebSocket message: ${label}`,
        'an error reply naming the problem; connection and daemon up',
        reply && reply.type === 'result' && !reply.ok ? reply.error.slice(0, 100) : 'no reply',
        !!reply && alive(d) && c.ws.readyState === c.ws.OPEN,
      );
    }
    const huge = await WireClient.open(`${ws}?token=${TOKEN}`, { headers: { origin: base } });
    huge.sendRaw(JSON.stringify({ type: 'command', id: 'huge', name: 'snapshot', args: { pad: 'x'.repeat(4 * 1024 * 1024) } }));
    const closed = await Promise.race([huge.closed, new Promise<null>((res) => setTimeout(() => res(null), 15_000))]);
    const again = await upgradeStatus(`${ws}?token=${TOKEN}`, { headers: { origin: base } });
    add(
      'WebSocket message of 4 MB',
      'connection closed (1009); daemon serves the next one',
      closed ? `closed ${closed.code}; next upgrade ${again}` : 'still open',
      !!closed && alive(d) && again === 101,
    );
    await new Promise((res) => setTimeout(res, 1000)); // updates stream in during that second: part of the secrets check
    seen.push(...c.messages.map((m) => JSON.stringify(m)));
    await c.close();

    // Guessing: 300 wrong tokens from one address.
    const mark = d.output().length;
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const g = await get(port, `/?token=guess-${i}-0123456789abcdef`, host);
      statuses.set(g.status, (statuses.get(g.status) ?? 0) + 1);
    }
    const logged = /token|unauthori[sz]ed|throttl/i.test(d.output().slice(mark));
    add(
      '300 wrong tokens from one address',
      'throttled (429) and logged',
      `${[...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')}; logged: ${logged ? 'yes' : 'no'}`,
      statuses.has(429) && logged,
    );
    const after = await get(port, `/?token=${TOKEN}`, host);
    add(
      'the right token after the guessing',
      'an answer (200 or 429 while throttled)',
      String(after.status),
      after.status === 200 || after.status === 429,
    );

    await stopDaemon(d); // one daemon per state file at a time

    // ---- without a token (loopback): the Host header guards against DNS rebinding
    const open = await startUi(site, []).catch((e: Error) => e);
    if (open instanceof Error) add('run --ui without a token', 'starts on loopback', open.message.slice(0, 120), false);
    else {
      daemons.push(open.d);
      const rebind = await get(open.port, '/', { host: 'evil.example' });
      add('Host: evil.example (no token, loopback)', '403', String(rebind.status), rebind.status === 403);
      const up = await upgradeStatus(`ws://127.0.0.1:${open.port}/ws`, { headers: { host: 'evil.example' } });
      add('WebSocket with Host: evil.example', '403', String(up), up === 403);
      const ok = await get(open.port, '/', { host: `localhost:${open.port}` });
      add('Host: localhost (no token)', '200', String(ok.status), ok.status === 200);
      seen.push(ok.body);
      await stopDaemon(open.d);
    }

    // ---- a weak token is refused
    const weak = site.run(['--ui', '127.0.0.1:0', '--ui-token', 'a']);
    daemons.push(weak);
    const refused = await Promise.race([weak.exited.then(() => true), sees(weak, /UI: http/, 30_000).then(() => false)]);
    const said =
      weak
        .output()
        .split('\n')
        .find((l) => /token/i.test(l) && !/UI: http/.test(l)) ?? '';
    add(
      "--ui-token 'a'",
      'refused, naming the token',
      refused ? `exit ${(await weak.exited).code}: ${said.slice(0, 100)}` : 'accepted',
      refused && /token/i.test(said),
    );
    await stopDaemon(weak);

    // ---- secrets: no script key in anything the UI was sent
    const keys = [ENGINE_SCRIPT.key, PLUGIN_SCRIPT.key];
    const leaks = keys.filter((k) => seen.some((s) => s.includes(k)));
    add('script keys in any payload', 'none', leaks.length ? `LEAKED ${leaks.join(', ')}` : `none in ${seen.length} payloads`, leaks.length === 0);
  } finally {
    for (const x of daemons) await stopDaemon(x);
    await site.close();
  }
  const bad = probes.filter((p) => !p.ok);
  return {
    title: `UI security probes (${probes.length})`,
    headers: ['probe', 'expected', 'got', 'held'],
    rows: probes.map((p) => [p.probe, p.expected, p.got, p.ok ? 'yes' : '**NO**']),
    failures: bad.map((p) => `${p.probe}: ${p.got}`),
    summary: `${probes.length} probes; ${probes.length - bad.length} held`,
  };
}
