// Shared plumbing for the over-HTTP tests: a sandbox on an ephemeral loopback port, its
// `/_sandbox/*` control routes (used over real HTTP, as a test of a remote site would),
// and a client factory with fast retries so fault tests stay quick.
import { startSandbox, type Sandbox } from '../../electron/sandbox/index.js';
import { Shotgun, type ConnectionEvent, type ShotgunOptions } from '../../electron/shotgun/index.js';

export const SCRIPT = { name: 'test_script', key: 'k3y-for-tests' };
export const USER = { login: 'tester', password: 'pa55word', name: 'Test Person' };

export async function sandbox(opts: Parameters<typeof startSandbox>[0] = {}): Promise<Sandbox> {
  return startSandbox({
    port: 0,
    seed: 'minimal',
    scripts: [{ ...SCRIPT, generateEvents: true }],
    users: [USER],
    ...opts,
  });
}

export async function control(sb: Sandbox, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sb.url}/_sandbox/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${path} → ${res.status} ${await res.text()}`);
  return res.json();
}

export interface Stats {
  total: number;
  requests: Record<string, number>;
  auth: number;
}

export async function stats(sb: Sandbox): Promise<Stats> {
  const res = await fetch(`${sb.url}/_sandbox/stats`);
  return (await res.json()) as Stats;
}

/** Difference of two stats snapshots (requests per key, total, tokens issued). */
export function delta(a: Stats, b: Stats): Stats {
  const requests: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a.requests), ...Object.keys(b.requests)])) {
    const d = (b.requests[k] ?? 0) - (a.requests[k] ?? 0);
    if (d) requests[k] = d;
  }
  return { total: b.total - a.total, requests, auth: b.auth - a.auth };
}

export function client(sb: Sandbox, opts: Partial<ShotgunOptions> = {}): Shotgun & { events: ConnectionEvent[] } {
  const events: ConnectionEvent[] = [];
  const sg = new Shotgun({
    server: sb.url,
    credentials: { scriptName: SCRIPT.name, scriptKey: SCRIPT.key },
    retry: { attempts: 4, baseMs: 5, maxMs: 50 },
    timeoutMs: 5000,
    onConnectionEvent: (e) => events.push(e),
    ...opts,
  });
  return Object.assign(sg, { events });
}
