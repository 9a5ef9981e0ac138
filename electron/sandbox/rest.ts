// The REST API of the sandbox (`/api/v1` and `/api/v1.1`), on the wire of reference
// §1: JSON:API-like records, the `errors[]` shape, vendor content types on `_search`,
// 201/204 statuses, and the two date-time formats (ISO on reads, "… UTC" on writes).

import { randomBytes } from 'node:crypto';
import { invalid, SandboxError } from './errors.js';
import { fromRestArray, fromRestHash, parseSort, type Group } from './query.js';
import { pluralSnake, type EntityDef, type FieldDef } from './schema.js';
import { utcSpaced, type Actor, type SandboxStore } from './store.js';
import type { Auth } from './auth.js';
import { EncodedEvents } from './rest-event-cache.js';

export interface RestRequest {
  method: string;
  /** Path after `/api/vX`, e.g. `/entity/Shot/_search`. */
  path: string;
  version: 'v1' | 'v1.1';
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RestReply {
  status: number;
  /** An object to JSON-encode, or JSON text already encoded (event pages: rest-event-cache.ts). */
  body?: unknown;
  headers?: Record<string, string>;
}

export const ARRAY_TYPE = 'application/vnd+shotgun.api3_array+json';
export const HASH_TYPE = 'application/vnd+shotgun.api3_hash+json';
const MAX_PAGE = 5000;

export const errorId = (): string => randomBytes(16).toString('hex');

/** `{"errors":[{id,status,code,title,source,detail,meta}]}` (docs/shotgrid-wire.md §1.5). */
export function errorBody(e: SandboxError): unknown {
  return {
    errors: [{ id: errorId(), status: e.status, code: e.code, title: e.title, source: e.source, detail: e.detail, meta: null }],
  };
}

const header = (req: RestRequest, name: string): string => {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};

const mediaType = (req: RestRequest): string => header(req, 'content-type').split(';')[0]!.trim().toLowerCase();

function jsonBody(req: RestRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  try {
    const v: unknown = JSON.parse(req.body.toString('utf8'));
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw invalid('Invalid JSON body');
  }
}

export class RestApi {
  private readonly events: EncodedEvents;

  constructor(
    private store: SandboxStore,
    private auth: Auth,
    private info: (version: string) => Record<string, unknown>,
    /** MB of event encodings kept (rest-event-cache.ts); default DEFAULT_EVENT_CACHE_MB. */
    eventCacheMb?: number,
  ) {
    const fields = store.schema.EventLogEntry?.fields ?? {};
    const links = Object.keys(fields).filter((k) => ['entity', 'multi_entity'].includes(fields[k]!.dataType));
    this.events = new EncodedEvents(links, eventCacheMb);
  }

  handle(req: RestRequest): RestReply {
    try {
      return this.route(req);
    } catch (e) {
      if (e instanceof SandboxError) return { status: e.status, body: errorBody(e) };
      throw e;
    }
  }

  private route(req: RestRequest): RestReply {
    const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    const base = `/api/${req.version}`;
    if (parts.length === 0 && req.method === 'GET') return { status: 200, body: { data: this.info(req.version) } };
    if (parts[0] === 'auth' && parts[1] === 'access_token' && parts.length === 2) {
      if (req.method !== 'POST') throw new SandboxError(405, 103, 'Method Not Allowed');
      return this.token(req);
    }
    const actor = this.auth.bearer(header(req, 'authorization'));
    if (parts[0] === 'entity') return this.entity(req, parts.slice(1), actor, base);
    if (parts[0] === 'schema' && req.method === 'GET') return this.schema(parts.slice(1), base);
    throw new SandboxError(404, 103, 'Not Found', {}, `No route for ${req.method} ${base}${req.path}`);
  }

  // ------------------------------------------------------------ auth (§1.2)

