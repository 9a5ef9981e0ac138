// Bad plugins: each kind runs in its own daemon (the real CLI) beside a healthy recorder
// plugin. Per kind: the message the daemon gave (a WARNING/ERROR line naming the plugin),
// whether the engine stayed up, and whether the healthy plugin kept getting every event.

import { rssMb } from '../../bench/proc.js';
import { makeSite, PLUGIN_SCRIPT, recorderPlugin } from '../daemon/harness.js';
import { alive, pool, problems, sees, short, siteHead, stopDaemon, within, type Options, type Section } from './common.js';

const S = `${JSON.stringify(PLUGIN_SCRIPT.name)}, ${JSON.stringify(PLUGIN_SCRIPT.key)}`;
const reg = (cb: string, rest = 'null, {}') => `export function registerCallbacks(reg) {\n  reg.registerCallback(${S}, ${cb}, ${rest});\n}\n`;
const withCallback = (body: string, rest?: string) => `${reg('onEvent', rest)}async function onEvent(sg, event, args, ctx) {\n  ${body}\n}\n`;

/** The daemon is killed by the suite past this resident size (the plugin holds memory off-heap). */
const RSS_LIMIT_MB = 1200;

export interface BadPlugin {
  kind: string;
  /** File name in the plugins folder; the plugin's name is its stem. */
  file: string;
  source: string;
  /** `--quick` loads kinds of one group together in one daemon; the others always run alone. */
  group?: 'load' | 'callback';
  /** How long its message may take (memory kinds allocate for a while on a busy machine). */
  waitMs?: number;
}

export const BAD_PLUGINS: BadPlugin[] = [
  { kind: 'throws at load', file: 'throws_at_load.mjs', group: 'load', source: `throw new Error('broken at import');\n${reg('() => {}')}` },
  {
    kind: 'syntax error (.mjs)',
    file: 'syntax_error.mjs',
    group: 'load',
    source: 'export function registerCallbacks(reg) {\n  reg.registerCallback(\n',
  },
  {
    kind: 'syntax error (.ts)',
    file: 'syntax_error_ts.ts',
    group: 'load',
    source: 'export function registerCallbacks(reg: any): void {\n  const x: number = ;\n}\n',
  },
  { kind: 'no registerCallbacks', file: 'no_register.mjs', group: 'load', source: 'export const registerCallback = 1;\n' },
  {
    kind: 'registerCallbacks throws',
    file: 'register_throws.mjs',
    group: 'load',
    source: "export function registerCallbacks(reg) {\n  throw new Error('cannot register');\n}\n",
  },
  {
    kind: 'async registerCallbacks rejects',
    file: 'register_rejects.mjs',
    group: 'load',
    source: "export async function registerCallbacks(reg) {\n  await null;\n  throw new Error('async registration failed');\n}\n",
  },
  { kind: 'hangs at load (top-level await)', file: 'hangs_at_load.mjs', source: `await new Promise(() => {});\n${reg('() => {}')}` },
  { kind: 'busy loop at load', file: 'loop_at_load.mjs', source: `for (;;) {}\n${reg('() => {}')}` },
  { kind: 'process.exit at load', file: 'exit_at_load.mjs', group: 'load', source: `process.exit(3);\n${reg('() => {}')}` },
  { kind: 'callback is not a function', file: 'not_a_function.mjs', group: 'load', source: reg("'onEvent'") },
  {
    kind: 'matchEvents is a string',
    file: 'match_string.mjs',
    group: 'load',
    source: reg('() => {}', "null, { matchEvents: 'Shotgun_Task_Change' }"),
  },
  {
    kind: 'matchEvents attribute not a list',
    file: 'match_shape.mjs',
    group: 'load',
    source: reg('() => {}', 'null, { matchEvents: { Shotgun_Task_Change: 42 } }'),
  },
  {
    kind: "the original's argument order (filter as args)",
    file: 'original_order.mjs',
    group: 'load',
    source: reg('() => {}', "{ Shotgun_Task_Change: ['sg_status_list'] }, null"),
  },
  {
    kind: 'wrong script key',
    file: 'wrong_key.mjs',
    group: 'callback',
    source: `export function registerCallbacks(reg) {\n  reg.registerCallback('plugins', 'not-the-key', async (sg) => { await sg.find('Shot', [], ['code'], undefined, 1); }, null, {});\n}\n`,
  },
  {
    kind: 'throws in callback',
    file: 'throws_in_callback.mjs',
    group: 'callback',
    source: withCallback("throw new Error('callback failed on purpose');"),
  },
  { kind: 'throws a string', file: 'throws_string.mjs', group: 'callback', source: withCallback("throw 'not an Error object';") },
  { kind: 'stack overflow', file: 'stack_overflow.mjs', group: 'callback', source: withCallback('const f = (n) => f(n + 1) + 1; f(0);') },
  { kind: 'hangs in callback', file: 'hangs_in_callback.mjs', group: 'callback', source: withCallback('await new Promise(() => {});') },
  { kind: 'infinite loop in callback', file: 'loop_in_callback.mjs', group: 'callback', source: withCallback('for (;;) {}') },
  {
    kind: 'blocking sleep in callback',
    file: 'sync_sleep.mjs',
    group: 'callback',
    source: withCallback('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);'),
  },
  { kind: 'process.exit in callback', file: 'exit_in_callback.mjs', group: 'callback', source: withCallback('process.exit(7);') },
  { kind: 'process.abort in callback', file: 'abort_in_callback.mjs', group: 'callback', source: withCallback('process.abort();') },
  { kind: "process.kill(process.pid, 'SIGKILL')", file: 'sigkill_daemon.mjs', source: withCallback("process.kill(process.pid, 'SIGKILL');") },
  { kind: "process.kill(process.pid, 'SIGTERM')", file: 'sigterm_daemon.mjs', source: withCallback("process.kill(process.pid, 'SIGTERM');") },
  {
    kind: 'throw from a stray timer',
    file: 'stray_throw.mjs',
    group: 'callback',
    source: withCallback("setTimeout(() => { throw new Error('thrown outside any callback'); }, 5);"),
  },
  {
    kind: 'unhandled rejection',
    file: 'unhandled_rejection.mjs',
    group: 'callback',
    source: withCallback("Promise.reject(new Error('nobody awaits this'));"),
  },
  {
    kind: 'huge Buffer allocation (off-heap)',
    file: 'huge_buffer.mjs',
    source: withCallback(
      'globalThis.held ??= [];\n  for (let i = 0; i < 24; i++) globalThis.held.push(Buffer.alloc(64 * 1024 * 1024, 1));',
      'null, { timeoutMs: 120_000 }',
    ),
    waitMs: 60_000,
  },
  {
    kind: 'heap out of memory',
    file: 'heap_oom.mjs',
    source: withCallback(
      'globalThis.held ??= [];\n  for (;;) globalThis.held.push(new Array(1_000_000).fill(Math.random()));',
      'null, { timeoutMs: 120_000 }',
    ),
    waitMs: 60_000,
  },
];

