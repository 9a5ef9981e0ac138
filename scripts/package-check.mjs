// npm run package:check: packs the desktop app for Linux (`--dir`) with electron-builder
// against a stand-in Electron distribution (no Electron binary can be downloaded here or
// in CI), then checks what was packed. docs/desktop.md ("What package:check proves") says
// what this proves and what only a machine with the Electron binary can.
//
// Usage: node scripts/package-check.mjs [--project DIR] [--config FILE] [--json FILE] [--keep]
//   --project  the project to pack (default: this repository); its package.json decides
//              what is a production dependency
//   --config   the electron-builder config to extend (default: PROJECT/electron-builder.yml)
//   --json     also write the result ({ok, problems, report}) to FILE
//   --keep     keep the temporary folder (stand-in Electron, packed app, extracted asar)
// Exits 0 when every check passed, 1 with each problem named, 2 on bad usage.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkFuses } from './package/fuses.mjs';
import { inspectApp, PRELOAD, RENDERER_HTML } from './package/inspect-app.mjs';
import { packLinuxDir } from './package/pack.mjs';
import { HOOKS, HOST_MODULE, registerSource } from './package/probe-main.mjs';
import { layOutStandInElectron } from './package/stand-in-electron.mjs';

const require = createRequire(import.meta.url);
const asar = require('@electron/asar');
const repo = fileURLToPath(new URL('../', import.meta.url));
const IMPORT_GRAPH = fileURLToPath(new URL('./package/import-graph.mjs', import.meta.url));
const PROBE_MAIN = fileURLToPath(new URL('./package/probe-main.mjs', import.meta.url));

function fail(message) {
  console.error(`package:check: ${message}`);
  process.exit(2);
}

/** Newest modification time of a file under `p`, ms (0 when absent). Files only: a folder made by a copy is not a source change. */
function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((e) => newest(path.join(p, e))));
}

