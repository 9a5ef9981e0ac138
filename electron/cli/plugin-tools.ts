// Shared by `explain` and `replay`: the config's site client, fetching one event (by id from
// the site, or from a JSON file), and loading plugins in their workers as the daemon would.

import { existsSync, readFileSync } from 'node:fs';
import type { EngineConfig } from '../engine/config.js';
import { proxyUrl } from '../engine/engine.js';
import type { PluginLogLine } from '../engine/plugin-host.js';
import { createPluginHost, type AnyPluginHost } from '../engine/python/host-factory.js';
import { Shotgun } from '../shotgun/client.js';
import { EVENT_FIELDS, type EventLogEntry } from '../shotgun/types.js';

/** The site as the engine's own script, or null when the config names no site. */
export function siteClient(config: EngineConfig): Shotgun | null {
  const s = config.shotgun;
  if (!s) return null;
  return new Shotgun({
    server: s.server,
    credentials: { scriptName: s.name, scriptKey: s.key },
    apiVersion: s.apiVersion,
    proxy: s.proxyServer ? proxyUrl(s.proxyServer) : undefined,
  });
}

/** `--event`: an event id (read from the configured site) or a JSON file holding one EventLogEntry. */
export async function loadEvent(config: EngineConfig, spec: string): Promise<EventLogEntry> {
  if (/^\d+$/.test(spec.trim())) {
    const id = Number(spec.trim());
    const sg = siteClient(config);
    if (!sg) {
      throw new Error(`--event ${id}: the config has no [shotgun] server to read it from; pass a JSON file of the event instead`);
    }
    try {
      const ev = await sg.findOne<EventLogEntry>('EventLogEntry', [['id', 'is', id]], [...EVENT_FIELDS]);
      if (!ev) throw new Error(`no EventLogEntry ${id} on ${config.shotgun!.server}`);
      return ev;
    } finally {
      await sg.close();
    }
  }
  if (!existsSync(spec)) throw new Error(`--event: '${spec}' is neither an event id nor an existing JSON file`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(spec, 'utf8'));
  } catch (e) {
    throw new Error(`--event ${spec}: not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const ev = data as Partial<EventLogEntry> | null;
  if (!ev || typeof ev !== 'object' || Array.isArray(ev)) throw new Error(`--event ${spec}: expected one EventLogEntry object`);
  if (typeof ev.id !== 'number' || !Number.isInteger(ev.id)) throw new Error(`--event ${spec}: the event needs a numeric "id"`);
  if (typeof ev.event_type !== 'string' || ev.event_type === '') throw new Error(`--event ${spec}: the event needs an "event_type"`);
  return {
    attribute_name: null,
    meta: null,
    entity: null,
    user: null,
    project: null,
    session_uuid: null,
    created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    ...ev,
  } as EventLogEntry;
}

/** A host for one plugin file, configured as the daemon would (site, timeouts, log level). */
export function makeHost(config: EngineConfig, file: string, name: string, onLog: (l: PluginLogLine) => void, logLevel?: number): AnyPluginHost {
  const s = config.shotgun;
  return createPluginHost({
    file,
    name,
    python: config.plugins.python,
    shotgun: s
      ? { server: s.server, apiVersion: s.apiVersion, proxy: s.proxyServer ? proxyUrl(s.proxyServer) : undefined }
      : { server: 'http://127.0.0.1:0' },
    callbackTimeoutMs: config.daemon.callbackTimeoutMs || 2_147_483_647,
    useSessionUuid: s?.useSessionUuid ?? false,
    logLevel: logLevel ?? config.daemon.logLevelValue,
    onLog,
  });
}

/** Why loop protection (`ignore_own_events`) would drop the event, or null. */
export function loopProtection(config: EngineConfig, event: EventLogEntry, ownScripts: ReadonlySet<string>): string | null {
  const u = event.user;
  if (!u || u.type !== 'ApiUser' || !ownScripts.has(String(u.name))) return null;
  if (!config.daemon.ignoreOwnEvents) {
    return null;
  }
  return `made by the daemon's own script ${String(u.name)} and [daemon] ignore_own_events is on: every plugin skips it`;
}

export function formatLog(l: PluginLogLine): string {
  return `${l.level.toUpperCase()}:${l.logger}${l.eventId !== undefined ? ` [event ${l.eventId}]` : ''}: ${l.message}`;
}

export function describeEvent(e: EventLogEntry): string {
  const who = e.user ? `${e.user.type} ${e.user.name ?? e.user.id}` : 'no user';
  const what = e.entity ? `${e.entity.type} ${e.entity.id}` : 'no entity';
  return `event ${e.id} ${e.event_type}${e.attribute_name ? ` (${e.attribute_name})` : ''} on ${what} by ${who} at ${e.created_at}`;
}