export interface BadPluginResult {
  kind: string;
  name: string;
  message: string;
  named: boolean;
  engineUp: boolean;
  healthy: boolean;
  peakRssMb: number;
  /** How the daemon ended: its exit on SIGTERM, or why the suite killed it. */
  exit: string;
  /** Kinds that shared this daemon (`--quick`). */
  together: number;
}

export async function badPlugins(o: Options): Promise<Section & { results: BadPluginResult[] }> {
  // Full runs give each kind its own daemon; --quick loads a group's kinds together.
  const batches: BadPlugin[][] = [];
  for (const b of BAD_PLUGINS) {
    const same = o.quick && b.group ? batches.find((x) => x[0]!.group === b.group) : undefined;
    if (same) same.push(b);
    else batches.push([b]);
  }
  const results = (
    await pool(batches, 3, async (batch) => {
      const rs = await oneDaemon(batch);
      for (const r of rs) o.log(`bad plugin ${r.kind}: up ${r.engineUp}, healthy ${r.healthy}, named ${r.named}: ${r.message}`);
      return rs;
    })
  ).flat();
  const failures: string[] = [];
  for (const r of results) {
    const broke = [!r.named && 'no message naming it', !r.engineUp && 'engine died', !r.healthy && 'healthy plugin starved'].filter(Boolean);
    if (broke.length) failures.push(`${r.kind}: ${broke.join(', ')}`);
  }
  return {
    title: `Bad plugins (${results.length} kinds)`,
    headers: ['kind', 'plugin', 'message', 'engine up', 'healthy plugin got every event', 'peak RSS MB', 'daemon end', 'kinds in that daemon'],
    rows: results.map((r) => [r.kind, r.name, r.message, yes(r.engineUp), yes(r.healthy), r.peakRssMb.toFixed(0), r.exit, String(r.together)]),
    failures,
    summary: `${results.length} kinds; named ${results.filter((r) => r.named).length}; engine up ${results.filter((r) => r.engineUp).length}; healthy fed ${results.filter((r) => r.healthy).length}`,
    results,
  };
}

const yes = (b: boolean) => (b ? 'yes' : '**NO**');
const stem = (file: string) => file.replace(/\.[^.]+$/, '');

async function oneDaemon(batch: BadPlugin[]): Promise<BadPluginResult[]> {
  const site = await makeSite();
  try {
    site.writeConfig({ daemon: { callback_timeout: 2 } });
    site.writePlugin('healthy.mjs', recorderPlugin(site.recordsDir, 'healthy'));
    for (const b of batch) site.writePlugin(b.file, b.source);
    const d = site.run();
    let peak = 0;
    let killedForRss = false;
    const watch = setInterval(() => {
      const rss = rssMb(d.proc.pid) ?? 0;
      peak = Math.max(peak, rss);
      if (rss > RSS_LIMIT_MB && alive(d)) {
        killedForRss = true;
        d.proc.kill('SIGKILL');
      }
    }, 100);
    const naming = (b: BadPlugin) => new RegExp(`\\b${stem(b.file)}\\b`);
    const named = (b: BadPlugin) => problems(d.output()).some((l) => naming(b).test(l));
    let healthy = false;
    try {
      // Loading may be held up by a bad plugin (a hang at load): allow its load timeout.
      await sees(d, /Polling every event type|Pushing an event_type filter/, 90_000);
      site.sandbox.traffic.burst(10);
      await within(() => batch.every(named) || !alive(d), Math.max(20_000, ...batch.map((b) => b.waitMs ?? 0)), 100);
      // More events after the failures: the healthy plugin must get all of them. A generous
      // deadline: busy-looping neighbours share the machine's cores with it.
      site.sandbox.traffic.burst(10);
      const head = await siteHead(site);
      healthy = await within(() => alive(d) && site.records('healthy').some((r) => r.id >= head), 120_000, 100);
    } finally {
      clearInterval(watch);
    }
    const engineUp = alive(d);
    const exit = killedForRss ? `killed by the suite at ${peak.toFixed(0)} MB RSS` : await stopDaemon(d);
    if (killedForRss) await d.exited;
    const lines = problems(d.output());
    return batch.map((b) => ({
      kind: b.kind,
      name: stem(b.file),
      message: short(lines.find((l) => naming(b).test(l))),
      named: named(b),
      engineUp,
      healthy,
      peakRssMb: peak,
      exit: `${exit}`,
      together: batch.length,
    }));
  } finally {
    await site.close();
  }
}
