// The on-disk cache of TypeScript plugins' transpiled output (docs/engine.md, "The transpile
// cache"). Runs in the plugin worker, in front of tsx's CommonJS hook: each .ts/.cts/.tsx file
// the plugin loads (the plugin and every helper it imports) is keyed by a hash of its path, its
// bytes, the tsconfig that applies, and the esbuild, tsx and Node versions (which decide
// esbuild's options). A hit compiles the stored JavaScript without starting esbuild; a miss
// lets tsx transpile it and stores the result. A changed file or helper misses only for
// itself. Cache files are written whole (temp file + rename), so parallel workers may share
// the folder. A load through tsx also records what it loaded and how each import resolved
// (a LoadRecord), so that the next start can replay it without loading tsx at all
// (plugin-transpile-replay.ts).

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface CjsModule {
  _compile(code: string, filename: string): unknown;
}
export type ExtensionHook = (module: CjsModule, filename: string) => void;

const require = createRequire(import.meta.url);
// A scoped require's id ends in `?namespace=…`, so Node picks the '.js' hook for every file;
// tsx installs its hook there too. Which files are TypeScript is decided by the path.
const HOOKED_EXTENSIONS = ['.js', '.ts', '.cts', '.tsx', '.mjs', '.jsx'] as const;
const TYPESCRIPT = /\.(?:ts|cts|mts|tsx)$/;

export interface TranspileCacheStats {
  /** Files compiled from the cache. */
  hits: number;
  /** Files transpiled by tsx (and stored). */
  misses: number;
  /** Cache files that could not be written (the load goes on; the next start transpiles again). */
  writeErrors: string[];
  /** Whether tsx was loaded in this worker (false: the load was replayed from the cache). */
  tsx: boolean;
}

/**
 * What a load through tsx did, for a replay without tsx: each module it loaded (a TypeScript
 * file by its cache key; any other file, which tsx compiled unchanged, by its size and mtime)
 * and, per importing module, what each request resolved to.
 */
export interface LoadRecord {
  modules: Record<string, { key: string } | { stamp: string }>;
  resolved: Record<string, Record<string, string>>;
  /** False when tsx changed a non-TypeScript file (ESM syntax in a .js, a .cjs): not replayable. */
  replayable: boolean;
}

