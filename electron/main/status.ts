// The app's overall status for the tray (running / paused / error / disconnected), and the
// desktop notifications: a plugin going to holding or load_error, the connection lost.
// Notifications are throttled per subject (default: one per plugin per 5 minutes).

import { exhaustive, type EngineView, type PluginState, type PluginView, type Snapshot, type Update } from '../contract.js';
import type { HostState } from './host.js';

export type OverallStatus = 'starting' | 'running' | 'paused' | 'error' | 'disconnected';

export const STATUS_LABEL: Record<OverallStatus, string> = {
  starting: 'Starting',
  running: 'Running',
  paused: 'Paused',
  error: 'Error',
  disconnected: 'Disconnected',
};

export const STATUS_COLOR: Record<OverallStatus, string> = {
  starting: '#4a86e8',
  running: '#2e9d4f',
  paused: '#d9a400',
  error: '#d0342c',
  disconnected: '#8a8f98',
};

const PROBLEM_STATES: ReadonlySet<PluginState> = new Set(['holding', 'load_error']);

export function overallStatus(host: HostState, engine: EngineView | null, plugins: Iterable<PluginView>): OverallStatus {
  if (host === 'failed') return 'error';
  if (!engine || host === 'idle' || host === 'stopped' || host === 'stopping') return 'starting';
  if (engine.connection === 'retrying' || engine.connection === 'error') return 'disconnected';
  let problem = false;
  for (const p of plugins) if (PROBLEM_STATES.has(p.state)) problem = true;
  if (problem) return 'error';
  if (engine.paused) return 'paused';
  if (engine.connection === 'connecting') return 'starting';
  return 'running';
}

export interface Notice {
  /** Throttle key: `plugin:<name>` or `connection`. */
  key: string;
  title: string;
  body: string;
}

/** At most one notice per key per `windowMs`. */
export class Throttle {
  private last = new Map<string, number>();
  constructor(
    private readonly windowMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}
  allow(key: string): boolean {
    const t = this.now();
    const prev = this.last.get(key);
    if (prev !== undefined && t - prev < this.windowMs) return false;
    this.last.set(key, t);
    return true;
  }
}

/**
 * Follows the update stream (and snapshots) to know the overall status and to turn
 * transitions into notices: the status callback fires only when the status changes.
 */
export class StatusTracker {
  private engine: EngineView | null = null;
  private plugins = new Map<string, PluginView>();
  private host: HostState = 'idle';
  private hostError: string | null = null;
  private current: OverallStatus = 'starting';

  constructor(
    private readonly onStatus: (s: OverallStatus) => void,
    private readonly onNotice: (n: Notice) => void,
  ) {}

  get status(): OverallStatus {
    return this.current;
  }
  get engineView(): EngineView | null {
    return this.engine;
  }
  get error(): string | null {
    return this.hostError;
  }

  /** A fresh snapshot (engine started or restarted): no notices for what it shows. */
  reset(snapshot: Snapshot | null): void {
    this.engine = snapshot?.engine ?? null;
    this.plugins = new Map((snapshot?.plugins ?? []).map((p) => [p.name, p]));
    this.recompute();
  }

  setHost(state: HostState, error: string | null): void {
    const wasFailed = this.host === 'failed';
    this.host = state;
    this.hostError = error;
    if (state === 'failed' && !wasFailed && error) this.onNotice({ key: 'engine', title: 'Shotgun Events stopped', body: error });
    this.recompute();
  }

  update(u: Update): void {
    switch (u.kind) {
      case 'engine': {
        const before = this.engine?.connection;
        const after = u.engine.connection;
        if (before === 'connected' && (after === 'retrying' || after === 'error')) {
          this.onNotice({
            key: 'connection',
            title: 'ShotGrid connection lost',
            body: `${u.engine.site}: ${u.engine.connectionError ?? 'no answer'}. Retrying…`,
          });
        }
        this.engine = u.engine;
        break;
      }
      case 'plugin': {
        const before = this.plugins.get(u.plugin.name)?.state;
        const after = u.plugin.state;
        if (PROBLEM_STATES.has(after) && before !== after) {
          this.onNotice({
            key: `plugin:${u.plugin.name}`,
            title: after === 'holding' ? `Plugin ${u.plugin.name} is holding an event` : `Plugin ${u.plugin.name} failed to load`,
            body:
              after === 'holding'
                ? `Event ${u.plugin.held?.eventId ?? '?'}: ${u.plugin.held?.error ?? u.plugin.error ?? 'callback failed'}`
                : (u.plugin.error ?? 'load error'),
          });
        }
        this.plugins.set(u.plugin.name, u.plugin);
        break;
      }
      case 'pluginRemoved':
        this.plugins.delete(u.name);
        break;
      case 'events':
      case 'outcome':
      case 'logs':
      case 'audit':
      case 'trend':
        return;
      default:
        exhaustive(u);
        return;
    }
    this.recompute();
  }

  private recompute(): void {
    const s = overallStatus(this.host, this.engine, this.plugins.values());
    if (s !== this.current) {
      this.current = s;
      this.onStatus(s);
    }
  }
}
