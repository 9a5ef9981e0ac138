// The engine's side of the UI commands (contract.ts): one handler per command, checked by
// the compiler (`CommandHandlers`), the cursor preview (where a target lands and how many
// events it replays), and the audit log of every user action, with who did it.

import { appendFile } from 'node:fs/promises';
import {
  dispatch,
  type AuditEntry,
  type CommandArgs,
  type CommandHandlers,
  type CommandName,
  type CommandResults,
  type CursorPreview,
  type CursorTarget,
  type SettingsView,
  type Snapshot,
} from '../contract.js';
import type { Shotgun } from '../shotgun/client.js';
import { EVENT_FIELDS, EVENT_ORDER, type EventLogEntry, type FilterTriple } from '../shotgun/types.js';
import { auditedAction } from './audit-actions.js';
import type { Logger } from './logging.js';
import type { PluginLifecycle } from './plugin-lifecycle.js';
import type { Poller } from './poller.js';
import type { PluginRunner } from './runner.js';
import { toView, type UiBuffers } from './ui-buffers.js';
import type { EventWindow } from './window.js';

const COUNT_PAGE = 5000;

export interface ControlOptions {
  sg: Shotgun;
  poller: Poller;
  window: EventWindow;
  plugins: PluginLifecycle;
  buffers: UiBuffers;
  log: Logger;
  /** Where audit entries are appended (JSON lines). */
  auditFile: string;
  /** The config file, named when a settings command is refused. */
  configPath: string;
  snapshot: () => Snapshot;
  settingsView: () => SettingsView;
  /** The engine view changed (pause all / resume all). */
  engineChanged: () => void;
}

export class Control {
  private readonly handlers: CommandHandlers<[source: string]>;

  constructor(private readonly o: ControlOptions) {
    const { plugins, buffers } = o;
    const runner = (name: string) => plugins.runner(name);
    /** A plugin command's result, after marking the plugin's view for the next UI flush. */
    const changed = <T>(plugin: string, v: T): T => {
      buffers.pluginChanged(plugin);
      return v;
    };
    const setAllPaused = (paused: boolean) => {
      for (const r of plugins.runners.values()) r.setPaused(paused);
      o.engineChanged();
      return Promise.resolve();
    };
    // The desktop app answers these in its main process (electron/main/host.ts); a daemon's settings are its config file.
    const notHere = (name: CommandName) => () =>
      Promise.reject(new Error(`${name} is not available here: this daemon's settings come from ${o.configPath}`));
    this.handlers = {
      snapshot: () => Promise.resolve(o.snapshot()),
      pauseAll: () => setAllPaused(true),
      resumeAll: () => setAllPaused(false),
      pause: async ({ plugin }) => changed(plugin, runner(plugin).setPaused(true)),
      resume: async ({ plugin }) => changed(plugin, runner(plugin).setPaused(false)),
      setEnabled: async ({ plugin, enabled }) => changed(plugin, runner(plugin).setEnabled(enabled)),
      previewCursor: ({ plugin, target }) => this.preview(plugin, target),
      setCursor: async ({ plugin, target }, source) => {
        const r = runner(plugin);
        if (r.state.enabled && !r.state.paused) throw new Error(`pause ${plugin} before moving its cursor`);
        const p = await this.preview(plugin, target);
        r.setCursor(p.after);
        await this.writeAudit({
          time: Date.now(),
          plugin,
          action: `set to ${describeTarget(target)}`,
          before: p.before,
          after: p.after,
          replayCount: p.replayCount,
          source,
        });
        return changed(plugin, p);
      },
      retryHeld: async ({ plugin }) => changed(plugin, runner(plugin).retryHeld()),
      skipHeld: async ({ plugin }, source) => {
        const r = runner(plugin);
        const before = r.cursor;
        const id = r.skipHeld();
        await this.writeAudit({ time: Date.now(), plugin, action: `skipped held event ${id}`, before, after: r.cursor, replayCount: null, source });
        return changed(plugin, undefined);
      },
      retryFailed: async ({ plugin, eventId }) => changed(plugin, await runner(plugin).retryFailed(await this.fetchEvent(eventId))),
      dismissFailed: async ({ plugin, eventId }) => changed(plugin, runner(plugin).dismissFailed(eventId)),
      replayEvent: async ({ plugin, eventId }, source) => {
        const r = runner(plugin);
        const event = await this.fetchEvent(eventId);
        o.log.info(`Replaying event ${event.id} to ${plugin} (${source}).`);
        return changed(plugin, await r.runOnce(event));
      },
      reload: async ({ plugin }) => changed(plugin, await plugins.reload(plugin)),
      getEvent: async ({ id }) => {
        let event = buffers.event(id);
        if (!event) {
          try {
            event = toView(await this.fetchEvent(id), false);
          } catch {
            event = null;
          }
        }
        return { event, logs: buffers.logsFor(id) };
      },
      getSettings: () => Promise.resolve(o.settingsView()),
      saveSettings: notHere('saveSettings'),
      testConnection: notHere('testConnection'),
      importConfig: notHere('importConfig'),
    };
  }