function versionOf(pkg: string): string {
  try {
    // Read, not required: require() would keep the package.json in the worker's module cache.
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** What, besides a file's path and bytes, decides its transpiled output. */
export function cacheSalt(tsconfig: string | undefined): string {
  let tsconfigText = '';
  try {
    if (tsconfig) tsconfigText = readFileSync(tsconfig, 'utf8');
  } catch {
    // tsx reports an unreadable tsconfig itself
  }
  return [versionOf('esbuild'), versionOf('tsx'), process.versions.node, tsconfig ?? '', tsconfigText].join('\0');
}

/** The cache file's name (without folder) for a file with these bytes. */
export function cacheKey(salt: string, file: string, source: Buffer): string {
  return createHash('sha256').update(salt).update('\0').update(file).update('\0').update(source).digest('hex').slice(0, 32);
}

/** Size and mtime: enough to see that a file tsx compiled unchanged is still the same file. */
export function fileStamp(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** The record of a plugin's last load through tsx, beside the cache files. */
export function recordFile(dir: string, salt: string, entry: string): string {
  return `${dir}/${createHash('sha256').update(salt).update('\0load\0').update(entry).digest('hex').slice(0, 32)}.load.json`;
}

/** Writes a file whole (temp file + rename); a failure is added to stats.writeErrors. */
export function storeFile(file: string, text: string, stats: TranspileCacheStats): void {
  try {
    mkdirSync(file.slice(0, file.lastIndexOf('/')), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    stats.writeErrors.push(`${file}: ${(e as Error).message}`);
  }
}

const stripQuery = (id: string) => id.split('?')[0]!;

/**
 * Puts the cache in front of tsx's hooks in `extensions` (Module._extensions, after tsx's
 * register()). Only files whose require id carries `namespace` (tsx's scoped require) are
 * cached, as only those are tsx's to transpile; with namespace null (tsx registered for the
 * whole worker), every TypeScript file is. With `record`, what the load does is noted in it.
 */
export function installTranspileCache(
  extensions: Record<string, ExtensionHook | undefined>,
  moduleCache: Record<string, unknown>,
  opts: { dir: string; namespace: string | null; salt: string; stats: TranspileCacheStats; record?: LoadRecord },
): void {
  const { stats, record } = opts;
  const ours = (query: string | undefined) => (opts.namespace === null ? true : new URLSearchParams(query).get('namespace') === opts.namespace);
  for (const ext of HOOKED_EXTENSIONS) {
    const inner = extensions[ext];
    if (!inner) continue;
    extensions[ext] = function cachedTranspile(module: CjsModule, id: string): void {
      const [file, query] = id.split('?') as [string, string | undefined];
      if (!ours(query)) return inner(module, id);
      if (!TYPESCRIPT.test(file)) return recordOther(module, id, file, inner);
      let source: Buffer;
      try {
        source = readFileSync(file);
      } catch {
        return inner(module, id); // tsx reports it
      }
      const key = cacheKey(opts.salt, file, source);
      if (record) record.modules[file] = { key };
      const cached = `${opts.dir}/${key}.js`;
      let code: string | undefined;
      try {
        code = readFileSync(cached, 'utf8');
      } catch {
        code = undefined;
      }
      if (code !== undefined) {
        stats.hits++;
        module._compile(code, file);
        // as tsx does: a scoped require's module is cached under its namespaced id
        if (query && moduleCache[file] === module) {
          moduleCache[id] = module;
          delete moduleCache[file];
        }
        return;
      }
      stats.misses++;
      const compile = module._compile.bind(module);
      module._compile = (out: string, filename: string): unknown => {
        storeFile(cached, out, stats);
        return compile(out, filename);
      };
      inner(module, id);
    };
  }

  /** A plain module loaded through tsx: replayable if tsx compiled its text unchanged. */
  function recordOther(module: CjsModule, id: string, file: string, inner: ExtensionHook): void {
    if (!record) return inner(module, id);
    const compile = module._compile.bind(module);
    module._compile = (code: string, filename: string): unknown => {
      let same: boolean;
      try {
        same = readFileSync(file, 'utf8') === code;
      } catch {
        same = false;
      }
      const stamp = fileStamp(file);
      if (same && stamp) record.modules[file] = { stamp };
      else record.replayable = false;
      return compile(code, filename);
    };
    inner(module, id);
  }
}

/** Notes in `record` what each request made by a module of the namespace (null: any module) resolved to. */
export function recordResolutions(loader: { _resolveFilename: ResolveFilename }, namespace: string | null, record: LoadRecord): void {
  const inner = loader._resolveFilename;
  loader._resolveFilename = function recordResolution(this: unknown, request, parent, isMain, options) {
    const out = inner.call(this, request, parent, isMain, options);
    const from = parent?.filename;
    if (from && options === undefined && (namespace === null || new URLSearchParams(from.split('?')[1]).get('namespace') === namespace)) {
      (record.resolved[stripQuery(from)] ??= {})[request] = stripQuery(out);
    }
    return out;
  };
}

export type ResolveFilename = (request: string, parent: { filename?: string | null } | undefined, isMain: boolean, options?: unknown) => string;

/** The default cache folder: $SHOTGUN_EVENTS_CACHE_DIR, else the OS user cache dir. */
export function defaultTranspileCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (env.SHOTGUN_EVENTS_CACHE_DIR) return `${env.SHOTGUN_EVENTS_CACHE_DIR}/transpiled`;
  if (platform === 'win32') return `${env.LOCALAPPDATA ?? `${home}/AppData/Local`}/shotgun-events/cache/transpiled`;
  if (platform === 'darwin') return `${home}/Library/Caches/shotgun-events/transpiled`;
  return `${env.XDG_CACHE_HOME || `${home}/.cache`}/shotgun-events/transpiled`;
}
