// Sums self time by function from V8 .cpuprofile files (what `--profile DIR` writes: one per
// thread), so a bench profile reads as figures: busy ms per thread, and its top functions.
//
//   node dist/bench/profile-summary.js DIR|FILE... [--top N] [--events N]
//
// With --events, times are also given per 100k events (docs/performance.md).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ThreadSummary {
  file: string;
  /** Wall time the profile spans, ms. */
  spanMs: number;
  /** Everything but (idle) and (program), ms. */
  busyMs: number;
  /** Self ms by "function file:line", largest first. */
  self: Array<{ name: string; ms: number }>;
}

const NOT_BUSY = new Set(['(idle)', '(program)']);

export function summarize(file: string): ThreadSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const label = new Map<number, string>();
  for (const n of p.nodes) {
    const f = n.callFrame;
    const where = f.url ? ` ${path.basename(f.url)}:${f.lineNumber + 1}` : '';
    label.set(n.id, `${f.functionName || '(anonymous)'}${where}`);
  }
  const self = new Map<string, number>();
  // A sample's time is the delta to the next sample (the last one's is unknown: skipped).
  for (let i = 0; i + 1 < p.samples.length; i++) {
    const name = label.get(p.samples[i]!) ?? '?';
    self.set(name, (self.get(name) ?? 0) + p.timeDeltas[i + 1]! / 1000);
  }
  let busyMs = 0;
  for (const [name, ms] of self) if (!NOT_BUSY.has(name)) busyMs += ms;
  const sorted = [...self].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
  return { file, spanMs: (p.endTime - p.startTime) / 1000, busyMs, self: sorted };
}

function profileFiles(args: string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (statSync(a).isDirectory()) {
      for (const f of readdirSync(a).sort()) if (f.endsWith('.cpuprofile')) out.push(path.join(a, f));
    } else out.push(a);
  }
  return out;
}

function main(argv: string[]): void {
  let top = 25;
  let events: number | null = null;
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--top' || a === '--events') {
      const v = Number(argv[++i]);
      if (!(v > 0)) throw new Error(`${a} needs a positive number, got ${argv[i]}`);
      if (a === '--top') top = v;
      else events = v;
    } else paths.push(a);
  }
  const files = profileFiles(paths);
  if (files.length === 0) throw new Error('usage: profile-summary DIR|FILE... [--top N] [--events N] (no .cpuprofile found)');
  const per100k = (ms: number) => (events ? `  ${Math.round((ms * 100_000) / events)} ms/100k` : '');
  for (const f of files) {
    const s = summarize(f);
    console.log(
      `\n${f}\n  span ${Math.round(s.spanMs)} ms, busy ${Math.round(s.busyMs)} ms (${((s.busyMs / s.spanMs) * 100).toFixed(0)}%)${per100k(s.busyMs)}`,
    );
    for (const { name, ms } of s.self.filter((x) => !NOT_BUSY.has(x.name)).slice(0, top)) {
      console.log(`  ${ms.toFixed(1).padStart(9)} ms ${((ms / s.busyMs) * 100).toFixed(1).padStart(5)}%  ${name}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
