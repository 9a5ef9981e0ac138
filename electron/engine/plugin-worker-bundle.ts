// Where a plugin worker's code comes from (plugin-worker-entry.ts spawns it).
// - From dist/ (the CLI): one bundled file, plugin-worker.bundle.js, written by `npm run build`
//   (scripts/build-worker.mjs → writeDistBundle()). A worker that loads one module instead of
//   ~25 holds ~1.2 MB less (docs/performance.md, "Memory, round 5"). The bundle is used only
//   while the compiled modules it was made from are unchanged (their hash is kept beside it),
//   so a `tsc` without the bundle step runs the compiled plugin-worker.js instead of stale code.
// - From the .ts sources (vitest, tsx) there is no .js, and Node 20 ignores --import in a
//   worker's execArgv (so a loader flag cannot help): the worker and its imports are bundled
//   once per process with esbuild (a devDependency) into node_modules/.cache/shotgun-events/,
//   and that plain JS file runs exactly as the dist one does.
// (Plugins' own TypeScript is transpiled inside the worker: plugin-transpile-cache.ts.)

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = import.meta.url;
const FROM_TS_SOURCE = new URL(SELF).pathname.endsWith('.ts');
let chosen: URL | undefined;

/** The worker's entry file: dist's bundle (or compiled module), or a bundle of the .ts source. */
export function workerEntry(): URL {
  chosen ??= FROM_TS_SOURCE ? sourceBundle() : distEntry();
  return chosen;
}

interface BundleInputs {
  /** Paths relative to this folder, in the order hashed. */
  inputs: string[];
  hash: string;
}

const DIST_BUNDLE = 'plugin-worker.bundle.js';
const DIST_INPUTS = 'plugin-worker.bundle.json';

function hashInputs(dir: string, inputs: string[]): string {
  const h = createHash('sha256');
  for (const f of inputs)
    h.update(f)
      .update('\0')
      .update(readFileSync(path.join(dir, f)))
      .update('\0');
  return h.digest('hex');
}

function distEntry(): URL {
  const dir = fileURLToPath(new URL('.', SELF));
  try {
    const m = JSON.parse(readFileSync(path.join(dir, DIST_INPUTS), 'utf8')) as BundleInputs;
    if (m.hash === hashInputs(dir, m.inputs)) return new URL(`./${DIST_BUNDLE}`, SELF);
  } catch {
    // no bundle, or one made from other modules: the compiled module runs
  }
  return new URL('./plugin-worker.js', SELF);
}

/** How the worker is bundled, from dist/ (writeDistBundle) or from the .ts source (sourceBundle). */
const BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  write: false,
  logLevel: 'silent',
} as const;

const esbuild = () => createRequire(SELF)('esbuild') as typeof import('esbuild');

/** Bundles the compiled plugin-worker.js beside this file into plugin-worker.bundle.js (npm run build). */
export function writeDistBundle(): string {
  if (FROM_TS_SOURCE) throw new Error('writeDistBundle() bundles the compiled dist/ worker: run it from dist/');
  const dir = fileURLToPath(new URL('.', SELF));
  const built = esbuild().buildSync({ ...BUNDLE, entryPoints: [path.join(dir, 'plugin-worker.js')], absWorkingDir: dir, metafile: true });
  // The inputs, as paths relative to this folder (the metafile's are relative to absWorkingDir).
  const inputs = Object.keys(built.metafile.inputs).sort();
  const out = path.join(dir, DIST_BUNDLE);
  writeFileSync(out, built.outputFiles[0]!.text);
  writeFileSync(path.join(dir, DIST_INPUTS), `${JSON.stringify({ inputs, hash: hashInputs(dir, inputs) } satisfies BundleInputs)}\n`);
  return out;
}

function sourceBundle(): URL {
  const built = esbuild().buildSync({ ...BUNDLE, entryPoints: [fileURLToPath(new URL('./plugin-worker.ts', SELF))] });
  const code = built.outputFiles[0]!.text;
  const dir = fileURLToPath(new URL('../../node_modules/.cache/shotgun-events/', SELF));
  const file = path.join(dir, `plugin-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file); // atomic: parallel test processes may build the same file
  }
  return pathToFileURL(file);
}
