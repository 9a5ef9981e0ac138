// Kill -9 cycles with studio traffic running: the real CLI is started and SIGKILLed at a
// random point (during the very first start with no state file, while plugins load, while
// events flow), again and again; then one clean run catches up. The truth is the sandbox's
// own event log over HTTP: per plugin, every event after the first start's head must have
// been recorded at least once (docs/reliability.md).

import { makeSite, recorderPlugin, type Daemon, type Site } from '../daemon/harness.js';
import { alive, pool, sees, siteEvents, siteHead, stateOnDisk, stopDaemon, within, type Options, type Section } from './common.js';

interface Recorder {
  name: string;
  source: (site: Site) => string;
  wants: (e: { event_type: string; attribute_name: string | null }) => boolean;
}

const RECORDERS: Recorder[] = [
  { name: 'all', source: (s) => recorderPlugin(s.recordsDir, 'all'), wants: () => true },
  {
    name: 'tasks',
    source: (s) => recorderPlugin(s.recordsDir, 'tasks', { match: { Shotgun_Task_Change: ['sg_status_list'] } }),
    wants: (e) => e.event_type === 'Shotgun_Task_Change' && e.attribute_name === 'sg_status_list',
  },
  // Loading takes 400 ms: kills land during plugin loading.
  {
    name: 'slowload',
    source: (s) => recorderPlugin(s.recordsDir, 'slowload', { header: 'await new Promise((r) => setTimeout(r, 400));' }),
    wants: () => true,
  },
  // 8 ms per event: a wider in-flight window, so duplicates show.
  { name: 'slow', source: (s) => recorderPlugin(s.recordsDir, 'slow', { body: 'await new Promise((r) => setTimeout(r, 8));' }), wants: () => true },
];

const TRAFFIC_RATE = 40;
const FIRST_START = /No state at .*?newest event,? (\d+)/;
const ENGINE_UP = /engine starting/;
const POLLING = /Polling every event type|Pushing an event_type filter/;

interface Cycle {
  epoch: number;
  n: number;
  phase: string;
  afterMs: number;
  state: string;
}

export async function killCycles(
  o: Options,
): Promise<Section & { cycles: Cycle[]; perPlugin: Record<string, { lost: number; dups: number; delivered: number }> }> {
  const perEpoch = o.cycles >= 20 ? 10 : 5;
  const epochs = Math.max(1, Math.ceil(o.cycles / perEpoch));
  const cycles: Cycle[] = [];
  const failures: string[] = [];
  const perPlugin: Record<string, { lost: number; dups: number; delivered: number }> = Object.fromEntries(
    RECORDERS.map((r) => [r.name, { lost: 0, dups: 0, delivered: 0 }]),
  );
  const counts = Array.from({ length: epochs }, (_, e) => Math.min(perEpoch, o.cycles - e * perEpoch));
  // Two epochs at a time, each with its own site and state: twice the kills per minute.
  const epochResults = await pool(counts, 2, (count, epoch) => oneEpoch(epoch, count, o, cycles, failures));
  const epochRows = epochResults.map((r, epoch) => {
    for (const [name, f] of Object.entries(r.perPlugin)) {
      perPlugin[name]!.lost += f.lost;
      perPlugin[name]!.dups += f.dups;
      perPlugin[name]!.delivered += f.delivered;
    }
    return [
      String(epoch),
      String(counts[epoch]),
      r.baseline,
      String(r.events),
      ...RECORDERS.map((p) => `${r.perPlugin[p.name]!.lost} / ${r.perPlugin[p.name]!.dups}`),
      r.note,
    ];
  });
  const phases = new Map<string, number>();
  for (const c of cycles) phases.set(c.phase, (phases.get(c.phase) ?? 0) + 1);
  const unreadable = cycles.filter((c) => c.state === 'unreadable').length;
  const lost = Object.values(perPlugin).reduce((a, p) => a + p.lost, 0);
  const dups = Object.values(perPlugin).reduce((a, p) => a + p.dups, 0);
  return {
    title: `Kill -9 cycles (${cycles.length})`,
    headers: ['epoch', 'kills', 'first-start head', 'events', ...RECORDERS.map((p) => `${p.name}: lost / dup`), 'notes'],
    rows: [
      ...epochRows,
      [
        'all',
        String(cycles.length),
        '',
        '',
        ...RECORDERS.map((p) => `${perPlugin[p.name]!.lost} / ${perPlugin[p.name]!.dups}`),
        `kills by phase: ${[...phases].map(([k, v]) => `${k} ${v}`).join(', ')}; state unreadable after ${unreadable} kills`,
      ],
    ],
    failures,
    summary: `${cycles.length} kills (${[...phases].map(([k, v]) => `${k} ${v}`).join(', ')}); lost ${lost}; duplicates ${dups}; state unreadable ${unreadable}`,
    cycles,
    perPlugin,
  };
}

