// Importing a plugin file in its worker: .js/.mjs with import(), .cjs with require, and
// TypeScript through tsx (with the transpile cache in front: plugin-transpile-cache.ts); then
// finding its registerCallbacks.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Registrar } from './plugin-api.js';
import {
  cacheSalt,
  installTranspileCache,
  recordFile,
  recordResolutions,
  storeFile,
  type LoadRecord,
  type TranspileCacheStats,
} from './plugin-transpile-cache.js';
import { readRecord, replayLoad, type CjsLoader } from './plugin-transpile-replay.js';

function nearestTsconfig(file: string): string | undefined {
  for (let dir = path.dirname(file); ;) {
    const candidate = path.join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

// TypeScript goes through tsx, two ways:
// - .ts/.cts: tsx's in-thread require hook (ESM syntax is compiled to CommonJS). The host
//   sets ESBUILD_WORKER_THREADS=0 on the worker, so esbuild runs as one short-lived process
//   per file not yet in tsx's cache, waited for synchronously: no process outlives the load.
//   With the transpile cache, a plugin whose files are unchanged since its last load is
//   replayed from the cache without loading tsx at all (plugin-transpile-replay.ts).
// - .mts, and a .ts that uses top-level await (the require path refuses it before running
//   anything; such a .ts must be in a "type": "module" package): tsx's ESM loader (tsImport). That keeps an esbuild service process for the
//   worker's lifetime which Node 20 cannot reap when the worker ends (a zombie per load).
// A tsconfig.json next to (or above) the plugin applies (paths, jsx...); imports of the
// package's types (`import type ... from 'shotgun-events'`) are erased.
export async function importPlugin(file: string, cacheDir: string | null, onTranspile: (stats: TranspileCacheStats) => void): Promise<unknown> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.cjs') return createRequire(file)(file);
  if (ext !== '.ts' && ext !== '.mts' && ext !== '.cts') return plainImport(pathToFileURL(file).href);
  const tsconfig = nearestTsconfig(file);
  // (Without one, tsx looks in the working directory, as it does on the command line.)
  if (tsconfig) process.env.TSX_TSCONFIG_PATH = tsconfig;
  if (ext !== '.mts') {
    const stats: TranspileCacheStats = { hits: 0, misses: 0, writeErrors: [], tsx: false };
    const salt = cacheDir ? cacheSalt(tsconfig) : '';
    const recordAt = cacheDir ? recordFile(cacheDir, salt, file) : '';
    const record = cacheDir ? readRecord(recordAt) : undefined;
    try {
      if (cacheDir) onTranspile(stats);
      if (cacheDir && record) {
        return replayLoad(file, record, { dir: cacheDir, salt, recordFile: recordAt, stats, registerTsx: () => void tsxCjs().register() });
      }
      return requireThroughTsx(file, cacheDir, salt, recordAt, stats);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'ERR_REQUIRE_ASYNC_MODULE') throw e;
    }
  }
  let esm: typeof import('tsx/esm/api');
  try {
    esm = await import('tsx/esm/api');
  } catch (e) {
    throw new Error(`TypeScript plugins need the "tsx" package, which could not be loaded: ${(e as Error).message}`, { cause: e });
  }
  try {
    return await esm.tsImport(pathToFileURL(file).href, tsconfig ? { parentURL: import.meta.url, tsconfig } : import.meta.url);
  } catch (e) {
    if (e instanceof Error && e.message.includes('Top-level await is currently not supported with the "cjs" output format')) {
      e.message += '\n(a .ts file outside a package.json "type": "module" package is CommonJS, where top-level await cannot be: rename it to .mts)';
    }
    throw e;
  }
}

function tsxCjs(): typeof import('tsx/cjs/api') {
  try {
    return createRequire(import.meta.url)('tsx/cjs/api') as typeof import('tsx/cjs/api');
  } catch (e) {
    throw new Error(`TypeScript plugins need the "tsx" package, which could not be loaded: ${(e as Error).message}`, { cause: e });
  }
}

/** tsx's scoped require, with the cache in front and the load recorded for the next start. */
function requireThroughTsx(file: string, cacheDir: string | null, salt: string, recordAt: string, stats: TranspileCacheStats): unknown {
  const cjs = tsxCjs();
  stats.tsx = true;
  const namespace = `shotgun-events-${Date.now()}`;
  const scoped = cjs.register({ namespace });
  if (!cacheDir) return scoped.require(file, import.meta.url);
  const loader = createRequire(import.meta.url)('node:module') as unknown as CjsLoader;
  const record: LoadRecord = { modules: {}, resolved: {}, replayable: true };
  installTranspileCache(loader._extensions, loader._cache, { dir: cacheDir, namespace, salt, stats, record });
  recordResolutions(loader, namespace, record);
  const mod: unknown = scoped.require(file, import.meta.url);
  if (record.replayable && stats.writeErrors.length === 0 && file in record.modules) storeFile(recordAt, JSON.stringify(record), stats);
  return mod;
}

function plainImport(url: string): Promise<unknown> {
  return import(url);
}

export function findRegister(mod: unknown): { fn: (reg: Registrar) => unknown; self: unknown } | undefined {
  const m = mod as { registerCallbacks?: unknown; default?: { registerCallbacks?: unknown } } | null | undefined;
  if (m && typeof m.registerCallbacks === 'function') return { fn: m.registerCallbacks as (reg: Registrar) => unknown, self: m };
  const d = m?.default;
  if (d && (typeof d === 'object' || typeof d === 'function') && typeof d.registerCallbacks === 'function') {
    return { fn: d.registerCallbacks as (reg: Registrar) => unknown, self: d };
  }
  return undefined;
}

export function exportNames(mod: unknown): string {
  if (!mod || (typeof mod !== 'object' && typeof mod !== 'function')) return 'none';
  const names = Object.keys(mod).filter((k) => k !== '__esModule');
  const d = (mod as { default?: unknown }).default;
  if (d && typeof d === 'object') names.push(...Object.keys(d).map((k) => `default.${k}`));
  return names.length > 0 ? names.join(', ') : 'none';
}
