// Shared test helpers: temp folders, and the compiled engine (dist/electron, the build the
// CLI runs) for child `node` processes to import (Node 20 cannot run .ts itself).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const made: string[] = [];

/** A fresh temp folder, removed by cleanupTempDirs(). */
export async function tempDir(prefix = 'sge-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function cleanupTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** The compiled electron/ tree the CLI runs: test/global-setup.ts builds it before the tests. */
export const DIST_ELECTRON = path.join(projectRoot, 'dist/electron');

let built: Promise<string> | null = null;

/**
 * A temp folder whose entries link to dist/electron's, for child scripts written into it to
 * import './engine/state.js'. Links, not a copy: Node resolves them to dist/, so `zod` and
 * the other packages resolve from the project's node_modules.
 */
export function buildEngineJs(): Promise<string> {
  built ??= (async () => {
    const root = await tempDir('sge-engine-js-');
    for (const entry of await readdir(DIST_ELECTRON)) await symlink(path.join(DIST_ELECTRON, entry), path.join(root, entry));
    return root;
  })();
  return built;
}

/** A running child node process with line-based stdout. */
export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Resolves with the first stdout line matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Complete stdout lines so far. */
  lines(): string[];
  stderr(): string;
}

/** Run `node <script> ...args` with cwd = the script's folder. */
export function runNode(script: string, args: string[] = []): Child {
  const proc = spawn(process.execPath, [script, ...args], {
    cwd: path.dirname(script),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners: Array<() => void> = [];
  let err = '';
  let buf = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    for (const l of [...listeners]) l();
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close' comes after stdout is drained, unlike 'exit'.
    proc.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    pid: proc.pid!,
    exited,
    stderr: () => err,
    lines: () => [...lines],
    // A generous default: a child boots slowly on a loaded 2-core machine.
    waitFor(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        let done = false;
        const check = () => {
          const hit = lines.find((l) => re.test(l));
          if (hit !== undefined && !done) {
            done = true;
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          if (!done) {
            done = true;
            reject(new Error(`timed out waiting for ${re} from pid ${proc.pid}; stdout: ${lines.join(' | ')}; stderr: ${err}`));
          }
        }, timeoutMs);
        listeners.push(check);
        void exited.then(() => {
          check();
          if (!done) {
            done = true;
            clearTimeout(timer);
            reject(new Error(`pid ${proc.pid} exited before ${re}; stdout: ${lines.join(' | ')}; stderr: ${err}`));
          }
        });
        check();
      });
    },
  };
}

/** The pid of a process that has certainly exited. */
export async function deadPid(): Promise<number> {
  const proc = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => proc.on('exit', resolve));
  return proc.pid!;
}