async function oneEpoch(epoch: number, count: number, o: Options, cycles: Cycle[], failures: string[]) {
  const site = await makeSite({ rate: TRAFFIC_RATE });
  const outputs: string[] = [];
  const savedHeads: number[] = [];
  try {
    for (const p of RECORDERS) site.writePlugin(`${p.name}.mjs`, p.source(site));
    for (let n = 0; n < count; n++) {
      const first = stateOnDisk(site) === 'absent';
      const d = site.run();
      const t0 = Date.now();
      const phase = await killAt(d, site, n, epoch);
      d.proc.kill('SIGKILL');
      await d.exited;
      outputs.push(d.output());
      const s = stateOnDisk(site);
      const state = typeof s === 'string' ? s : 'ok';
      // A first start that left a state file: its head, should the log line have changed.
      if (first && typeof s !== 'string' && typeof s.headId === 'number') savedHeads.push(s.headId);
      const c: Cycle = { epoch, n, phase: first ? `first start (${phase})` : phase, afterMs: Date.now() - t0, state };
      cycles.push(c);
      if (state === 'unreadable') failures.push(`epoch ${epoch} kill ${n} (${c.phase}): state file unreadable`);
      o.log(`kill ${cycles.length}: epoch ${epoch}, ${c.phase}, after ${c.afterMs} ms, state ${state}`);
    }

    // Stop the traffic, then one clean run catches every plugin up to the site's head.
    site.sandbox.traffic.setRate(0);
    const head = await siteHead(site);
    const d = site.run();
    const caughtUp = await within(
      () => {
        const s = stateOnDisk(site);
        return typeof s !== 'string' && RECORDERS.every((p) => (s.plugins[p.name]?.lastId ?? -1) >= head);
      },
      180_000,
      100,
    );
    const exit = await stopDaemon(d);
    outputs.push(d.output());
    let note = caughtUp ? `final run exit ${exit}` : `final run did not reach head ${head} in 180 s (exit ${exit})`;
    if (!caughtUp) failures.push(`epoch ${epoch}: ${note}`);

    // The baseline: where the last first start (a run that found no state) began.
    let baseline: number | null = null;
    for (const out of outputs) {
      const m = FIRST_START.exec(out);
      if (m) baseline = Number(m[1]);
    }
    baseline ??= savedHeads.at(-1) ?? null;
    if (baseline === null) {
      failures.push(`epoch ${epoch}: no run logged its first-start head`);
      return { baseline: '?', events: 0, perPlugin: Object.fromEntries(RECORDERS.map((p) => [p.name, { lost: 0, dups: 0, delivered: 0 }])), note };
    }
    const truth = await siteEvents(site, baseline, head);
    const perPlugin: Record<string, { lost: number; dups: number; delivered: number }> = {};
    for (const p of RECORDERS) {
      const want = truth.filter(p.wants).map((e) => e.id);
      const got = site
        .records(p.name)
        .map((r) => r.id)
        .filter((id) => id > baseline && id <= head);
      const seen = new Set(got);
      const lost = want.filter((id) => !seen.has(id));
      perPlugin[p.name] = { lost: lost.length, dups: got.length - seen.size, delivered: seen.size };
      if (lost.length) failures.push(`epoch ${epoch}: ${p.name} lost ${lost.length} events (first ${lost.slice(0, 5).join(', ')})`);
    }
    // A restart that meets a plugin the state does not hold starts it at the head: after a
    // first start, that is the first start's durability failing.
    const lateNew = outputs
      .filter((out) => !FIRST_START.test(out))
      .flatMap((out) => out.split('\n').filter((l) => /New plugin \w+: starting after/.test(l)));
    if (lateNew.length) note += `; ${lateNew.length} plugin(s) missing from the state on restart`;
    return { baseline: String(baseline), events: truth.length, perPlugin, note };
  } finally {
    await site.close();
  }
}

/** Waits for this cycle's kill point; returns the phase the daemon was in when it came. */
async function killAt(d: Daemon, site: Site, n: number, epoch: number): Promise<string> {
  const rnd = (ms: number) => Math.floor(Math.random() * ms);
  if (n === 0 && epoch % 2 === 0) {
    // The very first start, killed as soon as the state file appears.
    await within(() => stateOnDisk(site) !== 'absent' || !alive(d), 30_000, 2);
    return 'state file just written';
  }
  const mode = n === 0 ? 'boot' : (['boot', 'loading', 'running', 'running'] as const)[rnd(4)]!;
  if (mode === 'loading') await sees(d, ENGINE_UP, 30_000);
  if (mode === 'running') await sees(d, POLLING, 30_000);
  await new Promise((r) => setTimeout(r, mode === 'boot' ? rnd(1500) : mode === 'loading' ? rnd(500) : rnd(2000)));
  const out = d.output();
  return POLLING.test(out) ? 'running' : ENGINE_UP.test(out) ? 'loading plugins' : 'booting';
}
