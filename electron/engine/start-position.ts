// Where a start begins (docs/engine.md, "State"): the read position, and every plugin's
// starting cursor in the state before any event is dispatched. First start: the newest
// existing event (nothing historical replayed, as the original), or the original daemon's
// cursors when its file sits beside us (docs/migrating.md). Restart: the slowest running
// plugin, so one shared read serves everyone catching up; a cursor past the site's newest
// event is left out (the poll loop flags that plugin).

import { pluginName, PLUGIN_EXTENSIONS } from './discovery.js';
import type { Logger } from './logging.js';
import { importOnFirstStart } from './pickle-import.js';
import { newPluginState, type StateStore } from './state.js';

export interface StartPositionOptions {
  state: StateStore;
  /** The plugin files found at start. */
  files: string[];
  /** The site's newest event id. */
  latest: number;
  /** The original daemon's cursor file ([daemon] eventIdFile), imported on a first start. */
  eventIdFile: string | null;
  /** [daemon] stateFile, as configured (named in the first-start line). */
  stateFile: string;
  log: Logger;
}

/**
 * Sets the state's starting cursors (new plugins at `latest`) and its newest id seen, marks
 * it dirty (the caller flushes before dispatching), and returns the read position.
 */
export function startPosition(o: StartPositionOptions): number {
  const { state, latest, log } = o;
  const first = state.isNew && !importOnFirstStart(state, o.eventIdFile, o.files, log);
  if (first) log.info(`No state at ${o.stateFile}: starting at the newest event, ${latest}.`);
  const saved = state.data.plugins;
  const names = [...new Set(o.files.map((f) => pluginName(f)))];
  const cursors = names
    .map((n) => saved[n])
    .filter((s) => s && s.enabled && !s.paused && s.lastId <= latest)
    .map((s) => s!.lastId);
  const readFrom = first || cursors.length === 0 ? latest : Math.min(...cursors);
  state.data.headId = latest;
  // A kill after this must not let a plugin that was never saved start later, past the
  // events the others already got.
  for (const n of names) {
    if (saved[n]) continue;
    state.ensurePlugin(n, () => newPluginState(latest));
    log.info(`New plugin ${n}: starting after event ${latest}.`);
  }
  state.markDirty();
  return readFrom;
}

/** Why a start has nothing to run (no plugin file), or null. A misconfiguration, never a quiet idle daemon (docs/reliability.md). */
export function nothingToRun(paths: string[], files: string[]): string | null {
  if (files.length) return null;
  const where = paths.length ? `no ${PLUGIN_EXTENSIONS.join(' ')} file in ${paths.join(', ')}` : '[plugins] paths is empty';
  return `No plugins to run: ${where}. Add plugin files (they load as they appear) or fix [plugins] paths.`;
}
