// The on-disk cache of TypeScript plugins' transpiled output (docs/engine.md, "The transpile
// cache"). Runs in the plugin worker, in front of tsx's CommonJS hook: each .ts/.cts/.tsx file
// the plugin loads (the plugin and every helper it imports) is keyed by a hash of its path, its
// bytes, the tsconfig that applies, and the esbuild, tsx and Node versions (which decide
// esbuild's options). A hit compiles the stored JavaScript without starting esbuild; a miss
// lets tsx transpile it and stores the result. A changed file or helper misses only for
// itself. Cache files are written whole (temp file + rename), so parallel workers may share
// the folder.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface CjsModule {
  _compile(code: string, filename: string): unknown;
}
type ExtensionHook = (module: CjsModule, filename: string) => void;

const require = createRequire(import.meta.url);
// A scoped require's id ends in `?namespace=…`, so Node picks the '.js' hook for every file;
// tsx installs its hook there too. Which files are TypeScript is decided by the path.
const HOOKED_EXTENSIONS = ['.js', '.ts', '.cts', '.tsx'] as const;
const TYPESCRIPT = /\.(?:ts|cts|mts|tsx)$/;

export interface TranspileCacheStats {
  /** Files compiled from the cache. */
  hits: number;
  /** Files transpiled by tsx (and stored). */
  misses: number;
  /** Cache files that could not be written (the load goes on; the next start transpiles again). */
  writeErrors: string[];
}

function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Puts the cache in front of tsx's hooks in `extensions` (Module._extensions, after tsx's
 * register()). Only files whose require id carries `namespace` (tsx's scoped require) are
 * cached, as only those are tsx's to transpile.
 */
export function installTranspileCache(
  extensions: Record<string, ExtensionHook | undefined>,
  moduleCache: Record<string, unknown>,
  opts: { dir: string; namespace: string; tsconfig: string | undefined },
): TranspileCacheStats {
  const stats: TranspileCacheStats = { hits: 0, misses: 0, writeErrors: [] };
  let tsconfigText = '';
  try {
    if (opts.tsconfig) tsconfigText = readFileSync(opts.tsconfig, 'utf8');
  } catch {
    // tsx reports an unreadable tsconfig itself
  }
  const salt = [versionOf('esbuild'), versionOf('tsx'), process.versions.node, opts.tsconfig ?? '', tsconfigText].join('\0');
  for (const ext of HOOKED_EXTENSIONS) {
    const inner = extensions[ext];
    if (!inner) continue;
    extensions[ext] = function cachedTranspile(module: CjsModule, id: string): void {
      const [file, query] = id.split('?') as [string, string | undefined];
      if (!TYPESCRIPT.test(file) || new URLSearchParams(query).get('namespace') !== opts.namespace) return inner(module, id);
      let source: Buffer;
      try {
        source = readFileSync(file);
      } catch {
        return inner(module, id); // tsx reports it
      }
      const key = createHash('sha256').update(salt).update('\0').update(file).update('\0').update(source).digest('hex');
      const cached = `${opts.dir}/${key.slice(0, 32)}.js`;
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
        store(cached, out, stats);
        return compile(out, filename);
      };
      inner(module, id);
    };
  }
  return stats;

  function store(file: string, code: string, s: TranspileCacheStats): void {
    try {
      mkdirSync(opts.dir, { recursive: true });
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(tmp, code);
      renameSync(tmp, file);
    } catch (e) {
      s.writeErrors.push(`${file}: ${(e as Error).message}`);
    }
  }
}

/** The default cache folder: $SHOTGUN_EVENTS_CACHE_DIR, else the OS user cache dir. */
export function defaultTranspileCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (env.SHOTGUN_EVENTS_CACHE_DIR) return `${env.SHOTGUN_EVENTS_CACHE_DIR}/transpiled`;
  if (platform === 'win32') return `${env.LOCALAPPDATA ?? `${home}/AppData/Local`}/shotgun-events/cache/transpiled`;
  if (platform === 'darwin') return `${home}/Library/Caches/shotgun-events/transpiled`;
  return `${env.XDG_CACHE_HOME || `${home}/.cache`}/shotgun-events/transpiled`;
}
