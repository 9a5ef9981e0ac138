// Finding plugin files and noticing when they change. The original re-listed folders and
// compared mtimes on every loop; we watch with chokidar (well-kept, handles editors that
// save by rename) and debounce bursts of writes into one reload.

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

// .py: an original-style Python plugin, run by python/python-host.ts.
export const PLUGIN_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.py'];

/** A plugin file: a module with a plugin extension, not hidden, not a declaration or a test. */
export function isPluginFile(file: string): boolean {
  const base = path.basename(file);
  if (base.startsWith('.') || base.startsWith('_')) return false;
  if (/\.d\.[cm]?ts$/.test(base) || /\.(test|spec)\.[cm]?[jt]s$/.test(base)) return false;
  return PLUGIN_EXTENSIONS.includes(path.extname(base));
}

/** The plugin's name: its file name without extension. */
export const pluginName = (file: string): string => path.basename(file).replace(/\.([cm]?[jt]s|py)$/, '');

/** Plugin files in folder order, then by file name (the original's order). */
export function listPlugins(folders: string[]): string[] {
  const out: string[] = [];
  for (const dir of folders) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      const file = path.join(dir, n);
      try {
        if (isPluginFile(file) && statSync(file).isFile()) out.push(file);
      } catch {
        // vanished between readdir and stat
      }
    }
  }
  return out;
}

export type PluginFileChange = { kind: 'add' | 'change' | 'unlink'; file: string };

/** Watches plugin folders (not recursively); calls back once per file per burst. */
export class PluginWatcher {
  private watcher: FSWatcher;
  private pending = new Map<string, { kind: PluginFileChange['kind']; timer: NodeJS.Timeout }>();

  constructor(
    private readonly folders: string[],
    private onChange: (c: PluginFileChange) => void,
    private debounceMs = 200,
  ) {
    this.watcher = watch(folders, {
      ignoreInitial: true,
      depth: 0,
      awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 },
    });
    for (const kind of ['add', 'change', 'unlink'] as const) {
      this.watcher.on(kind, (file: string) => {
        if (isPluginFile(file)) this.queue(kind, file);
      });
    }
  }

  /** Resolves once the watcher is listening (at once with no folders: chokidar never says 'ready' then). */
  ready(): Promise<void> {
    if (this.folders.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  private queue(kind: PluginFileChange['kind'], file: string): void {
    const prev = this.pending.get(file);
    if (prev) clearTimeout(prev.timer);
    // unlink then add (an editor's atomic save) is a change.
    const merged = prev && prev.kind === 'unlink' && kind === 'add' ? 'change' : prev?.kind === 'add' && kind === 'change' ? 'add' : kind;
    const timer = setTimeout(() => {
      this.pending.delete(file);
      this.onChange({ kind: merged, file });
    }, this.debounceMs);
    this.pending.set(file, { kind: merged, timer });
  }

  async close(): Promise<void> {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    await this.watcher.close();
  }
}