  private token(req: RestRequest): RestReply {
    const type = mediaType(req);
    const params = new URLSearchParams(req.query);
    if (req.body.length > 0) {
      if (type !== 'application/x-www-form-urlencoded') {
        throw new SandboxError(415, 103, `Unsupported Content-Type '${type || 'none'}'`, {
          content_type: 'application/x-www-form-urlencoded',
        });
      }
      for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) params.set(k, v);
    }
    const grant = params.get('grant_type');
    let actor: Actor;
    switch (grant) {
      case 'client_credentials':
        if (!params.get('client_id') || !params.get('client_secret')) throw invalid('Missing or invalid authentication arguments');
        actor = this.auth.script(params.get('client_id'), params.get('client_secret'));
        break;
      case 'password':
        if (!params.get('username') || !params.get('password')) throw invalid('Missing or invalid authentication arguments');
        actor = this.auth.user(params.get('username'), params.get('password'));
        break;
      case 'refresh_token':
      case 'refresh': // shotgun-nodejs and shotgrid-rs send "refresh" (docs/shotgrid-wire.md §1.2)
        actor = this.auth.useRefresh(params.get('refresh_token'));
        break;
      case 'session_token':
        if (!params.get('session_token')) throw invalid('Missing or invalid authentication arguments');
        actor = this.auth.session(params.get('session_token'));
        break;
      default:
        throw invalid(grant ? `Unsupported grant_type '${grant}'` : 'Missing or invalid authentication arguments');
    }
    // Optional on password and client_credentials: act as another user (docs/shotgrid-wire.md §1.2).
    const sudo = /^sudo_as_login:(.+)$/.exec(params.get('scope') ?? '');
    if (sudo && (grant === 'client_credentials' || grant === 'password')) actor = this.auth.sudo(actor, sudo[1]!);
    const sessionUuid = params.get('session_uuid');
    if (sessionUuid) actor = { ...actor, sessionUuid };
    return { status: 200, body: this.auth.issue(actor) };
  }

  // ------------------------------------------------------------ entities (§1.3)

  private entity(req: RestRequest, parts: string[], actor: Actor, base: string): RestReply {
    const m = req.method;
    if (parts[0] === '_batch' && parts.length === 1 && m === 'POST') return this.batch(req, actor, base);
    if (parts.length === 0) throw new SandboxError(404, 103, 'Not Found');
    const type = this.store.typeFromPath(parts[0]!);
    const plural = pluralSnake(type);
    if (parts.length === 1) {
      if (m === 'GET') return this.list(req, type, base);
      if (m === 'POST') return this.create(req, type, actor, base);
    }
    if (parts.length === 2 && parts[1] === '_search' && m === 'POST') return this.search(req, type, base);
    if (parts.length === 2 && parts[1] === '_summarize' && m === 'POST') return this.summarize(req, type, base);
    if (parts.length === 2 && /^\d+$/.test(parts[1]!)) {
      const id = Number(parts[1]);
      if (m === 'GET') {
        const fields = this.fieldsParam(req.query.get('fields'));
        const rec = this.store.read(type, id, fields, req.query.get('options[return_only]') === 'retired' ? 'retired' : 'active');
        if (!rec) throw new SandboxError(404, 104, 'Not Found', {}, `${type}: ${id} not found`);
        return { status: 200, body: { data: this.record(rec, base, false), links: { self: `${base}/entity/${plural}/${id}` } } };
      }
      if (m === 'PUT') {
        const data = jsonBody(req);
        // The update mode travels in the body; a query-string form is ignored, as on real sites.
        this.store.update(type, id, data, actor);
        const rec = this.store.read(type, id, this.fieldsParam(req.query.get('options[fields]')))!;
        return { status: 200, body: { data: this.record(rec, base, true), links: { self: `${base}/entity/${plural}/${id}` } } };
      }
      if (m === 'DELETE') {
        this.store.retire(type, id, actor);
        return { status: 204 };
      }
      if (m === 'POST') {
        if (req.query.get('revive') !== 'true') throw invalid('Use ?revive=true to revive a record.');
        const did = this.store.revive(type, id, actor);
        return {
          status: 200,
          body: { data: { type, id }, links: { self: `${base}/entity/${plural}/${id}` }, meta: { did_revive: did } },
        };
      }
    }
    throw new SandboxError(404, 103, 'Not Found', {}, `No route for ${m} ${base}/entity/${parts.join('/')}`);
  }

