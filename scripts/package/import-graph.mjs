// Walks the main process's import graph inside the extracted app.asar and reports every
// import that does not resolve inside it. Resolution is Node's own: import.meta.resolve with
// a parent (needs --experimental-import-meta-resolve, so package-check.mjs runs this file as
// a child process), falling back to require.resolve for CommonJS `require`. Imports are read
// with TypeScript's preProcessFile (static and dynamic `import`, `require`, `export from`);
// `new URL('./x.js', ...)` (worker entries) counts as an import too.
//
// Usage: node --experimental-import-meta-resolve import-graph.mjs <root> <entry>...
// (PACKAGE_CHECK_DEBUG=1 lists the optional imports that were absent, on stderr)
// Prints JSON: { files, packages: { name: [importers] }, problems: [string], optionalMissing }
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const BUILTINS = new Set(builtinModules);
/** Provided by Electron itself at run time, never by the package. */
const PROVIDED = new Set(['electron']);
const PARSED = new Set(['.js', '.mjs', '.cjs']);
/** `new URL('./x.js', base)`: a worker entry (plugin-host.ts passes import.meta.url through a const). */
const WORKER_URL = /new\s+URL\(\s*(['"`])(\.{1,2}\/[^'"`]+\.[cm]?js)\1\s*,/g;

/** The package name a bare specifier names ('@scope/name/sub' → '@scope/name'). */
function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The nearest package.json above `file` (inside `root`), with its folder. */
function owningPackage(file, root) {
  for (let dir = path.dirname(file); dir.startsWith(root); dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) return { dir, json: JSON.parse(readFileSync(pj, 'utf8')) };
    if (dir === root) break;
  }
  return undefined;
}

function specifiers(file) {
  const text = readFileSync(file, 'utf8');
  const info = ts.preProcessFile(text, true, true);
  const out = info.importedFiles.map((f) => f.fileName);
  for (const m of text.matchAll(WORKER_URL)) out.push(m[2]);
  return out;
}

function resolve(spec, parent) {
  try {
    // Node 20 returns a file URL without checking that the file exists.
    const url = import.meta.resolve(spec, pathToFileURL(parent).href);
    if (url.startsWith('file:') && existsSync(fileURLToPath(url))) return fileURLToPath(url);
  } catch {
    // not resolvable as ESM: try CommonJS below
  }
  try {
    return createRequire(parent).resolve(spec);
  } catch {
    return undefined;
  }
}

/**
 * Walks from `entries` (absolute files under `root`). Our own files (outside node_modules)
 * must resolve every import. A package's file may leave out an import that its package.json
 * does not list in "dependencies" (an optional `try { require() }`): counted, not a problem.
 */
function walkImports(root, entries) {
  root = realpathSync(root);
  const seen = new Set();
  const queue = entries.map((e) => realpathSync(e));
  const packages = new Map();
  const problems = [];
  let optionalMissing = 0;
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    if (!PARSED.has(path.extname(file))) continue;
    const rel = path.relative(root, file);
    const ours = !rel.split(path.sep).includes('node_modules');
    for (const spec of specifiers(file)) {
      const bare = spec.replace(/^node:/, '');
      if (spec.startsWith('node:') || BUILTINS.has(bare) || BUILTINS.has(bare.split('/')[0])) continue;
      const name = spec.startsWith('.') || spec.startsWith('/') ? undefined : packageName(spec);
      if (name && PROVIDED.has(name)) continue;
      if (name && ours) packages.set(name, [...(packages.get(name) ?? []), rel]);
      const target = resolve(spec, file);
      const inside = target !== undefined && existsSync(target) && realpathSync(target).startsWith(root + path.sep);
      if (inside) {
        if (statSync(target).isFile()) queue.push(realpathSync(target));
        continue;
      }
      const declared = ours || (name !== undefined && owningPackage(file, root)?.json.dependencies?.[name] !== undefined);
      if (!declared && !ours) {
        if (process.env.PACKAGE_CHECK_DEBUG) console.error(`optional: ${rel} -> ${spec}`);
        optionalMissing++;
        continue;
      }
      const where = target === undefined ? 'does not resolve inside the package' : `resolves outside the package, to ${target}`;
      const hint = name ? ` (is "${name}" in package.json "dependencies"? electron-builder packs only those)` : '';
      problems.push(`${rel} imports "${spec}", which ${where}${hint}`);
    }
  }
  return {
    files: seen.size,
    packages: Object.fromEntries([...packages].map(([k, v]) => [k, [...new Set(v)].sort()])),
    problems,
    optionalMissing,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [root, ...entries] = process.argv.slice(2);
  if (!root || entries.length === 0) {
    console.error('usage: node --experimental-import-meta-resolve import-graph.mjs <root> <entry>...');
    process.exit(2);
  }
  process.stdout.write(
    JSON.stringify(
      walkImports(
        path.resolve(root),
        entries.map((e) => path.resolve(root, e)),
      ),
    ),
  );
}
