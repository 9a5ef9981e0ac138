// Small helpers shared by the daemon integration tests (harness.ts has the site itself).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { makeSite, until, type Site } from './harness.js';

export interface LogEvent {
  id: number;
  event_type: string;
  attribute_name: string | null;
  user: { type: string; id: number; name?: string } | null;
}

/** Every EventLogEntry after `after`, in id order, read straight from the sandbox. */
export async function eventsAfter(site: Site, after: number): Promise<LogEvent[]> {
  return site.sg.find<LogEvent>(
    'EventLogEntry',
    [['id', 'greater_than', after]],
    ['id', 'event_type', 'attribute_name', 'user'],
    [{ field_name: 'id', direction: 'asc' }],
  );
}

export interface FieldChange {
  id: number;
  meta: { old_value?: unknown; new_value?: unknown; added?: Array<{ id: number }> };
}

/**
 * The events of changes to one entity's field after `after`, in id order. A test picks its own
 * change by what the event carries: traffic or another plugin may change the same field around
 * it (docs/testing.md, "Waiting").
 */
export async function fieldChanges(site: Site, entity: { type: string; id: number }, field: string, after = 0): Promise<FieldChange[]> {
  return site.sg.find<FieldChange>(
    'EventLogEntry',
    [
      ['id', 'greater_than', after],
      ['entity', 'is', entity],
      ['attribute_name', 'is', field],
    ],
    ['id', 'meta'],
    [{ field_name: 'id', direction: 'asc' }],
  );
}

/** The daemon's JSON state file (harness config: eventIdFile = state/daemon.id). */
export function statePath(site: Site): string {
  return path.join(site.dir, 'state', 'daemon.id.json');
}

export interface StateJson {
  plugins: Record<string, { lastId: number; gaps: Array<{ id: number }>; failed: Array<{ eventId: number; error: string }> }>;
  headId?: number;
}

export function readState(site: Site, f = statePath(site)): StateJson | null {
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as StateJson;
  } catch {
    return null; // mid-rename on some filesystems: try again
  }
}

/** Waits until each named plugin's saved cursor reached `id` (it walked past everything up to it). */
export async function cursorsReach(site: Site, names: string[], id: number, timeoutMs = 15_000, file = statePath(site)): Promise<void> {
  await until(
    () => {
      const s = readState(site, file);
      return !!s && names.every((n) => (s.plugins[n]?.lastId ?? -1) >= id);
    },
    `cursors of ${names.join(', ')} at ${id} (state: ${JSON.stringify(readState(site, file)?.plugins)})`,
    timeoutMs,
  );
}

/**
 * Waits until each named plugin's saved cursor is at `id` with no gap owed: from then on
 * nothing up to `id` can be delivered again, so its records are final (no settling time).
 */
export async function settledAt(site: Site, names: string[], id: number, timeoutMs = 15_000): Promise<void> {
  await until(
    () => {
      const s = readState(site);
      return !!s && names.every((n) => s.plugins[n]?.lastId === id && s.plugins[n]?.gaps.length === 0);
    },
    `cursors of ${names.join(', ')} at ${id} with no gap (state: ${JSON.stringify(readState(site)?.plugins)})`,
    timeoutMs,
  );
}

export const ids = (site: Site, plugin: string): number[] => site.records(plugin).map((r) => r.id);

export const shotId = async (s: Site): Promise<number> => (await s.sg.findOne<{ id: number }>('Shot', [], ['id']))!.id;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One update of the shot's cut in = one event; returns its id. */
export async function writeCut(s: Site, shot: number, v: number): Promise<number> {
  const before = s.sandbox.store.lastEventId;
  await s.sg.update('Shot', shot, { sg_cut_in: v });
  if (s.sandbox.store.lastEventId !== before + 1) throw new Error(`one update made events ${before + 1}..${s.sandbox.store.lastEventId}`);
  return before + 1;
}

/** A plugin that registers nothing special: used to fill a plugins folder for config tests. */
export const NOOP_PLUGIN = `export function registerCallbacks(reg) {
  reg.registerCallback('plugins', 'plugins-key', () => {}, null, { matchEvents: null });
}
`;

/**
 * At most `n` holders at once: the cases of a `describe.concurrent` that each start a daemon
 * (a sandbox, a child process) overlap their waits without asking a 2-core machine for every
 * daemon at once. A queued case's wait counts against its test's timeout: give those tests
 * room (CONCURRENT_TIMEOUT).
 */
export class Slots {
  private queue: Array<() => void> = [];
  constructor(private free: number) {}

  /** Resolves once a slot is free, with the function that gives it back. */
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.queue.shift();
      if (next) next();
      else this.free++;
    };
  }
}

/** Per-test budget for a case that may queue behind others (Slots above). */
export const CONCURRENT_TIMEOUT = 180_000;

/**
 * A site for one test of a `describe.concurrent`: waits for a slot, and closes the site and
 * gives the slot back when the test ends (pass or fail).
 */
export async function siteInSlot(
  slots: Slots,
  onTestFinished: (fn: () => Promise<void>) => void,
  opts?: Parameters<typeof makeSite>[0],
): Promise<Site> {
  const release = await slots.acquire();
  try {
    const site = await makeSite(opts);
    onTestFinished(async () => {
      try {
        await site.close();
      } finally {
        release();
      }
    });
    return site;
  } catch (e) {
    release();
    throw e;
  }
}
