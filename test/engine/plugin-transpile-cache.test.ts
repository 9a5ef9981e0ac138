// The transpile cache of TypeScript plugins (docs/engine.md, "The transpile cache"): real .ts
// files, real worker threads, a real cache folder.

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { PluginHost, type LoadResult, type PluginLogLine } from '../../electron/engine/plugin-host.js';
import { defaultTranspileCacheDir } from '../../electron/engine/plugin-transpile-cache.js';
import type { EventLogEntry } from '../../electron/shotgun/types.js';
import { cleanupTempDirs, tempDir } from './helpers.js';

let dir: string;
let cacheDir: string;
const hosts: PluginHost[] = [];

beforeAll(async () => {
  dir = await tempDir('sge-transpile-');
  cacheDir = path.join(dir, 'cache');
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(async () => {
  await cleanupTempDirs();
});

const event: EventLogEntry = {
  type: 'EventLogEntry',
  id: 7,
  event_type: 'Shotgun_Shot_Change',
  attribute_name: 'code',
  meta: { type: 'attribute_change' },
  entity: null,
  user: null,
  project: null,
  session_uuid: null,
  created_at: '2026-01-02T03:04:05Z',
};

/** Loads the plugin in a fresh host (a fresh worker, as after a restart) and runs one event. */
async function loadAndRun(file: string, cache: string | null): Promise<{ result: LoadResult; said: string[] }> {
  const logs: PluginLogLine[] = [];
  const h = new PluginHost({
    file,
    name: 'cached',
    shotgun: { server: 'http://127.0.0.1:9' },
    callbackTimeoutMs: 10_000,
    onLog: (l) => logs.push(l),
    transpileCacheDir: cache,
  });
  hosts.push(h);
  const result = await h.load();
  if (!result.ok) throw new Error(`load failed: ${result.error}`);
  const run = await h.run(event, [0], { late: false, attempt: 1 });
  expect(run.outcomes.map((o) => o.ok)).toEqual([true]);
  await h.close();
  return { result, said: logs.map((l) => l.message) };
}

test('a restart compiles an unchanged .ts plugin from the cache; a changed helper is transpiled again, alone', async () => {
  const helper = path.join(dir, 'word.ts');
  const file = path.join(dir, 'cached.ts');
  await writeFile(helper, `export const word = (): string => 'first-word';\n`);
  await writeFile(
    file,
    `import { word } from './word.js';
     export function registerCallbacks(reg: any): void {
       reg.registerCallback('plug', 'k', (_sg: unknown, e: { id: number }, _a: unknown, ctx: any) => ctx.logger.info(word() + ' ' + e.id));
     }\n`,
  );

  const cold = await loadAndRun(file, cacheDir);
  expect(cold.result).toMatchObject({ ok: true, transpile: { cached: 0, transpiled: 2, tsx: true } });
  expect(cold.said).toEqual(['first-word 7']);
  const stored = (await readdir(cacheDir)).filter((f) => f.endsWith('.js'));
  expect(stored).toHaveLength(2);

  const warm = await loadAndRun(file, cacheDir);
  expect(warm.result).toMatchObject({ ok: true, transpile: { cached: 2, transpiled: 0 } });
  expect(warm.said).toEqual(['first-word 7']);

  // Proof that the stored JavaScript is what runs: alter it, and the plugin says so.
  for (const f of stored) {
    const p = path.join(cacheDir, f);
    await writeFile(p, (await readFile(p, 'utf8')).replace('first-word', 'from-the-cache'));
  }
  expect((await loadAndRun(file, cacheDir)).said).toEqual(['from-the-cache 7']);

  await writeFile(helper, `export const word = (): string => 'second-word';\n`);
  const changed = await loadAndRun(file, cacheDir);
  expect(changed.result).toMatchObject({ ok: true, transpile: { cached: 1, transpiled: 1, tsx: true } });
  expect(changed.said).toEqual(['second-word 7']);
});

// Replays (plugin-transpile-replay.ts): each plugin says whether tsx's modules are loaded in its
// worker (require.cache), which is what the replay saves.
const TSX_LOADED = `Object.keys(require.cache).some((k) => k.includes('/node_modules/tsx/'))`;

test('an unchanged .ts plugin is replayed from the cache without loading tsx; a change loads tsx for that load, which records the next replay', async () => {
  const sub = path.join(dir, 'replay');
  await mkdir(sub, { recursive: true });
  const cache = path.join(dir, 'cache-replay');
  const helper = path.join(sub, 'word.ts');
  const file = path.join(sub, 'replayed.ts');
  await writeFile(
    helper,
    `export const word = (): string => 'one';
`,
  );
  await writeFile(
    file,
    `import { word } from './word';
     import { join } from 'node:path';
     export function registerCallbacks(reg: any): void {
       reg.registerCallback('plug', 'k', (_sg: unknown, e: { id: number }, _a: unknown, ctx: any) =>
         ctx.logger.info(join(word(), String(e.id)) + ' tsx=' + ${TSX_LOADED}));
     }
`,
  );
  const cold = await loadAndRun(file, cache);
  expect(cold.result).toMatchObject({ transpile: { cached: 0, transpiled: 2, tsx: true } });
  expect(cold.said).toEqual(['one/7 tsx=true']);

  const warm = await loadAndRun(file, cache);
  expect(warm.result).toMatchObject({ transpile: { cached: 2, transpiled: 0, tsx: false } });
  expect(warm.said).toEqual(['one/7 tsx=false']);

  await writeFile(
    helper,
    `export const word = (): string => 'two';
`,
  );
  const changed = await loadAndRun(file, cache);
  expect(changed.result).toMatchObject({ transpile: { cached: 1, transpiled: 1, tsx: true } });
  expect(changed.said).toEqual(['two/7 tsx=true']);

  const again = await loadAndRun(file, cache);
  expect(again.result).toMatchObject({ transpile: { cached: 2, transpiled: 0, tsx: false } });
  expect(again.said).toEqual(['two/7 tsx=false']);
});

test('replayed: tsconfig paths, an npm package, a stack that names the .ts line; a require made later by a callback loads tsx then', async () => {
  const proj = path.join(dir, 'replay-project');
  await mkdir(path.join(proj, 'lib'), { recursive: true });
  const cache = path.join(dir, 'cache-replay-2');
  await writeFile(path.join(proj, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@lib/*': ['./lib/*'] } } }));
  await writeFile(
    path.join(proj, 'lib', 'names.ts'),
    `export const who: string = 'aliased';
`,
  );
  await writeFile(
    path.join(proj, 'lib', 'late.ts'),
    `export const late = (): string => 'late';
`,
  );
  const file = path.join(proj, 'project.ts');
  await writeFile(
    file,
    `import { who } from '@lib/names';
     import { z } from ${JSON.stringify(createRequire(import.meta.url).resolve('zod'))};
     export function registerCallbacks(reg: any): void {
       reg.registerCallback('plug', 'k', (_s: unknown, _e: unknown, _a: unknown, ctx: any) => {
         const line = new Error('here').stack!.split('\\n')[1]!.replace(/.*project\\.ts:(\\d+).*/, 'line $1');
         const before = ${TSX_LOADED};
         const { late } = require('./lib/late') as typeof import('./lib/late');
         ctx.logger.info([who, z.string().parse('zod'), line, 'tsx=' + before, late(), 'tsx=' + ${TSX_LOADED}].join(' '));
       });
     }
`,
  );
  const cold = await loadAndRun(file, cache);
  expect(cold.said).toEqual(['aliased zod line 5 tsx=true late tsx=true']);
  const warm = await loadAndRun(file, cache);
  expect(warm.result).toMatchObject({ transpile: { tsx: false } });
  expect(warm.said).toEqual(['aliased zod line 5 tsx=false late tsx=true']);
});

test('a .ts plugin whose plain .js helper tsx had to compile (ESM syntax) is not replayed', async () => {
  const sub = path.join(dir, 'esm-helper');
  await mkdir(sub, { recursive: true });
  const cache = path.join(dir, 'cache-esm-helper');
  await writeFile(
    path.join(sub, 'helper.js'),
    `export const word = () => 'esm-js';
`,
  );
  const file = path.join(sub, 'uses-js.ts');
  await writeFile(
    file,
    `import { word } from './helper.js';
     export function registerCallbacks(reg: any): void {
       reg.registerCallback('plug', 'k', (_s: unknown, _e: unknown, _a: unknown, ctx: any) => ctx.logger.info(word()));
     }
`,
  );
  expect((await loadAndRun(file, cache)).said).toEqual(['esm-js']);
  const warm = await loadAndRun(file, cache);
  expect(warm.result).toMatchObject({ transpile: { cached: 1, tsx: true } });
  expect(warm.said).toEqual(['esm-js']);
});

test('transpileCacheDir null: no cache, nothing reported', async () => {
  const file = path.join(dir, 'uncached.ts');
  await writeFile(file, `export function registerCallbacks(reg: any): void { reg.registerCallback('p', 'k', (): void => undefined); }\n`);
  const { result } = await loadAndRun(file, null);
  expect(result).toEqual({ ok: true, callbacks: [expect.objectContaining({ name: expect.any(String) })] });
});

test('the default folder: $SHOTGUN_EVENTS_CACHE_DIR, else the OS user cache dir', () => {
  expect(defaultTranspileCacheDir({ SHOTGUN_EVENTS_CACHE_DIR: '/c' }, 'linux', '/h')).toBe('/c/transpiled');
  expect(defaultTranspileCacheDir({}, 'linux', '/h')).toBe('/h/.cache/shotgun-events/transpiled');
  expect(defaultTranspileCacheDir({ XDG_CACHE_HOME: '/x' }, 'linux', '/h')).toBe('/x/shotgun-events/transpiled');
  expect(defaultTranspileCacheDir({}, 'darwin', '/h')).toBe('/h/Library/Caches/shotgun-events/transpiled');
  expect(defaultTranspileCacheDir({ LOCALAPPDATA: 'C:/L' }, 'win32', 'C:/h')).toBe('C:/L/shotgun-events/cache/transpiled');
});
