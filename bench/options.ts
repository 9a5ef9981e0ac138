// `npm run bench -- <options>`: parsed and checked (a bad value names itself).
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const PARTS = ['raw', 'catchup', 'original', 'latency', 'idle', 'soak', 'ui'] as const;

export interface Options {
  events: number;
  batches: number[];
  rate: number;
  seconds: number;
  /** Whether --seconds was given (it then shortens the UI test too). */
  secondsGiven: boolean;
  soakRate: number;
  soakSeconds: number;
  uiRate: number;
  uiSeconds: number | null;
  profile: string | null;
  /** Where the run's folders go (daemon state, plugin output). */
  tmp: string;
  only: Set<string>;
  keep: boolean;
}

export const USAGE = `options (after \`npm run bench --\`):
  --events N          events to preload (default 100000)
  --batches A,B       max_event_batch_size values for the catch-up (default 500,5000)
  --rate R            latency test: events per second (default 20)
  --seconds S         latency test: how long (default 15); also shortens the UI test
  --soak-seconds S    RSS soak: how long (default 60; the issue's figure is 600)
  --soak-rate R       RSS soak: traffic, events per second (default 1000)
  --ui-rate R         UI test: traffic, events per second (default 1000)
  --ui-seconds S      UI test: how long the traffic runs (default 60)
  --profile DIR       run our daemons under \`node --cpu-prof\` (main thread and workers), into DIR
  --tmp DIR           where the run's folders go (default /dev/shm when present, else the OS temp dir)
  --only LIST         some of ${PARTS.join(',')} (default all)
  --keep              keep the temp folder (configs, state, daemon logs) and say where`;

export function parseArgs(argv: string[]): Options {
  const o: Options = {
    events: 100_000,
    batches: [500, 5000],
    rate: 20,
    seconds: 15,
    secondsGiven: false,
    soakRate: 1000,
    soakSeconds: 60,
    uiRate: 1000,
    uiSeconds: null,
    profile: null,
    // The plugins write a file per event and the original pickles its state per event: on
    // a shared ext4 disk each truncate-and-write costs milliseconds, which would make the
    // disk the ceiling for both daemons. tmpfs keeps the figures about the daemons.
    tmp: existsSync('/dev/shm') ? '/dev/shm' : tmpdir(),
    only: new Set(PARTS),
    keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return x;
    };
    const num = (x: string) => {
      const n = Number(x);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${a} needs a positive number, got '${x}'`);
      return n;
    };
    if (a === '--events') o.events = Math.round(num(v()));
    else if (a === '--batches')
      o.batches = v()
        .split(',')
        .map((x) => Math.round(num(x)));
    else if (a === '--rate') o.rate = num(v());
    else if (a === '--seconds') {
      o.seconds = num(v());
      o.secondsGiven = true;
    } else if (a === '--soak-seconds') o.soakSeconds = num(v());
    else if (a === '--soak-rate') o.soakRate = num(v());
    else if (a === '--ui-rate') o.uiRate = num(v());
    else if (a === '--ui-seconds') o.uiSeconds = num(v());
    else if (a === '--profile') o.profile = path.resolve(v());
    else if (a === '--tmp') o.tmp = path.resolve(v());
    else if (a === '--only') {
      o.only = new Set(v().split(','));
      const bad = [...o.only].filter((p) => !(PARTS as readonly string[]).includes(p));
      if (bad.length) throw new Error(`--only: unknown part ${bad.join(', ')} (known: ${PARTS.join(', ')})`);
    } else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  return o;
}
