// npm run package:check must fail, naming the problem, when the package is broken in the two
// ways a packaged Electron app most often breaks: a production dependency moved to
// devDependencies (electron-builder leaves it out of app.asar, the main process's import
// fails at start-up), and the example plugins packed inside app.asar (asarUnpack lost).
// One temporary copy of the project, broken both ways, is packed once (never the real files).
// The passing run is `npm run package:check` in .ci/run.

import { execFile } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = path.join(repo, 'scripts/package-check.mjs');
const IMPORT_GRAPH = path.join(repo, 'scripts/package/import-graph.mjs');
const PACK_TIMEOUT = 600_000;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  json: { ok: boolean; problems: string[] } | undefined;
}

interface PackageJson {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

interface NpmTree {
  dependencies?: Record<string, NpmTree>;
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'sge-package-test-'));
  temps.push(d);
  return d;
}

async function packageCheck(args: string[]): Promise<Result> {
  const jsonFile = path.join(tempDir(), 'result.json');
  try {
    const r = await run(process.execPath, [SCRIPT, ...args, '--json', jsonFile], { cwd: repo, maxBuffer: 32 * 1024 * 1024, timeout: PACK_TIMEOUT });
    return { code: 0, stdout: r.stdout, stderr: r.stderr, json: readJson(jsonFile) };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err), json: readJson(jsonFile) };
  }
}

function readJson(file: string): Result['json'] {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Result['json'];
  } catch {
    return undefined;
  }
}

const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as PackageJson;

/**
 * A production dependency that the main process imports and that no other production
 * dependency pulls in, so moving it to devDependencies really leaves it out of app.asar.
 * Derived from the project (other engineers add dependencies), never hard-coded.
 */
async function movableDependency(): Promise<string> {
  const graph = await run(process.execPath, ['--no-warnings', '--experimental-import-meta-resolve', IMPORT_GRAPH, repo, pkg.main], {
    cwd: repo,
    maxBuffer: 64 * 1024 * 1024,
  });
  const imported = Object.keys((JSON.parse(graph.stdout) as { packages: Record<string, string[]> }).packages);
  const ls = await run('npm', ['ls', '--omit', 'dev', '--all', '--json'], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
  const top = (JSON.parse(ls.stdout) as NpmTree).dependencies ?? {};
  const nested = new Set<string>();
  const collect = (t: NpmTree) => {
    for (const [name, sub] of Object.entries(t.dependencies ?? {})) {
      nested.add(name);
      collect(sub);
    }
  };
  for (const sub of Object.values(top)) collect(sub);
  const movable = imported.filter((n) => n in pkg.dependencies && !nested.has(n)).sort();
  if (movable.length === 0) throw new Error(`no production dependency that only the app imports (imports: ${imported.join(', ')})`);
  return movable[0]!;
}

/**
 * Copies a tree as hard links (a copy where the file systems differ). node_modules must be a
 * real folder: npm ls, which electron-builder runs to find the production dependencies,
 * loses track of packages behind a symlinked node_modules.
 */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from)) {
    const src = path.join(from, e);
    const dst = path.join(to, e);
    const st = lstatSync(src);
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (st.isDirectory()) linkTree(src, dst);
    else {
      try {
        linkSync(src, dst);
      } catch {
        copyFileSync(src, dst);
      }
    }
  }
}

/** A project folder whose package.json is `pkgJson`, with copies of the real build, plugins, the Python bridge and node_modules. */
function tempProject(pkgJson: PackageJson): string {
  const dir = tempDir();
  // The Python plugin bridge is the one source file the app ships (electron-builder.yml "files").
  for (const f of ['dist', 'plugins', 'electron/engine/python/bridge.py'])
    cpSync(path.join(repo, f), path.join(dir, f), { recursive: true, preserveTimestamps: true });
  linkTree(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  for (const f of ['package-lock.json', 'electron-builder.yml']) copyFileSync(path.join(repo, f), path.join(dir, f));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkgJson, null, 2));
  return dir;
}

describe('npm run package:check on a broken copy of the project', () => {
  // One copy broken in both ways, packed once (a pack is the slow part): each defect must be
  // named, and nothing else.
  it(
    'fails naming the import of a production dependency moved to devDependencies, and asarUnpack when plugins/** is no longer unpacked',
    async () => {
      const dep = await movableDependency();
      const { [dep]: range, ...rest } = pkg.dependencies;
      const project = tempProject({ ...pkg, dependencies: rest, devDependencies: { ...pkg.devDependencies, [dep]: range! } });
      const yml = readFileSync(path.join(repo, 'electron-builder.yml'), 'utf8');
      // Only the plugins entry of asarUnpack goes; the others (the Python bridge) stay unpacked.
      const unpackBlock = (text: string) => /^asarUnpack:\n(?:[ \t]+[^\n]*\n)*/m.exec(text)?.[0] ?? '';
      const without = yml.replace(/(^asarUnpack:\n(?:[ \t]+[^\n]*\n)*?)[ \t]+-[ \t]*plugins\/[^\n]*\n/m, '$1');
      expect(unpackBlock(yml)).toMatch(/- plugins\//);
      expect(unpackBlock(without)).not.toMatch(/- plugins\//);
      const config = path.join(tempDir(), 'electron-builder.yml');
      writeFileSync(config, without);

      const r = await packageCheck(['--project', project, '--config', config]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.json?.ok).toBe(false);
      const problems = r.json!.problems;

      const importProblem = problems.find((p) => p.includes(`imports "${dep}`));
      expect(importProblem, problems.join('\n')).toBeDefined();
      expect(importProblem).toContain('does not resolve inside the package');
      expect(importProblem).toContain(`is "${dep}" in package.json "dependencies"?`);
      expect(r.stderr).toContain(`package:check: FAIL: ${importProblem}`);

      const asarProblem = problems.find((p) => p.includes('packed inside app.asar'));
      expect(asarProblem, problems.join('\n')).toBeDefined();
      expect(asarProblem).toMatch(
        /^\d+ example plugin file\(s\) are packed inside app\.asar, where worker threads and the plugin watcher cannot read them \(e\.g\. plugins\//,
      );
      expect(asarProblem).toContain('add "plugins/**/*" to electron-builder.yml "asarUnpack"');
      expect(r.stderr).toContain(`package:check: FAIL: ${asarProblem}`);

      // Only those are wrong: every other problem names the dependency (the import graph, and
      // the host module failing to load under Node).
      expect(problems.filter((p) => p !== asarProblem && !p.includes(`"${dep}"`) && !p.includes(`'${dep}'`))).toEqual([]);
    },
    PACK_TIMEOUT,
  );
});
