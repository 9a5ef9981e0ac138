// `shotgun-events sandbox`: run the emulator in the foreground and print a line per
// second of what the site is doing, so a newcomer sees events being made.

import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_SANDBOX_PORT } from '../sandbox/default-port.js';
// The sandbox is imported when this command runs: every other command (`run` above all) is
// parsed by the same program and must not load it (docs/performance.md, "Memory, round 5").
import type { HttpFault, SandboxScript } from '../sandbox/index.js';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0, got '${v}'`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number ≥ 0, got '${v}'`);
  return n;
};

/** NAME:KEY or NAME:KEY:events (the last turns on generate_event_log_entries). */
export function parseScript(v: string, prev: SandboxScript[] = []): SandboxScript[] {
  const m = /^([^:]+):([^:]+)(?::(events))?$/.exec(v);
  if (!m) throw new InvalidArgumentError(`--script takes NAME:KEY or NAME:KEY:events, got '${v}'`);
  return [...prev, m[3] === 'events' ? { name: m[1]!, key: m[2]!, generateEvents: true } : { name: m[1]!, key: m[2]! }];
}

/** STATUS[:COUNT[:RETRY_AFTER]], or 403html[:COUNT] for an HTML error page. */
export function parseFail(v: string, prev: HttpFault[] = []): HttpFault[] {
  const m = /^(403html|403|429|500|502|503|504)(?::(\d+))?(?::(\d+(?:\.\d+)?))?$/.exec(v);
  if (!m) throw new InvalidArgumentError(`--fail takes STATUS[:COUNT[:RETRY_AFTER]] (403, 403html, 429, 500, 502, 503, 504), got '${v}'`);
  const html = m[1] === '403html';
  const fault: HttpFault = { status: (html ? 403 : Number(m[1])) as HttpFault['status'], count: m[2] ? Number(m[2]) : 1 };
  if (html) fault.html = true;
  if (m[3] !== undefined) fault.retryAfter = Number(m[3]);
  return [...prev, fault];
}

export function sandboxCommand(): Command {
  return new Command('sandbox')
    .description('run a local ShotGrid site (REST + api3) on 127.0.0.1 with demo data and a traffic generator')
    .option('-p, --port <port>', `port to listen on (0 = any free port)`, int('--port'), DEFAULT_SANDBOX_PORT)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('-r, --rate <events/s>', 'traffic generator rate in events per second (0 = off)', num('--rate'), 0)
    .option('-s, --script <NAME:KEY[:events]>', 'add an API script (repeatable); ":events" turns on its generate_event_log_entries', parseScript, [])
    .option(
      '-u, --user <LOGIN:PASSWORD>',
      'add a person who can log in with the password grant (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [],
    )
    .addOption(new Option('--seed <size>', 'initial site content').choices(['demo', 'minimal', 'none']).default('demo'))
    .option('--state <file>', 'keep the site in this JSON file (loaded at start, saved as it changes)')
    .option('--token-ttl <seconds>', 'expires_in of issued access tokens', int('--token-ttl'), 600)
    .option('--slow <ms>', 'delay every reply by this many milliseconds', int('--slow'), 0)
    .option('--hold-every <n>', 'commit every nth write late (its event ids form a gap that fills)', int('--hold-every'), 0)
    .option('--hold-probability <p>', 'commit each write late with this probability (0..1)', num('--hold-probability'), 0)
    .option('--hold-ms <ms>', 'how late a held write commits', int('--hold-ms'), 2000)
    .option('--gap-every <n>', 'burn event ids before every nth write (gaps that never fill)', int('--gap-every'), 0)
    .option('--gap-size <n>', 'ids burnt per never-filling gap', int('--gap-size'), 1)
    .option('--fail <STATUS[:COUNT[:RETRY_AFTER]]>', 'fail the next COUNT requests with STATUS (repeatable; 403html = HTML page)', parseFail, [])
    .option('-q, --quiet', 'do not print a line per second')
    .action(async (o: SandboxCliOptions) => {
      await runSandbox(o);
    });
}

interface SandboxCliOptions {
  port: number;
  host: string;
  rate: number;
  script: SandboxScript[];
  user: string[];
  seed: 'demo' | 'minimal' | 'none';
  state?: string;
  tokenTtl: number;
  slow: number;
  holdEvery: number;
  holdProbability: number;
  holdMs: number;
  gapEvery: number;
  gapSize: number;
  fail: HttpFault[];
  quiet?: boolean;
}

async function runSandbox(o: SandboxCliOptions): Promise<void> {
  if (o.holdProbability > 1) throw new InvalidArgumentError('--hold-probability must be between 0 and 1');
  const users = o.user.map((u) => {
    const i = u.indexOf(':');
    if (i <= 0) throw new InvalidArgumentError(`--user takes LOGIN:PASSWORD, got '${u}'`);
    return { login: u.slice(0, i), password: u.slice(i + 1) };
  });
  const { startSandbox } = await import('../sandbox/index.js');
  const sb = await startSandbox({
    port: o.port,
    host: o.host,
    rate: o.rate,
    scripts: o.script,
    users,
    seed: o.seed,
    persistPath: o.state,
    tokenTtl: o.tokenTtl,
    slowMs: o.slow,
  });
  Object.assign(sb.store.eventFaults, {
    delayEvery: o.holdEvery,
    delayProbability: o.holdProbability,
    delayMs: o.holdMs,
    gapEvery: o.gapEvery,
    gapSize: o.gapSize,
  });
  sb.faults.fail.push(...o.fail);

  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`ShotGrid sandbox on ${sb.url}  (REST ${sb.url}/api/v1.1, api3 ${sb.url}/api3/json, control ${sb.url}/_sandbox)`);
  for (const s of sb.auth.scripts()) out(`  script ${s.name} / key ${s.key}`);
  out(`  people log in with password 'sandbox' (e.g. admin / sandbox); ${sb.store.eventCount} events so far, last id ${sb.store.lastEventId}`);
  out(`  traffic: ${o.rate > 0 ? `${o.rate} events/s` : 'off (use --rate N)'}. Ctrl-C to stop.`);

  let lastCount = sb.store.eventCount;
  let lastRequests = sb.stats.total;
  const ticker = o.quiet
    ? null
    : setInterval(() => {
        const n = sb.store.eventCount;
        const r = sb.stats.total;
        const time = new Date().toISOString().slice(11, 19);
        out(`${time}  +${n - lastCount} events (last id ${sb.store.lastEventId}, ${n} in all)  ${r - lastRequests} requests`);
        lastCount = n;
        lastRequests = r;
      }, 1000);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  if (ticker) clearInterval(ticker);
  await sb.close();
  out('sandbox stopped');
}
