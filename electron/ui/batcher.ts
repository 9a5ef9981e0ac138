// Coalesces the engine's update stream for a UI transport (IPC or WebSocket): at most one
// message every `intervalMs` (or sooner at `maxItems`), never one per event. Within a
// batch only the latest engine and plugin views matter; events, outcomes, logs and audit
// entries are kept in order.

import {
  exhaustive,
  type AuditEntry,
  type EngineView,
  type EventView,
  type LogLineView,
  type PluginView,
  type TrendPoint,
  type Update,
} from '../contract.js';

export interface BatcherOptions {
  intervalMs?: number;
  maxItems?: number;
}

export class UpdateBatcher {
  private engine: EngineView | null = null;
  private plugins = new Map<string, PluginView>();
  private removed = new Set<string>();
  private events: EventView[] = [];
  private outcomes: Array<Extract<Update, { kind: 'outcome' }>> = [];
  private logs: LogLineView[] = [];
  private audit: AuditEntry[] = [];
  private trends: TrendPoint[] = [];
  private count = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly maxItems: number;

  constructor(
    private send: (updates: Update[]) => void,
    opts: BatcherOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 100;
    this.maxItems = opts.maxItems ?? 2000;
  }

  push(u: Update): void {
    switch (u.kind) {
      case 'engine':
        this.engine = u.engine;
        break;
      case 'plugin':
        this.removed.delete(u.plugin.name);
        this.plugins.set(u.plugin.name, u.plugin);
        break;
      case 'pluginRemoved':
        this.plugins.delete(u.name);
        this.removed.add(u.name);
        break;
      case 'events':
        this.events.push(...u.events);
        this.count += u.events.length;
        break;
      case 'outcome':
        this.outcomes.push(u);
        this.count++;
        break;
      case 'logs':
        this.logs.push(...u.lines);
        this.count += u.lines.length;
        break;
      case 'audit':
        this.audit.push(u.entry);
        break;
      case 'trend':
        this.trends.push(u.point);
        break;
      default:
        exhaustive(u);
    }
    if (this.count >= this.maxItems) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
      this.timer.unref?.();
    }
  }

  /** Sends what is pending now (one message), if anything. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const out: Update[] = [];
    if (this.engine) out.push({ kind: 'engine', engine: this.engine });
    for (const name of this.removed) out.push({ kind: 'pluginRemoved', name });
    for (const plugin of this.plugins.values()) out.push({ kind: 'plugin', plugin });
    if (this.events.length) out.push({ kind: 'events', events: this.events });
    out.push(...this.outcomes);
    if (this.logs.length) out.push({ kind: 'logs', lines: this.logs });
    for (const entry of this.audit) out.push({ kind: 'audit', entry });
    for (const point of this.trends) out.push({ kind: 'trend', point });
    this.engine = null;
    this.plugins = new Map();
    this.removed = new Set();
    this.events = [];
    this.outcomes = [];
    this.logs = [];
    this.audit = [];
    this.trends = [];
    this.count = 0;
    if (out.length) this.send(out);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