  private fieldsParam(v: unknown): string[] | null {
    if (v === undefined || v === null || v === '' || v === '*') return null;
    if (Array.isArray(v)) return v.map(String);
    return String(v)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  private page(raw: { size?: unknown; number?: unknown } | undefined): { size: number; number: number } {
    const size = raw?.size === undefined || raw.size === null || raw.size === '' ? 500 : Number(raw.size);
    const number = raw?.number === undefined || raw.number === null || raw.number === '' ? 1 : Number(raw.number);
    if (!Number.isInteger(size) || size > MAX_PAGE) {
      throw invalid('Request Parameters invalid.', { page: { size: [`size must be less than ${MAX_PAGE}`] } });
    }
    if (size < 1) throw invalid('Request Parameters invalid.', { page: { size: ['size must be greater than 0'] } });
    if (!Number.isInteger(number) || number < 1) {
      throw invalid('Request Parameters invalid.', { page: { number: ['number must be greater than 0'] } });
    }
    return { size, number };
  }

  /** `links.next` is present even on an empty page: clients must stop on a short page (§1.4). */
  private pageLinks(path: string, query: URLSearchParams, page: { size: number; number: number }): Record<string, string> {
    const at = (n: number) => {
      const q = new URLSearchParams(query);
      q.set('page[number]', String(n));
      q.set('page[size]', String(page.size));
      return `${path}?${q.toString()}`;
    };
    const links: Record<string, string> = { self: at(page.number), next: at(page.number + 1) };
    if (page.number > 1) links.prev = at(page.number - 1);
    return links;
  }

  private list(req: RestRequest, type: string, base: string): RestReply {
    const q = req.query;
    const def = this.store.entityDef(type);
    const conditions: Group['conditions'] = [];
    for (const [k, v] of q) {
      const mm = /^filter\[(.+)\]$/.exec(k);
      if (!mm) continue;
      // GET filters are equality; a comma list means `in` (docs/shotgrid-wire.md §1.3).
      const field = mm[1]!;
      const fd = def.fields[field.split('.').pop()!];
      const vals = v.split(',').map((x) => this.simpleValue(fd, x));
      conditions.push({ path: field, relation: vals.length > 1 ? 'in' : 'is', values: vals });
    }
    const page = this.page({ size: q.get('page[size]') ?? undefined, number: q.get('page[number]') ?? undefined });
    const rows = this.store.find(type, {
      filters: { op: 'and', conditions },
      fields: this.fieldsParam(q.get('fields')),
      sort: parseSort(this.store.schema, type, q.get('sort') ?? undefined),
      page,
      returnOnly: q.get('options[return_only]') === 'retired' ? 'retired' : 'active',
      includeArchivedProjects: q.get('options[include_archived_projects]') !== 'false',
    });
    return {
      status: 200,
      body: { data: rows.map((r) => this.record(r, base, false)), links: this.pageLinks(`${base}/entity/${pluralSnake(type)}`, q, page) },
    };
  }

  private simpleValue(fd: FieldDef | undefined, x: string): unknown {
    if (!fd) return x;
    if (['number', 'float', 'duration', 'percent', 'currency', 'timecode'].includes(fd.dataType)) return Number(x);
    if (fd.dataType === 'checkbox') return x === 'true';
    if (x === 'null') return null;
    return x;
  }

  private filtersFor(req: RestRequest, filters: unknown): Group {
    const type = mediaType(req);
    if (type === ARRAY_TYPE) return fromRestArray(filters ?? []);
    if (type === HASH_TYPE) return fromRestHash(filters ?? { logical_operator: 'and', conditions: [] });
    throw new SandboxError(415, 103, `Unsupported Content-Type '${type || 'none'}'`, { content_type: [ARRAY_TYPE, HASH_TYPE] });
  }

  private search(req: RestRequest, type: string, base: string): RestReply {
    this.store.entityDef(type);
    const filtersType = mediaType(req);
    if (filtersType !== ARRAY_TYPE && filtersType !== HASH_TYPE) this.filtersFor(req, null);
    const body = jsonBody(req);
    const q = req.query;
    // Clients differ on body vs query string for page/sort/fields: accept both (§1.3).
    const rawPage = (body.page as { size?: unknown; number?: unknown } | undefined) ?? {
      size: q.get('page[size]') ?? undefined,
      number: q.get('page[number]') ?? undefined,
    };
    const page = this.page(rawPage);
    const options = (body.options ?? {}) as Record<string, unknown>;
    const fields = this.fieldsParam(body.fields ?? q.get('fields') ?? undefined);
    const rows = this.store.find(type, {
      filters: this.filtersFor(req, body.filters),
      fields,
      sort: parseSort(this.store.schema, type, body.sort ?? q.get('sort') ?? undefined),
      page,
      returnOnly: (options.return_only ?? q.get('options[return_only]')) === 'retired' ? 'retired' : 'active',
      includeArchivedProjects: options.include_archived_projects !== false,
    });
    const links = this.pageLinks(`${base}/entity/${pluralSnake(type)}/_search`, new URLSearchParams(), page);
    // Events: each record's JSON kept from an earlier page (rest-event-cache.ts), the reply
    // text assembled from them, byte for byte what encoding the whole body gives. Dotted
    // fields read other rows' current values: those pages are encoded afresh.
    if (type === 'EventLogEntry' && !fields?.some((f) => f.includes('.'))) {
      const shape = `${base}\0${fields?.join(',') ?? '*'}`;
      const data = rows.map((r) => this.events.json(shape, r, () => JSON.stringify(this.record(r, base, false))));
      return { status: 200, body: `{"data":[${data.join(',')}],"links":${JSON.stringify(links)}}` };
    }
    return { status: 200, body: { data: rows.map((r) => this.record(r, base, false)), links } };
  }

  private summarize(req: RestRequest, type: string, base: string): RestReply {
    this.store.entityDef(type);
    const body = jsonBody(req);
    const filters = this.filtersFor(req, body.filters);
    const fields = body.summary_fields;
    if (
      !Array.isArray(fields) ||
      fields.some((f: { field?: unknown; type?: unknown } | null) => typeof f?.field !== 'string' || typeof f?.type !== 'string')
    ) {
      throw invalid('summary_fields must be a list of {field, type}.');
    }
    const grouping = Array.isArray(body.grouping) ? (body.grouping as Array<{ field: string; direction?: 'asc' | 'desc' }>) : undefined;
    const data = this.store.summarize(type, filters, fields as Array<{ field: string; type: string }>, grouping);
    return { status: 200, body: { data, links: { self: `${base}/entity/${pluralSnake(type)}/_summarize` } } };
  }

  private create(req: RestRequest, type: string, actor: Actor, base: string): RestReply {
    const row = this.store.create(type, jsonBody(req), actor);
    const rec = this.store.read(type, row.id, this.fieldsParam(req.query.get('options[fields]')))!;
    return {
      status: 201,
      body: { data: this.record(rec, base, true), links: { self: `${base}/entity/${pluralSnake(type)}/${row.id}` } },
    };
  }

  /** `_batch` is all-or-nothing; requests are `{request_type, entity, record_id, data, options}`. */
  private batch(req: RestRequest, actor: Actor, base: string): RestReply {
    const body = jsonBody(req);
    if (!Array.isArray(body.requests)) throw invalid('requests must be a list.', { requests: ['is required'] });
    const out = this.store.transaction(() =>
      (body.requests as Array<Record<string, unknown>>).map((r, i) => {
        const type = this.store.typeFromPath(String(r.entity ?? ''));
        const id = Number(r.record_id);
        const fields = this.fieldsParam((r.options as { fields?: unknown } | undefined)?.fields);
        switch (r.request_type) {
          case 'create': {
            const row = this.store.create(type, (r.data ?? {}) as Record<string, unknown>, actor);
            return this.record(this.store.read(type, row.id, fields)!, base, true);
          }
          case 'update':
            this.store.update(type, id, (r.data ?? {}) as Record<string, unknown>, actor);
            return this.record(this.store.read(type, id, fields)!, base, true);
          case 'delete':
            this.store.retire(type, id, actor);
            return { type, id };
          default:
            throw invalid(`requests[${i}].request_type must be create, update or delete.`);
        }
      }),
    );
    return { status: 200, body: { data: out } };
  }

  /** A flat store record → `{type, id, attributes, relationships, links}` (§1.4). */
  private record(rec: Record<string, unknown>, base: string, writeReply: boolean): Record<string, unknown> {
    const type = rec.type as string;
    const id = rec.id as number;
    const def = this.store.schema[type]!;
    const plural = pluralSnake(type);
    const attributes: Record<string, unknown> = {};
    const relationships: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec)) {
      if (k === 'type' || k === 'id') continue;
      const fd = k.includes('.') ? undefined : def.fields[k];
      if (fd && (fd.dataType === 'entity' || fd.dataType === 'multi_entity')) {
        const links: Record<string, string> = { self: `${base}/entity/${plural}/${id}/relationships/${k}` };
        const l = v as { type?: string; id?: number } | null;
        if (fd.dataType === 'entity' && l?.type) links.related = `${base}/entity/${pluralSnake(l.type)}/${l.id}`;
        relationships[k] = { data: v, links };
      } else if (writeReply && fd?.dataType === 'date_time' && typeof v === 'string') {
        // Create and update replies use "YYYY-MM-DD HH:MM:SS UTC" (§1.4).
        attributes[k] = utcSpaced(v);
      } else {
        attributes[k] = v;
      }
    }
    return { type, id, attributes, relationships, links: { self: `${base}/entity/${plural}/${id}` } };
  }

  // ------------------------------------------------------------ schema

  private schema(parts: string[], base: string): RestReply {
    const self = `${base}/schema${parts.length ? `/${parts.join('/')}` : ''}`;
    const entityInfo = (type: string) => ({
      name: { value: type, editable: false },
      visible: { value: true, editable: false },
    });
    if (parts.length === 0) {
      const data = Object.fromEntries(Object.keys(this.store.schema).map((t) => [t, entityInfo(t)]));
      return { status: 200, body: { data, links: { self } } };
    }
    const type = this.store.typeFromPath(parts[0]!);
    const def = this.store.entityDef(type);
    if (parts.length === 1) return { status: 200, body: { data: entityInfo(type), links: { self } } };
    if (parts[1] === 'fields' && parts.length === 2) {
      const data = Object.fromEntries(Object.entries(def.fields).map(([k, fd]) => [k, fieldSchema(type, def, k, fd)]));
      return { status: 200, body: { data, links: { self } } };
    }
    if (parts[1] === 'fields' && parts.length === 3) {
      const fd = def.fields[parts[2]!];
      if (!fd) throw invalid(`API schema_field_read() ${type}.${parts[2]} doesn't exist.`);
      return { status: 200, body: { data: fieldSchema(type, def, parts[2]!, fd), links: { self } } };
    }
    throw new SandboxError(404, 103, 'Not Found');
  }
}

/** A field in the shotgun_api3 `schema_field_read` shape. */
export function fieldSchema(type: string, def: EntityDef, name: string, fd: FieldDef): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    default_value: { value: fd.default ?? null, editable: false },
    summary_default: { value: 'none', editable: true },
  };
  if (fd.validTypes) properties.valid_types = { value: fd.validTypes, editable: true };
  if (fd.validValues) properties.valid_values = { value: fd.validValues, editable: true };
  return {
    name: { value: fd.label ?? name, editable: true },
    entity_type: { value: type, editable: false },
    data_type: { value: fd.dataType, editable: false },
    editable: { value: fd.editable !== false, editable: false },
    mandatory: { value: name === 'project' && def.projectRequired, editable: false },
    unique: { value: false, editable: false },
    visible: { value: true, editable: false },
    ui_value_displayable: { value: true, editable: false },
    description: { value: '', editable: true },
    properties,
  };
}
