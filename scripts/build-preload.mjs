// Bundles the Electron preload (electron/preload/*.ts) into ONE CommonJS file,
// dist/preload/index.cjs. A sandboxed preload cannot load npm modules at run time: the
// bundle's only `require` is `electron` (kept external).
//
// The preload needs one value from the contract, `COMMAND_NAMES`. Bundling the contract
// itself would drag all of zod (~450 kB) into every window, so this build evaluates the
// real electron/contract.ts (through tsx) and replaces that import with a module holding
// just the list: still derived from the contract at every build, so the two cannot drift
// (test/main/preload.test.ts compares them). Type-only imports are erased anyway.
//
// Usage: node scripts/build-preload.mjs [outfile]

import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { tsImport } from 'tsx/esm/api';

const root = fileURLToPath(new URL('../', import.meta.url));
export const PRELOAD_ENTRY = path.join(root, 'electron/preload/index.ts');
export const PRELOAD_OUT = path.join(root, 'dist/preload/index.cjs');
const CONTRACT = path.join(root, 'electron/contract.ts');

/** Builds the preload bundle; returns esbuild's result (with the metafile). */
export async function buildPreload(outfile = PRELOAD_OUT) {
  const contract = await tsImport(pathToFileURL(CONTRACT).href, import.meta.url);
  const names = contract.COMMAND_NAMES;
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string')) {
    throw new Error('electron/contract.ts: COMMAND_NAMES is not a non-empty list of strings');
  }
  const contractNames = {
    name: 'contract-command-names',
    setup(b) {
      b.onResolve({ filter: /(^|\/)contract\.js$/ }, (args) => {
        const resolved = path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
        if (resolved !== CONTRACT) return undefined;
        return { path: CONTRACT, namespace: 'contract-names' };
      });
      b.onLoad({ filter: /.*/, namespace: 'contract-names' }, () => ({
        contents: `export const COMMAND_NAMES = Object.freeze(${JSON.stringify(names)});\n`,
        loader: 'js',
      }));
    },
  };
  return build({
    entryPoints: [PRELOAD_ENTRY],
    outfile,
    bundle: true,
    // "browser": a Node built-in pulled in by mistake fails the build instead of becoming
    // a require() that the sandbox refuses at run time.
    platform: 'browser',
    format: 'cjs',
    target: 'chrome130',
    external: ['electron'],
    plugins: [contractNames],
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await buildPreload(process.argv[2] ? path.resolve(process.argv[2]) : PRELOAD_OUT);
}
