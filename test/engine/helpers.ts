// Shared test helpers: temp folders, and a plain-JS build of electron/engine
// that child `node` processes can import (Node 20 cannot run .ts itself).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

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

/**
 * Transpiles every .ts file under `srcDir` (recursively, keeping the folders) into `outDir`:
 * the compiled JavaScript the CLI runs from dist/, without a full build. A whole tree, so a
 * new import between modules needs no list kept here.
 */
export async function transpileTree(srcDir: string, outDir: string): Promise<void> {
  for (const entry of await readdir(srcDir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const from = path.join(entry.parentPath, entry.name);
    const to = path.join(outDir, path.relative(srcDir, from)).replace(/\.ts$/, '.js');
    const { outputText } = ts.transpileModule(await readFile(from, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await mkdir(path.dirname(to), { recursive: true });
    await writeFile(to, outputText);
  }
}

let built: Promise<string> | null = null;

/**
 * Transpile electron/**\/*.ts into a temp folder (with node_modules linked, so `zod`
 * resolves) and return that folder. Child scripts written into it import './engine/state.js'.
 */
export function buildEngineJs(): Promise<string> {
  built ??= (async () => {
    const root = await tempDir('sge-engine-js-');
    await transpileTree(path.join(projectRoot, 'electron'), root);
    await writeFile(path.join(root, 'package.json'), '{"type":"module"}\n');
    await symlink(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'), 'junction');
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
