// Where a plugin worker's code comes from (plugin-worker-entry.ts spawns it). From dist/ (the
// CLI) the compiled plugin-worker.js sits beside this file. From the .ts sources (vitest, tsx)
// there is no .js, and Node 20 ignores --import in a worker's execArgv (so a loader flag cannot
// help): the worker and its imports are bundled once per process with esbuild (a
// devDependency) into node_modules/.cache/shotgun-events/, and that plain JS file runs exactly
// as the dist one does. (Plugins' own TypeScript is transpiled inside the worker:
// plugin-transpile-cache.ts.)

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = import.meta.url;
const FROM_TS_SOURCE = new URL(SELF).pathname.endsWith('.ts');
let sourceWorker: URL | undefined;

/** The worker's entry file: the compiled one beside this file, or a bundle of the .ts source. */
export function workerEntry(): URL {
  if (!FROM_TS_SOURCE) return new URL('./plugin-worker.js', SELF);
  if (sourceWorker) return sourceWorker;
  const require = createRequire(SELF);
  const esbuild = require('esbuild') as typeof import('esbuild');
  const built = esbuild.buildSync({
    entryPoints: [fileURLToPath(new URL('./plugin-worker.ts', SELF))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const code = built.outputFiles[0]!.text;
  const dir = fileURLToPath(new URL('../../node_modules/.cache/shotgun-events/', SELF));
  const file = path.join(dir, `plugin-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file); // atomic: parallel test processes may build the same file
  }
  sourceWorker = pathToFileURL(file);
  return sourceWorker;
}
