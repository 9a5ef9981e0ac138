// The bench's site: the sandbox in its own child process (so it shares no event loop with
// the daemons or the bench), preloaded with the traffic generator's real actions.
import { fileURLToPath } from 'node:url';
import { SCRIPTS, now, spawnNode, type Spawned } from './children.js';

const SANDBOX_MAIN = fileURLToPath(new URL('./sandbox-main.js', import.meta.url));
/** MB of event encodings the bench site keeps: its 100,000 events (~1 KB each) and more. */
const EVENT_CACHE_MB = 256;

export interface SandboxProc {
  url: string;
  proc: Spawned;
  control(route: string, body?: unknown): Promise<Record<string, unknown>>;
}

export async function startSandbox(): Promise<SandboxProc> {
  // 'minimal' seed: the traffic generator needs people, shots and tasks to write about.
  const proc = spawnNode([SANDBOX_MAIN, JSON.stringify(Object.values(SCRIPTS)), String(EVENT_CACHE_MB)]);
  const first = await proc.waitLine(/sandbox on http/, 15_000);
  const url = /(http:\/\/[^\s]+)/.exec(first.text)![1]!;
  const control = async (route: string, body?: unknown) => {
    const res = await fetch(`${url}/_sandbox${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`sandbox control ${route}: HTTP ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return { url, proc, control };
}

export interface Preloaded {
  /** The last id before the preload: cursors start here. */
  before: number;
  first: number;
  last: number;
  count: number;
  ms: number;
  /** Share of the preloaded events whose meta, entity, user, project are filled. */
  filled: { meta: number; entity: number; user: number; project: number; session: number };
}

export async function preload(sb: SandboxProc, n: number): Promise<Omit<Preloaded, 'filled'>> {
  const stats = (await sb.control('/stats')) as { events: { count: number; lastId: number } };
  const before = stats.events.lastId;
  const t0 = now();
  // The sandbox's burst route: the traffic generator's mix of real actions (status
  // changes, new Versions, Notes...), written as HumanUsers, each with a session uuid.
  let written = 0;
  while (written < n) {
    const r = (await sb.control('/traffic', { burst: Math.min(25_000, n - written) })) as { burst: number };
    if (!r.burst) throw new Error('the sandbox burst wrote no events (is the site seeded?)');
    written += r.burst;
  }
  const after = (await sb.control('/stats')) as { events: { count: number; lastId: number } };
  return { before, first: before + 1, last: after.events.lastId, count: after.events.count - stats.events.count, ms: now() - t0 };
}