  /** Every UI command lands here, already validated by the transport; actions are audited with who did them. */
  async command<C extends CommandName>(name: C, args: CommandArgs<C>, source: string): Promise<CommandResults[C]> {
    const action = auditedAction(name, args);
    const r = action ? this.o.plugins.runners.get(action.plugin) : undefined;
    const before = r?.cursor ?? 0;
    const result = await dispatch(this.handlers, name, args, source);
    if (action)
      await this.writeAudit({
        time: Date.now(),
        plugin: action.plugin,
        action: action.text,
        before,
        after: r?.cursor ?? 0,
        replayCount: null,
        source,
      });
    return result;
  }

  private async fetchEvent(id: number): Promise<EventLogEntry> {
    const inWindow = this.o.window.get(id);
    if (inWindow) return inWindow;
    const rows = await this.o.sg.find<EventLogEntry>('EventLogEntry', [['id', 'is', id]], [...EVENT_FIELDS], EVENT_ORDER, 1);
    if (!rows[0]) throw new Error(`event ${id} does not exist (or is not committed yet)`);
    return rows[0];
  }

  /** The cursor a target means: the id of the last event considered processed. */
  private async resolveTarget(r: PluginRunner, target: CursorTarget): Promise<number> {
    const newest = this.o.window.head;
    switch (target.kind) {
      case 'latest':
        return Math.max(newest, await this.o.poller.latestId());
      case 'id':
        return target.id;
      case 'shift':
        return Math.max(0, Math.min(newest, r.cursor + target.by));
      case 'time': {
        // Everything created at or after the time is processed again.
        const rows = await this.o.sg.find<EventLogEntry>(
          'EventLogEntry',
          [['created_at', 'less_than', new Date(target.time).toISOString()]],
          ['id'],
          [{ field_name: 'id', direction: 'desc' }],
          1,
        );
        return rows[0]?.id ?? 0;
      }
    }
  }

  /** How many events the plugin would take (again) between the two cursors. */
  private async countBetween(r: PluginRunner, a: number, b: number): Promise<number> {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    if (lo === hi) return 0;
    const filters: FilterTriple[] = [['id', 'less_than', hi + 1]];
    const types = r.eventTypes();
    if (types) filters.push(['event_type', 'in', types.length ? types : ['-']]);
    // Count what the plugin's filters actually accept, page by page (ids and types only).
    let n = 0;
    let after = lo;
    for (;;) {
      const page = await this.o.sg.find<EventLogEntry>(
        'EventLogEntry',
        [['id', 'greater_than', after], ...filters],
        ['id', 'event_type', 'attribute_name', 'user'],
        EVENT_ORDER,
        COUNT_PAGE,
      );
      for (const e of page) if (r.accepts(e)) n++;
      if (page.length < COUNT_PAGE) break;
      after = page[page.length - 1]!.id;
    }
    return n;
  }

  private async preview(name: string, target: CursorTarget): Promise<CursorPreview> {
    const r = this.o.plugins.runner(name);
    const before = r.cursor;
    const after = await this.resolveTarget(r, target);
    const count = await this.countBetween(r, after, before);
    return { plugin: name, before, after, replayCount: after <= before ? count : -count };
  }

  private async writeAudit(entry: AuditEntry): Promise<void> {
    this.o.buffers.addAudit(entry);
    const cursor =
      entry.before !== entry.after || entry.replayCount !== null
        ? `: cursor ${entry.before} -> ${entry.after}${entry.replayCount !== null ? ` (${entry.replayCount} events)` : ''}`
        : '';
    this.o.log.warning(`Audit: ${entry.plugin === '*' ? 'all plugins' : entry.plugin} ${entry.action}${cursor} by ${entry.source}`);
    try {
      await appendFile(this.o.auditFile, `${JSON.stringify(entry)}\n`);
    } catch (e) {
      this.o.log.error(`Cannot write the audit log ${this.o.auditFile}: ${(e as Error).message}`);
    }
  }
}

function describeTarget(t: CursorTarget): string {
  switch (t.kind) {
    case 'latest':
      return 'latest';
    case 'id':
      return `event id ${t.id}`;
    case 'time':
      return `time ${t.time}`;
    case 'shift':
      return `shift by ${t.by}`;
  }
}
