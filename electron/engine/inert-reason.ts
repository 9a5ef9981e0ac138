// Why a loaded plugin does nothing: "Inert" in the UI, a warning in `check`. It registered
// no callback, and often said why while loading: the original's examples log "Plugin is not
// valid, will not register callback." and return (docs/migrating.md).
import type { PluginLogLine } from './plugin-protocol.js';

export const INERT_NO_CALLBACK = 'registerCallbacks registered no callback';

/** The reason shown for a plugin with no callback, with what it last warned about while loading. */
export function inertReason(warned: string | null): string {
  return warned ? `${INERT_NO_CALLBACK}; it logged: ${warned}` : INERT_NO_CALLBACK;
}

/** A WARNING or worse the plugin logged outside its callbacks (while loading), or null. */
export function loadWarning(line: PluginLogLine): string | null {
  if (line.callback !== undefined || line.eventId !== undefined) return null;
  return line.level === 'warning' || line.level === 'error' || line.level === 'critical' ? line.message : null;
}
