// Carrying cursors over from the original daemon (docs/migrating.md): its eventIdFile holds a
// pickle {plugin folder path: {plugin name: (lastId, {backlog id: expiry datetime}) or lastId}},
// or, from older versions, a single event id as text. Read with pickle.ts (never executed).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PickleError, PyDateTime, PyTuple, readPickle, type PyValue } from './pickle.js';
import { newPluginState, type SavedPluginState, type StateStore } from './state.js';

export interface OriginalCursor {
  lastId: number;
  /** Backlog ids still awaited and until when (epoch ms). */
  backlog: Array<{ id: number; expiresAt: number }>;
}

export type OriginalState =
  | { kind: 'legacy'; lastId: number }
  /** Collection (plugin folder) path → plugin name → cursor. */
  | { kind: 'collections'; collections: Map<string, Map<string, OriginalCursor>> };

export function parseOriginalState(buf: Uint8Array, file: string): OriginalState {
  let data: PyValue;
  try {
    data = readPickle(buf);
  } catch (e) {
    // The original's own fallback: an old-style file with one id on its first line.
    const first = Buffer.from(buf).toString('latin1').split('\n')[0]!.trim();
    if (/^\d+$/.test(first)) return { kind: 'legacy', lastId: Number(first) };
    throw new PickleError(`${file} is neither the original daemon's pickled cursors nor a single event id: ${(e as Error).message}`);
  }
  if (typeof data === 'number' && Number.isInteger(data)) return { kind: 'legacy', lastId: data };
  if (!(data instanceof Map)) throw new PickleError(`${file}: expected a dict of plugin folders, found ${describe(data)}`);
  const collections = new Map<string, Map<string, OriginalCursor>>();
  for (const [dir, plugins] of data) {
    if (typeof dir !== 'string' || !(plugins instanceof Map))
      throw new PickleError(`${file}: expected {folder: {plugin: state}}, found ${describe(plugins)} under ${String(dir)}`);
    const out = new Map<string, OriginalCursor>();
    for (const [name, st] of plugins) {
      if (typeof name !== 'string') throw new PickleError(`${file}: a plugin name that is not a string under ${dir}`);
      out.set(name, cursorOf(st, `${file}: ${dir} ${name}`));
    }
    collections.set(dir, out);
  }
  return { kind: 'collections', collections };
}

function cursorOf(st: PyValue, where: string): OriginalCursor {
  if (typeof st === 'number' && Number.isInteger(st)) return { lastId: st, backlog: [] };
  if (st instanceof PyTuple && st.length === 2 && (typeof st[0] === 'number' || st[0] === null)) {
    const backlog: OriginalCursor['backlog'] = [];
    const bl = st[1];
    if (bl instanceof Map) {
      for (const [id, exp] of bl) {
        if (typeof id !== 'number') throw new PickleError(`${where}: a backlog id that is not a number`);
        backlog.push({ id, expiresAt: exp instanceof PyDateTime ? exp.toEpochMs() : Date.now() });
      }
    } else if (bl !== null) {
      throw new PickleError(`${where}: the backlog is ${describe(bl ?? null)}, not a dict`);
    }
    return { lastId: st[0] ?? 0, backlog: backlog.sort((a, b) => a.id - b.id) };
  }
  throw new PickleError(`${where}: expected (lastId, backlog) or an id, found ${describe(st)}`);
}

function describe(v: PyValue): string {
  if (v === null) return 'None';
  if (v instanceof Map) return 'a dict';
  if (v instanceof PyTuple) return `a tuple of ${v.length}`;
  if (Array.isArray(v)) return 'a list';
  return typeof v;
}

/**
 * The cursor the original had for a plugin in `folder`: its own collection first, else (as
 * the original did when the plugin folders moved) the highest id the name has anywhere.
 */
export function cursorFor(state: OriginalState, folder: string, name: string): OriginalCursor | null {
  if (state.kind === 'legacy') return { lastId: state.lastId, backlog: [] };
  const own = state.collections.get(folder) ?? state.collections.get(path.resolve(folder));
  const hit = own?.get(name);
  if (hit) return hit;
  let best: OriginalCursor | null = null;
  for (const c of state.collections.values()) {
    const x = c.get(name);
    if (x && (!best || x.lastId > best.lastId)) best = x;
  }
  return best;
}

/**
 * Seeds the state with the original's cursors for these plugin files (folder/name.ext).
 * Plugins already in the state are left alone unless `overwrite`. Returns what was imported.
 */
export function importOriginalCursors(
  store: StateStore,
  original: OriginalState,
  files: string[],
  log: (message: string) => void,
  opts: { overwrite?: boolean } = {},
): Array<{ name: string; lastId: number; backlog: number[] }> {
  const out: Array<{ name: string; lastId: number; backlog: number[] }> = [];
  const now = Date.now();
  for (const file of files) {
    const name = path.basename(file).replace(/\.[^.]+$/, '');
    const c = cursorFor(original, path.dirname(file), name);
    if (!c) continue;
    if (store.plugin(name) && !opts.overwrite) continue;
    const gaps = c.backlog.filter((b) => b.expiresAt > now).map((b) => ({ id: b.id, discoveredAt: now, expiresAt: b.expiresAt }));
    const st: SavedPluginState = { ...newPluginState(c.lastId), gaps };
    if (store.plugin(name)) Object.assign(store.plugin(name)!, { lastId: st.lastId, gaps: st.gaps });
    else store.ensurePlugin(name, () => st);
    const ids = gaps.map((g) => g.id);
    log(`Imported the original daemon's cursor for plugin ${name}: last event ${c.lastId}${ids.length ? `, backlog ${ids.join(', ')}` : ''}`);
    out.push({ name, lastId: c.lastId, backlog: ids });
  }
  if (out.length) store.markDirty();
  return out;
}

/**
 * The engine's first start (no JSON state yet): when eventIdFile is the original's cursor file,
 * import it. True when any plugin got a cursor. A file that is not the original's is an error.
 */
export function importOnFirstStart(
  store: StateStore,
  eventIdFile: string | null,
  files: string[],
  log: { info(m: string): void; warning(m: string): void },
): boolean {
  if (!eventIdFile || eventIdFile.endsWith('.json') || !existsSync(eventIdFile)) return false;
  const original = readOriginalState(eventIdFile);
  log.info(`Found the original daemon's cursors in ${eventIdFile}; importing them (the file is left as it is).`);
  const done = importOriginalCursors(store, original, files, (m) => log.info(m));
  const names = new Set(done.map((d) => d.name));
  for (const f of files) {
    const n = path.basename(f).replace(/\.[^.]+$/, '');
    if (!names.has(n)) log.warning(`The original daemon's cursors have nothing for plugin ${n}: it starts at the newest event.`);
  }
  return done.length > 0;
}

export function readOriginalState(file: string): OriginalState {
  return parseOriginalState(readFileSync(file), file);
}
