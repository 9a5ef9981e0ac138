// Checks what app.asar (extracted to `root`) and app.asar.unpacked hold: the files the app
// loads, the example plugins unpacked, no devDependencies or sources, and the sizes.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const asar = require('@electron/asar');

/** electron/main/app.ts loads the preload from here (dist/preload/index.cjs, one bundled file). */
export const PRELOAD = 'dist/preload/index.cjs';
export const RENDERER_HTML = 'dist/renderer/index.html';
/** Never in the package, whoever depends on them: test and build tooling, UI sources, Electron itself. */
const FORBIDDEN = ['vitest', 'playwright-core', 'vite', 'typescript', 'react', 'react-dom', 'electron', 'electron-builder'];
/** What the package's root may hold (electron-builder.yml "files" plus the packed dependencies). */
const TOP_LEVEL = new Set(['package.json', 'dist', 'plugins', 'node_modules']);
/** The one source file the app ships: python3 runs the Python plugin bridge as a file, unpacked. */
const PYTHON_BRIDGE = 'electron/engine/python/bridge.py';

/** Size in bytes of a file or a folder. */
function sizeOf(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of readdirSync(p)) n += sizeOf(path.join(p, e));
  return n;
}

/** Every package folder under node_modules (nested ones too): [{name, dir}]. */
function packagesIn(nodeModules) {
  const out = [];
  if (!existsSync(nodeModules)) return out;
  for (const e of readdirSync(nodeModules)) {
    if (e.startsWith('.')) continue;
    const dirs = e.startsWith('@')
      ? readdirSync(path.join(nodeModules, e)).map((s) => [`${e}/${s}`, path.join(nodeModules, e, s)])
      : [[e, path.join(nodeModules, e)]];
    for (const [name, dir] of dirs) {
      out.push({ name, dir });
      out.push(...packagesIn(path.join(dir, 'node_modules')));
    }
  }
  return out;
}

/** Names of every package the production dependencies of `projectDir` need, transitively (from its node_modules). */
function productionClosure(projectDir, pkg) {
  const names = new Set();
  const queue = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).map((name) => ({ name, from: projectDir }));
  while (queue.length > 0) {
    const { name, from } = queue.pop();
    let dir;
    for (let d = from; ; d = path.dirname(d)) {
      const c = path.join(d, 'node_modules', name);
      if (existsSync(path.join(c, 'package.json'))) {
        dir = c;
        break;
      }
      if (d === path.dirname(d) || d === path.dirname(projectDir)) break;
    }
    if (!dir) continue; // an optional or peer dependency that is not installed
    const key = `${name}@${dir}`;
    if (names.has(key)) continue;
    names.add(key);
    const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...json.dependencies, ...json.optionalDependencies, ...json.peerDependencies }))
      queue.push({ name: dep, from: dir });
  }
  return new Set([...names].map((k) => k.slice(0, k.lastIndexOf('@'))));
}

/** Relative asset URLs (src/href) that index.html loads. */
function rendererAssets(html) {
  const out = [];
  for (const m of html.matchAll(/\s(?:src|href)\s*=\s*"([^"]+)"/g)) {
    const url = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('#') || url.startsWith('//')) continue;
    out.push(url.split(/[?#]/)[0]);
  }
  return out;
}

/** Header entries under `node` (asar header "files" tree): [relativePath, entry]. */
function headerFiles(node, prefix = '') {
  const out = [];
  for (const [name, entry] of Object.entries(node.files ?? {})) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if (entry.files) out.push(...headerFiles(entry, rel));
    else out.push([rel, entry]);
  }
  return out;
}

/**
 * `resources` is linux-unpacked/resources; `root` the extracted app.asar; `pkg` the
 * project's package.json (dependencies decide what may ship). Returns { problems, report }.
 */
