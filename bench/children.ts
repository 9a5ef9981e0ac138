// Child processes of the bench (sandbox, daemons): spawned with their output kept line by
// line, stopped at the end, killed if the bench dies; plus the small waiting helpers.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(ROOT, 'dist/electron/cli/main.js');

/** The scripts the bench sandbox knows: the bench's client, the daemons, their plugins. */
export const SCRIPTS = {
  bench: { name: 'bench', key: 'bench-key' },
  daemon: { name: 'shotgun_events_bench', key: 'daemon-key' },
  plugin: { name: 'bench_plugin', key: 'plugin-key' },
  /** plugins/_demo.ts: what the example plugins run as. */
  demo: { name: 'shotgun_events_demo', key: 'demo-plugin-key' },
};

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const now = () => performance.timeOrigin + performance.now();
export const progress = (s: string) => process.stderr.write(`[bench] ${s}\n`);

export function removeAtExit(dir: string): void {
  tempDirs.push(dir);
}

export async function stopChild(child: ChildProcess, timeoutMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(t);
  children.delete(child);
}

export function cleanupSync(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}

process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanupSync();
    process.exit(130);
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export async function waitFor<T>(what: string, timeoutMs: number, fn: () => T | undefined | null | false, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface Spawned {
  child: ChildProcess;
  /** When spawn() was called (epoch ms). */
  startedAt: number;
  /** Every stdout/stderr line with its arrival time (epoch ms). */
  lines: Array<{ at: number; text: string }>;
  waitLine(re: RegExp, timeoutMs: number): Promise<{ at: number; text: string }>;
}

export function spawnProc(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Spawned {
  const startedAt = now();
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines: Spawned['lines'] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: { at: number; text: string }) => void }> = [];
  const onLine = (text: string) => {
    const l = { at: now(), text };
    lines.push(l);
    if (lines.length > 10_000) lines.splice(0, 5000);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.re.test(text)) waiters.splice(i, 1)[0]!.resolve(l);
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const what = `${path.basename(command)} ${args.slice(0, 2).join(' ')}`;
  return {
    child,
    startedAt,
    lines,
    waitLine(re, timeoutMs) {
      const seen = lines.find((l) => re.test(l.text));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { re, resolve };
        waiters.push(w);
        const t = setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          const tail = lines
            .slice(-15)
            .map((l) => `    ${l.text}`)
            .join('\n');
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re} from \`${what}\`; last output:\n${tail}`));
        }, timeoutMs);
        child.once('exit', (code, sig) => {
          clearTimeout(t);
          const tail = lines
            .slice(-15)
            .map((l) => `    ${l.text}`)
            .join('\n');
          reject(new Error(`\`${what}\` exited (${code ?? sig}) before printing ${re}; last output:\n${tail}`));
        });
        w.resolve = (l) => {
          clearTimeout(t);
          resolve(l);
        };
      });
    },
  };
}

export function spawnNode(args: string[], nodeFlags: string[] = [], cwd = ROOT): Spawned {
  return spawnProc(process.execPath, [...nodeFlags, ...args], cwd);
}
