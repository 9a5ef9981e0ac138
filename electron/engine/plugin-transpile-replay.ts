// Loading a TypeScript plugin again without tsx (docs/engine.md, "The transpile cache"). A load
// through tsx leaves a LoadRecord (plugin-transpile-cache.ts): every module it loaded and what
// each import resolved to. While the plugin's files are unchanged, replaying that record is
// the same load: each .ts file compiles its cached JavaScript, each import resolves as tsx
// resolved it, other modules load through Node as tsx let them. tsx (the require hooks,
// esbuild's JS API, its lexer: ~6 MB per worker, docs/performance.md "Memory, round 5") is
// then never loaded. The first thing the record does not cover (a changed file, an import it
// has not seen, a require made later by a callback) registers tsx for the rest of the
// worker's life; what the rest of the load does is recorded for the next start (a require
// made later by a callback drops the record instead: the next start records afresh).

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import {
  cacheKey,
  fileStamp,
  installTranspileCache,
  recordResolutions,
  storeFile,
  type CjsModule,
  type ExtensionHook,
  type LoadRecord,
  type ResolveFilename,
  type TranspileCacheStats,
} from './plugin-transpile-cache.js';

/** Node's CommonJS loader internals the replay hooks into. */
export interface CjsLoader {
  _extensions: Record<string, ExtensionHook | undefined>;
  _cache: Record<string, unknown>;
  _resolveFilename: ResolveFilename;
}

/** Slots of Module._extensions the replay owns while it runs (Node 20 has none for TypeScript). */
const TS_SLOTS = ['.ts', '.cts', '.tsx'] as const;
const JS_SLOTS = ['.js', '.mjs', '.jsx'] as const;

export function readRecord(file: string): LoadRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as LoadRecord;
    return r.replayable && r.modules && r.resolved ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Requires `entry` by replaying `record`. `registerTsx` registers tsx for the whole worker
 * (called at most once, on the first thing the record does not cover).
 */
export function replayLoad(
  entry: string,
  record: LoadRecord,
  opts: { dir: string; salt: string; recordFile: string; stats: TranspileCacheStats; registerTsx: () => void },
): unknown {
  const loader = createRequire(import.meta.url)('node:module') as unknown as CjsLoader;
  const { stats } = opts;
  const ext = loader._extensions;
  const saved = new Map<string, ExtensionHook | undefined>([...TS_SLOTS, ...JS_SLOTS].map((s) => [s, ext[s]]));
  const nodeResolve = loader._resolveFilename;
  const nodeJs = ext['.js']!;
  let replaying = true;

  // The record no longer describes this plugin: tsx from here on (the rest of the load is recorded).
  const fallBack = () => {
    if (!replaying) return;
    replaying = false;
    loader._resolveFilename = nodeResolve;
    for (const [slot, hook] of saved) {
      if (hook) ext[slot] = hook;
      else delete ext[slot];
    }
    rmSync(opts.recordFile, { force: true });
    stats.tsx = true;
    opts.registerTsx();
    installTranspileCache(ext, loader._cache, { dir: opts.dir, namespace: null, salt: opts.salt, stats, record });
    recordResolutions(loader, null, record);
  };

  loader._resolveFilename = function replayResolve(this: unknown, request, parent, isMain, options) {
    const from = parent?.filename ?? undefined;
    if (replaying && from !== undefined && from in record.modules) {
      const to = options === undefined ? record.resolved[from]?.[request] : undefined;
      if (to !== undefined && (isBuiltin(to) || existsSync(to))) return to;
      fallBack();
      return loader._resolveFilename(request, parent, isMain, options);
    }
    return nodeResolve.call(this, request, parent, isMain, options);
  };

  const replayModule: ExtensionHook = (module, filename) => {
    const known = record.modules[filename];
    if (known && 'key' in known && compileCached(module, filename, known.key)) return;
    if (known && 'stamp' in known && fileStamp(filename) === known.stamp) return nodeJs(module, filename);
    fallBack();
    const slot = ext[path.extname(filename)] ?? ext['.js']!;
    slot(module, filename);
  };
  for (const slot of TS_SLOTS) ext[slot] = replayModule;
  for (const slot of JS_SLOTS) {
    const node = saved.get(slot);
    if (node) ext[slot] = (module, filename) => (filename in record.modules ? replayModule(module, filename) : node(module, filename));
  }

  function compileCached(module: CjsModule, filename: string, key: string): boolean {
    let code: string;
    try {
      if (cacheKey(opts.salt, filename, readFileSync(filename)) !== key) return false;
      code = readFileSync(`${opts.dir}/${key}.js`, 'utf8');
    } catch {
      return false;
    }
    stats.hits++;
    module._compile(code, filename);
    return true;
  }

  // As tsx does: the cached JavaScript carries inline source maps, so stacks name .ts lines.
  process.setSourceMapsEnabled(true);
  // Required from here, not from the entry itself: the entry's own requests are in the record.
  const mod: unknown = createRequire(import.meta.url)(entry);
  if (!replaying && record.replayable && stats.writeErrors.length === 0) storeFile(opts.recordFile, JSON.stringify(record), stats);
  return mod;
}