export function inspectApp({ resources, root, projectDir, pkg }) {
  const problems = [];
  const archive = path.join(resources, 'app.asar');
  const unpackedDir = `${archive}.unpacked`;
  const has = (rel) => existsSync(path.join(root, rel));

  // The files the app loads at start-up.
  if (!has('package.json')) problems.push('app.asar has no package.json');
  const packedPkg = has('package.json') ? JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) : {};
  const main = packedPkg.main;
  if (typeof main !== 'string') problems.push('the packed package.json has no "main"');
  else if (!has(main)) problems.push(`app.asar lacks the main entry ${main} (package.json "main"; electron-builder.yml "files")`);
  if (!has(PRELOAD)) problems.push(`app.asar lacks the bundled preload ${PRELOAD} (electron-builder.yml "files"; npm run build:preload)`);
  if (!has(RENDERER_HTML)) {
    problems.push(`app.asar lacks the renderer ${RENDERER_HTML} (electron-builder.yml "files"; npm run build:renderer)`);
  } else {
    const assets = rendererAssets(readFileSync(path.join(root, RENDERER_HTML), 'utf8'));
    if (!assets.some((a) => a.endsWith('.js'))) problems.push(`${RENDERER_HTML} loads no script`);
    for (const a of assets) {
      const rel = path.posix.join(path.posix.dirname(RENDERER_HTML), a);
      if (!has(rel)) problems.push(`${RENDERER_HTML} loads ${a}, which app.asar lacks (${rel})`);
    }
  }

  // The example plugins: real files beside app.asar, for the plugin watcher and worker threads.
  const header = asar.getRawHeader(archive).header;
  const pluginFiles = header.files.plugins ? headerFiles(header.files.plugins, 'plugins') : [];
  if (pluginFiles.length === 0) problems.push('app.asar has no example plugins (plugins/; electron-builder.yml "files")');
  const packedPlugins = pluginFiles.filter(([, e]) => !e.unpacked).map(([rel]) => rel);
  if (packedPlugins.length > 0) {
    problems.push(
      `${packedPlugins.length} example plugin file(s) are packed inside app.asar, where worker threads and the plugin watcher cannot read them ` +
        `(e.g. ${packedPlugins[0]}): add "plugins/**/*" to electron-builder.yml "asarUnpack"`,
    );
  }
  for (const [rel, e] of pluginFiles) {
    if (e.unpacked && !existsSync(path.join(unpackedDir, rel))) problems.push(`${rel} is marked unpacked but app.asar.unpacked lacks it`);
  }

  // Nothing from development.
  const electronFiles = header.files.electron ? headerFiles(header.files.electron, 'electron') : [];
  const bridge = electronFiles.find(([rel]) => rel === PYTHON_BRIDGE);
  if (!bridge) problems.push(`app.asar has no ${PYTHON_BRIDGE} (electron-builder.yml "files"): Python plugins cannot load`);
  else if (!bridge[1].unpacked)
    problems.push(`${PYTHON_BRIDGE} is packed inside app.asar, where python3 cannot read it: add it to electron-builder.yml "asarUnpack"`);
  for (const [rel] of electronFiles) {
    if (rel !== PYTHON_BRIDGE) problems.push(`app.asar holds ${rel}, a source file that is not part of the app (electron-builder.yml "files")`);
  }
  for (const e of readdirSync(root)) {
    if (e === 'electron') continue; // checked above: only the unpacked Python bridge
    if (!TOP_LEVEL.has(e)) problems.push(`app.asar holds "${e}", which is not part of the app (electron-builder.yml "files")`);
  }
  const sources = [];
  const walk = (dir, rel) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (r !== 'node_modules' && r !== 'plugins') walk(path.join(dir, e.name), r);
      } else if (/\.(tsx?|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts')) sources.push(r);
    }
  };
  walk(root, '');
  if (sources.length > 0) problems.push(`app.asar holds TypeScript sources (${sources.slice(0, 3).join(', ')}${sources.length > 3 ? ', ...' : ''})`);
  const closure = productionClosure(projectDir, pkg);
  const shipped = packagesIn(path.join(root, 'node_modules'));
  const shippedNames = new Set(shipped.map((p) => p.name));
  for (const name of FORBIDDEN) {
    if (shippedNames.has(name)) problems.push(`app.asar ships "${name}", a development tool or UI source that must never be packed`);
  }
  for (const name of Object.keys(pkg.devDependencies ?? {})) {
    if (shippedNames.has(name) && !closure.has(name) && !FORBIDDEN.includes(name)) {
      problems.push(`app.asar ships the devDependency "${name}", which no production dependency needs`);
    }
  }

  // Sizes: the package, and the largest dependencies (packed and unpacked parts together).
  const bySize = new Map();
  for (const p of packagesIn(path.join(root, 'node_modules'))) {
    if (existsSync(path.join(p.dir, 'package.json'))) {
      const own = sizeOf(p.dir) - (existsSync(path.join(p.dir, 'node_modules')) ? sizeOf(path.join(p.dir, 'node_modules')) : 0);
      bySize.set(p.name, (bySize.get(p.name) ?? 0) + own);
    }
  }
  const report = {
    asarBytes: statSync(archive).size,
    unpackedBytes: existsSync(unpackedDir) ? sizeOf(unpackedDir) : 0,
    dependencies: shippedNames.size,
    largest: [...bySize]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([name, bytes]) => ({ name, bytes })),
    plugins: pluginFiles.length,
    main,
  };
  return { problems, report };
}
