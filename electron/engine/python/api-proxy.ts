// Serves the stand-in `sg` of Python plugins (bridge.py's StandInShotgun): each call arrives
// over the pipe with shotgun_api3's argument names and runs on the engine's own client, one
// client per script name, key and session uuid. Results go back as JSON; bridge.py turns
// date-time strings into aware datetimes, as shotgun_api3 returns them.

import type { BatchRequest, Grouping, MultiEntityUpdateMode, SummaryField } from '../../shotgun/client-options.js';
import { Shotgun } from '../../shotgun/client.js';
import type { FilterInput } from '../../shotgun/filters.js';
import type { OrderSpec } from '../../shotgun/types.js';
import type { ShotgunConnectionSettings } from '../plugin-protocol.js';

export interface ApiCall {
  id: number;
  /** The base_url the plugin gave (the conf's server for the daemon's own sg). */
  server: string;
  script: string;
  key: string;
  session: string | null;
  method: string;
  args: Record<string, unknown>;
}

export type ApiReply =
  { t: 'reply'; id: number; ok: true; result: unknown } | { t: 'reply'; id: number; ok: false; error: { name: string; message: string } };

type Args = Record<string, unknown>;
type Entity = { type: string; id: number };

const METHODS: Record<string, (sg: Shotgun, a: Args) => Promise<unknown>> = {
  info: (sg) => sg.info(),
  find: (sg, a) =>
    sg.find(
      str(a.entity_type, 'entity_type'),
      (a.filters ?? []) as FilterInput,
      (a.fields ?? undefined) as string[] | undefined,
      order(a.order),
      int(a.limit ?? 0),
      {
        filterOperator: (a.filter_operator ?? undefined) as 'all' | 'any' | undefined,
        retiredOnly: a.retired_only === true,
        includeArchivedProjects: a.include_archived_projects !== false,
        ...(a.page ? { page: int(a.page) } : {}),
      },
    ),
  summarize: (sg, a) =>
    sg.summarize(
      str(a.entity_type, 'entity_type'),
      (a.filters ?? []) as FilterInput,
      (a.summary_fields ?? []) as SummaryField[],
      (a.filter_operator ?? undefined) as 'all' | 'any' | undefined,
      (a.grouping ?? undefined) as Grouping[] | undefined,
      { includeArchivedProjects: a.include_archived_projects !== false },
    ),
  create: (sg, a) => sg.create(str(a.entity_type, 'entity_type'), obj(a.data, 'data'), (a.return_fields ?? undefined) as string[] | undefined),
  update: (sg, a) =>
    sg.update(
      str(a.entity_type, 'entity_type'),
      int(a.entity_id),
      obj(a.data, 'data'),
      (a.multi_entity_update_modes ?? undefined) as Record<string, MultiEntityUpdateMode> | undefined,
    ),
  delete: (sg, a) => sg.delete(str(a.entity_type, 'entity_type'), int(a.entity_id)),
  revive: (sg, a) => sg.revive(str(a.entity_type, 'entity_type'), int(a.entity_id)),
  batch: (sg, a) => sg.batch((a.requests ?? []) as BatchRequest[]),
  schema_read: (sg, a) => sg.schemaRead((a.project_entity ?? undefined) as Entity | undefined),
  schema_entity_read: (sg, a) => sg.schemaEntityRead((a.project_entity ?? undefined) as Entity | undefined),
  schema_field_read: (sg, a) =>
    sg.schemaFieldRead(
      str(a.entity_type, 'entity_type'),
      (a.field_name ?? undefined) as string | undefined,
      (a.project_entity ?? undefined) as Entity | undefined,
    ),
};

export class ApiProxy {
  private clients = new Map<string, Shotgun>();

  constructor(private readonly settings: ShotgunConnectionSettings) {}

  async handle(call: ApiCall): Promise<ApiReply> {
    try {
      const fn = Object.hasOwn(METHODS, call.method) ? METHODS[call.method] : undefined;
      if (!fn) throw new TypeError(`the stand-in sg has no method ${call.method}`);
      const result = await fn(this.client(call), call.args ?? {});
      return { t: 'reply', id: call.id, ok: true, result: result === undefined ? null : result };
    } catch (e) {
      const err = e as Error;
      return { t: 'reply', id: call.id, ok: false, error: { name: err.name || 'Error', message: err.message } };
    }
  }

  private client(call: ApiCall): Shotgun {
    const server = typeof call.server === 'string' && /^https?:\/\//.test(call.server) ? call.server : this.settings.server;
    const k = JSON.stringify([server, call.script, call.key, call.session ?? '']);
    let sg = this.clients.get(k);
    if (!sg) {
      const s = this.settings;
      sg = new Shotgun({
        server,
        credentials: { scriptName: call.script, scriptKey: call.key, ...(call.session ? { sessionUuid: call.session } : {}) },
        ...(s.apiVersion ? { apiVersion: s.apiVersion } : {}),
        ...(s.proxy ? { proxy: s.proxy } : {}),
        ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
      });
      this.clients.set(k, sg);
    }
    return sg;
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new TypeError(`${what} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function int(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`expected an integer id or count, got ${JSON.stringify(v)}`);
  return v;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`${what} must be a dict`);
  return v as Record<string, unknown>;
}

function order(v: unknown): OrderSpec[] | undefined {
  return Array.isArray(v) && v.length ? (v as OrderSpec[]) : undefined;
}
