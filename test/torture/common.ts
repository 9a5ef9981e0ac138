// Shared pieces of the torture suite (docs/reliability.md): what every section reports,
// the markdown tables it prints, and small helpers over the daemon harness.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Daemon, Site } from '../daemon/harness.js';

export interface Options {
  /** Kill -9 cycles in total (default 100, `--quick` 10). */
  cycles: number;
  quick: boolean;
  /** Progress lines on stderr. */
  log: (line: string) => void;
}

/** One section's findings: a markdown table plus the invariant violations it found. */
export interface Section {
  title: string;
  headers: string[];
  rows: string[][];
  /** Broken promises (lost events, silent bad input, a dead engine...), one line each. */
  failures: string[];
  /** Figures for the summary line. */
  summary: string;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ⏎ ');

export function markdownTable(headers: string[], rows: string[][]): string {
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** Every section, then one summary table of all of them. */
export function report(sections: Section[], header: string): string {
  const out: string[] = [header, ''];
  out.push(
    markdownTable(
      ['section', 'figures', 'broken promises'],
      sections.map((s) => [s.title, s.summary, s.failures.length ? `${s.failures.length}: ${s.failures.join('; ')}` : '0']),
    ),
  );
  for (const s of sections) out.push('', `### ${s.title}`, '', markdownTable(s.headers, s.rows));
  return `${out.join('\n')}\n`;
}

/** WARNING/ERROR/CRITICAL lines of a daemon's output (any log format that names the level). */
export function problems(output: string): string[] {
  return output.split('\n').filter((l) => /\b(WARNING|WARN|ERROR|CRITICAL|FATAL)\b/.test(l) || /^(error|Error)\b/.test(l.trim()));
}

/** A log line, shortened for a table cell: timestamp and level prefix dropped. */
export function short(line: string | undefined, max = 160): string {
  if (!line) return '—';
  const s = line.replace(/^\S*\d{4}-\d\d-\d\d[T ][\d:.,]+Z?\s*/, '').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The daemon's state file under the harness config, parsed: 'absent', 'unreadable', or the JSON. */
export function stateOnDisk(site: Site): 'absent' | 'unreadable' | { plugins: Record<string, { lastId: number }>; headId?: number } {
  const f = path.join(site.dir, 'state', 'daemon.id.json');
  if (!existsSync(f)) return 'absent';
  try {
    const s = JSON.parse(readFileSync(f, 'utf8')) as { plugins?: Record<string, { lastId: number }> };
    if (!s || typeof s !== 'object' || typeof s.plugins !== 'object') return 'unreadable';
    return s as { plugins: Record<string, { lastId: number }> };
  } catch {
    return 'unreadable';
  }
}

export const alive = (d: Daemon): boolean => d.proc.exitCode === null && d.proc.signalCode === null;

/** Resolves true when `re` shows in the output, false when the daemon exits or `ms` pass first. */
export async function sees(d: Daemon, re: RegExp, ms: number): Promise<boolean> {
  if (re.test(d.output())) return true;
  return Promise.race([
    d.waitFor(re, ms).then(
      () => true,
      () => false,
    ),
    d.exited.then(() => re.test(d.output())),
  ]);
}

/** Polls `fn` until true or `ms` pass; returns whether it became true (no throw: tables report it). */
export async function within(fn: () => boolean | Promise<boolean>, ms: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** SIGTERM, then SIGKILL if the daemon is still there after `ms`; the exit code/signal. */
export async function stopDaemon(d: Daemon, ms = 15_000): Promise<string> {
  if (!alive(d)) {
    const e = await d.exited;
    return e.signal ?? String(e.code);
  }
  d.proc.kill('SIGTERM');
  const timer = setTimeout(() => alive(d) && d.proc.kill('SIGKILL'), ms);
  const e = await d.exited;
  clearTimeout(timer);
  return e.signal ?? String(e.code);
}

/** Runs `jobs` with at most `n` at a time, results in input order. */
export async function pool<T, R>(items: T[], n: number, job: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await job(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** Ids of every event after `after` (up to `upTo`), read over HTTP from the sandbox: the truth. */
export async function siteEvents(
  site: Site,
  after: number,
  upTo = Number.MAX_SAFE_INTEGER,
): Promise<Array<{ id: number; event_type: string; attribute_name: string | null }>> {
  return site.sg.find<{ id: number; event_type: string; attribute_name: string | null }>(
    'EventLogEntry',
    [
      ['id', 'greater_than', after],
      ['id', 'less_than', upTo + 1],
    ],
    ['id', 'event_type', 'attribute_name'],
    [{ field_name: 'id', direction: 'asc' }],
  );
}

export async function siteHead(site: Site): Promise<number> {
  const r = await site.sg.find<{ id: number }>('EventLogEntry', [], ['id'], [{ field_name: 'id', direction: 'desc' }], 1);
  return r[0]?.id ?? 0;
}
