// How the `Shotgun` class (client.ts) shapes what goes on the wire and checks what comes
// back: unwrapping {"data": ...} replies into typed ProtocolErrors, query strings, and
// outbound values (dates, multi-entity update modes).

import { toIsoUtc } from './dates.js';
import { ProtocolError } from './errors.js';
import type { RestRecord } from './records.js';
import type { HttpResponse } from './transport.js';
import type { MultiEntityUpdateMode } from './client-options.js';

export function dataOf(res: HttpResponse, method: string, url: string, requestId: string): unknown {
  const b = res.body;
  if (!b || typeof b !== 'object' || !('data' in b)) {
    throw new ProtocolError(`Expected {"data": ...} from ${method} ${url}`, {
      status: res.status,
      requestId,
      serverRequestId: res.serverRequestId,
      method,
      url,
    });
  }
  return b.data;
}

export function recordOf(res: HttpResponse, method: string, url: string, requestId: string): RestRecord {
  const d = dataOf(res, method, url, requestId) as RestRecord | null;
  if (!d || typeof d !== 'object' || typeof d.type !== 'string' || typeof d.id !== 'number') {
    throw new ProtocolError(`Expected a record {type, id, ...} from ${method} ${url}`, {
      status: res.status,
      requestId,
      serverRequestId: res.serverRequestId,
      method,
      url,
    });
  }
  return d;
}

export function recordId(id: number): number {
  if (!Number.isInteger(id) || id <= 0) throw new TypeError(`record id must be a positive integer; got ${id}`);
  return id;
}

export function fieldsQuery(fields: readonly string[]): string {
  return new URLSearchParams({ 'options[fields]': fields.join(',') }).toString();
}

export function projectQuery(project: { type: string; id: number } | undefined): string | undefined {
  return project ? `project_id=${recordId(project.id)}` : undefined;
}

/** Values as the server takes them: Dates (alone or in a list) become ISO UTC strings. */
export function outbound(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in data) {
    const v = data[key];
    out[key] = v instanceof Date ? toIsoUtc(v) : Array.isArray(v) ? (v as unknown[]).map((x) => (x instanceof Date ? toIsoUtc(x) : x)) : v;
  }
  return out;
}

export function withUpdateModes(data: Record<string, unknown>, modes: Record<string, MultiEntityUpdateMode> | undefined): Record<string, unknown> {
  if (!modes) return data;
  for (const field in modes) {
    const mode = modes[field];
    if (!(field in data)) continue;
    if (mode !== 'set' && mode !== 'add' && mode !== 'remove') {
      throw new TypeError(`multi_entity_update_mode for '${field}' must be set, add or remove; got ${JSON.stringify(mode)}`);
    }
    data[field] = { multi_entity_update_mode: mode, value: data[field] };
  }
  return data;
}