/** The build must exist and be newer than its sources: this script packs dist/, it does not build it. */
function checkBuilt(projectDir, main) {
  const built = [
    { out: main, sources: ['electron'] },
    { out: PRELOAD, sources: ['electron/preload', 'electron/contract.ts'] },
    { out: RENDERER_HTML, sources: ['renderer', 'vite.config.ts'] },
  ];
  for (const b of built) {
    const out = path.join(projectDir, b.out);
    if (!existsSync(out)) fail(`${b.out} is missing: run npm run build first`);
    const src = Math.max(...b.sources.map((s) => newest(path.join(projectDir, s))));
    if (src > statSync(out).mtimeMs) fail(`${b.out} is older than its sources (${b.sources.join(', ')}): run npm run build first`);
  }
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function main() {
  const { values } = parseArgs({
    options: { project: { type: 'string' }, config: { type: 'string' }, json: { type: 'string' }, keep: { type: 'boolean' } },
  });
  const projectDir = path.resolve(values.project ?? repo);
  const config = path.resolve(values.config ?? path.join(projectDir, 'electron-builder.yml'));
  if (!existsSync(path.join(projectDir, 'package.json'))) fail(`no package.json in ${projectDir}`);
  if (!existsSync(config)) fail(`no electron-builder config at ${config}`);
  const pkg = JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8'));
  if (typeof pkg.main !== 'string') fail('package.json has no "main"');
  checkBuilt(projectDir, pkg.main);
  let electronVersion;
  try {
    electronVersion = JSON.parse(readFileSync(createRequire(path.join(projectDir, 'package.json')).resolve('electron/package.json'), 'utf8')).version;
  } catch (err) {
    fail(`cannot read the installed electron package's version (npm ci first?): ${err.message}`);
  }

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'shotgun-events-package-'));
  try {
    const electronDist = path.join(tmp, 'electron-dist');
    await layOutStandInElectron(electronDist, electronVersion);
    const appOut = await packLinuxDir({ projectDir, config, electronDist, electronVersion, outDir: path.join(tmp, 'out') });
    const resources = path.join(appOut, 'resources');
    const archive = path.join(resources, 'app.asar');
    if (!existsSync(archive)) throw new Error(`electron-builder made no app.asar in ${resources} (is "asar" off in ${config}?)`);

    // Extracted as the packaged app's layout: resources/app.asar/ beside resources/app.asar.unpacked/.
    const root = path.join(tmp, 'resources', 'app.asar');
    asar.extractAll(archive, root);
    if (existsSync(`${archive}.unpacked`)) cpSync(`${archive}.unpacked`, `${root}.unpacked`, { recursive: true });
    const { problems, report } = inspectApp({ resources, root, projectDir, pkg });

    // The main entry's import graph, resolved by Node inside the extracted tree.
    let imports = {};
    if (report.main && existsSync(path.join(root, report.main))) {
      const walk = spawnSync(process.execPath, ['--no-warnings', '--experimental-import-meta-resolve', IMPORT_GRAPH, root, report.main], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      if (walk.status !== 0) throw new Error(`the import-graph walk failed: ${walk.stderr.trim()}`);
      const graph = JSON.parse(walk.stdout);
      problems.push(...graph.problems);
      imports = graph.packages;
      report.graphFiles = graph.files;
    }
    report.imports = imports;

    // The host module imported under Node with only `electron` replaced: it evaluates, and it
    // looks for the example plugins where they were unpacked.
    if (existsSync(path.join(root, HOST_MODULE))) {
      const probe = spawnSync(
        process.execPath,
        ['--no-warnings', '--import', registerSource(`data:text/javascript,${encodeURIComponent(HOOKS)}`), PROBE_MAIN, path.join(root, HOST_MODULE)],
        { encoding: 'utf8', timeout: 120_000 },
      );
      if (probe.status !== 0) {
        problems.push(
          `${HOST_MODULE} does not load under Node with electron replaced: ${(probe.stderr || probe.error?.message || '').trim().split('\n').slice(0, 5).join(' | ')}`,
        );
      } else {
        const { examplePlugins } = JSON.parse(probe.stdout);
        const want = path.join(`${root}.unpacked`, 'plugins');
        report.examplePlugins = examplePlugins;
        if (examplePlugins !== want) {
          problems.push(
            `the packaged app looks for the example plugins in ${examplePlugins ?? '(no EXAMPLE_PLUGINS export)'}, not in ${want} where they are unpacked (electron/main/host.ts EXAMPLE_PLUGINS)`,
          );
        }
      }
    } else {
      problems.push(`app.asar lacks ${HOST_MODULE}, which says where the app finds its example plugins`);
    }

    // The fuses, flipped by electron-builder on the stand-in executable (renamed to the app's name).
    const executables = readdirSync(appOut).filter((f) => {
      const st = statSync(path.join(appOut, f));
      return st.isFile() && (st.mode & 0o111) !== 0;
    });
    if (executables.length !== 1) {
      problems.push(`expected one executable in ${appOut}, found ${executables.length} (${executables.join(', ')})`);
    } else {
      const fuses = await checkFuses(path.join(appOut, executables[0]));
      problems.push(...fuses.problems);
      report.executable = executables[0];
      report.fuses = fuses.fuses;
    }

    const undeclared = Object.keys(imports).filter((n) => !(n in (pkg.dependencies ?? {})));
    console.log('');
    console.log(
      `package:check: packed ${report.executable ?? '?'} (Electron ${electronVersion} stand-in), ${report.graphFiles ?? 0} files in the main import graph`,
    );
    console.log(
      `  app.asar ${mb(report.asarBytes)} + app.asar.unpacked ${mb(report.unpackedBytes)} = ${mb(report.asarBytes + report.unpackedBytes)}, ${report.dependencies} packages, ${report.plugins} example plugin files unpacked`,
    );
    console.log(`  largest dependencies: ${report.largest.map((d) => `${d.name} ${mb(d.bytes)}`).join(', ')}`);
    if (report.examplePlugins)
      console.log(
        `  example plugins read from ${path.relative(path.dirname(root), report.examplePlugins)} (${HOST_MODULE} loaded under Node, electron replaced)`,
      );
    console.log(`  the app imports: ${Object.keys(imports).sort().join(', ')}`);
    if (undeclared.length > 0)
      console.log(`  note: imported but not in "dependencies" (resolved through another package's): ${undeclared.join(', ')}`);
    if (report.fuses)
      console.log(
        `  fuses: ${Object.entries(report.fuses)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
    if (values.json) writeFileSync(values.json, JSON.stringify({ ok: problems.length === 0, problems, report }, null, 2));
    if (problems.length > 0) {
      for (const p of problems) console.error(`package:check: FAIL: ${p}`);
      console.error(`package:check: ${problems.length} problem(s) in the package`);
      return 1;
    } else {
      console.log(
        'package:check: ok: app.asar holds the main entry, preload, renderer and every import; plugins unpacked; no devDependencies; fuses as documented',
      );
      return 0;
    }
  } finally {
    if (values.keep) console.log(`package:check: kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

// process.exit, not exitCode: electron-builder's exit hooks (async-exit-hook) end the process with 0 otherwise.
main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`package:check: FAIL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
