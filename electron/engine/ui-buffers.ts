// What the engine keeps for the UI between snapshots: ring buffers of recent events (with
// each plugin's outcome), log lines and audit entries, and the coalesced plugin-view
// updates. Every change goes out as an `Update` (contract.ts); `snapshot` hands out copies.

import type { AuditEntry, EventView, LogLineView, Outcome, PluginView, Update } from '../contract.js';
import type { EventLogEntry } from '../shotgun/types.js';
import type { LogLine } from './logging.js';

const LOG_KEEP = 5000;
const LOG_SNAPSHOT = 1000;
const AUDIT_KEEP = 500;
const PLUGIN_FLUSH_MS = 100;

export interface UiBuffersOptions {
  emit: (u: Update) => void;
  /** Events kept for the UI (default 2000). */
  eventCap?: number;
  /** The current view of a plugin, or null once it is gone. */
  pluginView: (name: string) => PluginView | null;
}

export class UiBuffers {
  private events: EventView[] = [];
  private index = new Map<number, EventView>();
  private logLines: LogLineView[] = [];
  private auditEntries: AuditEntry[] = [];
  private pendingPlugins = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly o: UiBuffersOptions) {}

  addEvents(events: EventLogEntry[], late: boolean): void {
    if (events.length === 0) return;
    const cap = this.o.eventCap ?? 2000;
    const tail = events.length > cap ? events.slice(-cap) : events;
    const views = tail.map((e) => toView(e, late));
    for (const v of views) {
      this.events.push(v);
      this.index.set(v.id, v);
    }
    if (this.events.length > cap) {
      for (const v of this.events.splice(0, this.events.length - cap)) this.index.delete(v.id);
    }
    this.o.emit({ kind: 'events', events: views });
  }

  /** A plugin's outcome for an event, kept on the event's view while the UI still holds it. */
  setOutcome(eventId: number, plugin: string, outcome: Outcome): void {
    const view = this.index.get(eventId);
    if (view) view.outcomes[plugin] = outcome;
    this.o.emit({ kind: 'outcome', eventId, plugin, outcome });
  }

  event(id: number): EventView | null {
    return this.index.get(id) ?? null;
  }

  addLog(line: LogLine): void {
    const v: LogLineView = {
      time: line.time,
      level: line.level,
      levelName: line.levelName,
      logger: line.logger,
      message: line.message,
      plugin: line.plugin,
      callback: line.callback,
      eventId: line.eventId,
    };
    this.logLines.push(v);
    if (this.logLines.length > LOG_KEEP) this.logLines.splice(0, this.logLines.length - LOG_KEEP);
    this.o.emit({ kind: 'logs', lines: [v] });
  }

  logsFor(eventId: number): LogLineView[] {
    return this.logLines.filter((l) => l.eventId === eventId);
  }

  addAudit(entry: AuditEntry): void {
    this.auditEntries.push(entry);
    if (this.auditEntries.length > AUDIT_KEEP) this.auditEntries.splice(0, this.auditEntries.length - AUDIT_KEEP);
    this.o.emit({ kind: 'audit', entry });
  }

  /** Copies for a snapshot. */
  snapshot(): { events: EventView[]; logs: LogLineView[]; audit: AuditEntry[] } {
    return { events: this.events.slice(), logs: this.logLines.slice(-LOG_SNAPSHOT), audit: this.auditEntries.slice() };
  }

  /** Plugin views go out at most every 100 ms: a busy plugin changes per event. */
  pluginChanged(name: string): void {
    this.pendingPlugins.add(name);
    this.scheduleFlush();
  }

  start(): void {
    this.stopped = false;
    this.scheduleFlush();
  }

  stop(): void {
    this.stopped = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.stopped) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      for (const name of this.pendingPlugins) {
        const view = this.o.pluginView(name);
        if (view) this.o.emit({ kind: 'plugin', plugin: view });
      }
      this.pendingPlugins.clear();
    }, PLUGIN_FLUSH_MS);
    this.flushTimer.unref();
  }
}

export function toView(e: EventLogEntry, late: boolean): EventView {
  const v: EventView = {
    id: e.id,
    event_type: e.event_type,
    attribute_name: e.attribute_name ?? null,
    entity: e.entity ? { type: e.entity.type, id: e.entity.id, name: e.entity.name ?? null } : null,
    user: e.user ? { type: e.user.type, id: e.user.id, name: e.user.name ?? null } : null,
    project: e.project ? { type: e.project.type, id: e.project.id, name: e.project.name ?? null } : null,
    created_at: e.created_at,
    meta: e.meta ?? null,
    session_uuid: e.session_uuid ?? null,
    outcomes: {},
  };
  if (late) v.late = true;
  return v;
}
