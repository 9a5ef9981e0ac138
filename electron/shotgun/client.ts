// The `Shotgun` class: the shotgun_api3 surface (camelCase) over the REST API (§1).
// One instance = one identity (script, user or refresh token) on one site, with its own
// keep-alive connection pool and token.

import { randomUUID } from 'node:crypto';
import { TokenManager } from './auth.js';
import { AuthenticationError, ProtocolError } from './errors.js';
import { buildSearchFilters, buildSort, type FilterInput, type FilterOperator } from './filters.js';
import { flattenRecord, flattenRecords, type RestRecord } from './records.js';
import { DEFAULT_RETRY, Transport, type HttpMethod, type HttpResponse } from './transport.js';
import type { EntityRecord, OrderSpec } from './types.js';
import type {
  ApiVersion,
  BatchRequest,
  FindOptions,
  Grouping,
  MultiEntityUpdateMode,
  RawRequestOptions,
  ShotgunOptions,
  SummarizeResult,
  SummaryField,
} from './client-options.js';
import { dataOf, fieldsQuery, outbound, projectQuery, recordId, recordOf, withUpdateModes } from './client-wire.js';

/** REST accepts page sizes 1..5000 (§3). */
export const MAX_PAGE_SIZE = 5000;
const DEFAULT_PAGE_SIZE = 500;
const SCHEMA_CONCURRENCY = 8;

export class Shotgun {
  readonly server: string;
  readonly apiVersion: ApiVersion;
  /** `${server}/api/${apiVersion}` */
  readonly baseUrl: string;
  private readonly transport: Transport;
  private readonly auth: TokenManager;
  private readonly pageSize: number;

  constructor(options: ShotgunOptions) {
    if (!options || typeof options.server !== 'string' || !/^https?:\/\//.test(options.server)) {
      throw new TypeError(`Shotgun needs options.server as an http(s) URL; got ${JSON.stringify(options?.server)}`);
    }
    this.server = options.server.replace(/\/+$/, '');
    this.apiVersion = options.apiVersion ?? 'v1.1';
    this.baseUrl = `${this.server}/api/${this.apiVersion}`;
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new RangeError(`pageSize must be an integer in 1..${MAX_PAGE_SIZE}`);
    }
    this.pageSize = pageSize;
    this.transport = new Transport({
      timeoutMs: options.timeoutMs ?? 60_000,
      userAgent: options.userAgent ?? `shotgun-events (node ${process.version})`,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      proxy: options.proxy,
      dispatcher: options.dispatcher,
      onConnectionEvent: options.onConnectionEvent,
    });
    this.auth = new TokenManager({
      credentials: options.credentials,
      tokenUrl: `${this.baseUrl}/auth/access_token`,
      server: this.server,
      transport: this.transport,
    });
  }

  // ---------------------------------------------------------------- reads

  /**
   * shotgun_api3 `find`. Without a limit (or with one above 5000) it pages until a short or
   * empty page; with a limit ≤ 5000 it makes exactly one request (the poller's case).
   * `links.next` is never followed: the server sends it even on empty pages (§1.4).
   */
  async find<T = EntityRecord>(
    entityType: string,
    filters: FilterInput,
    fields?: readonly string[],
    order?: readonly OrderSpec[],
    limit = 0,
    options: FindOptions = {},
  ): Promise<T[]> {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer; got ${limit}`);
    const { contentType, filters: wireFilters } = buildSearchFilters(filters, options.filterOperator);
    const body: {
      filters: unknown;
      fields: readonly string[] | '*';
      sort?: string;
      page: { size: number; number: number };
      options?: { return_only?: string; include_archived_projects?: boolean };
    } = {
      filters: wireFilters,
      fields: fields && fields.length > 0 ? fields : '*',
      page: { size: 0, number: 1 },
    };
    const sort = buildSort(order);
    if (sort) body.sort = sort;
    const returnOnly = options.returnOnly ?? (options.retiredOnly ? 'retired' : undefined);
    if (returnOnly !== undefined || options.includeArchivedProjects !== undefined) {
      body.options = {};
      if (returnOnly !== undefined) body.options.return_only = returnOnly;
      if (options.includeArchivedProjects !== undefined) body.options.include_archived_projects = options.includeArchivedProjects;
    }

    const withinOnePage = limit > 0 && limit <= MAX_PAGE_SIZE;
    let single: boolean;
    if (options.page !== undefined && options.page > 0) {
      if (!Number.isInteger(options.page)) throw new RangeError(`page must be a positive integer; got ${options.page}`);
      single = true;
      body.page = { size: withinOnePage ? limit : this.pageSize, number: options.page };
    } else if (withinOnePage) {
      single = true;
      body.page = { size: limit, number: 1 };
    } else {
      single = false;
      body.page = { size: limit > 0 ? MAX_PAGE_SIZE : this.pageSize, number: 1 };
    }

    const path = `/entity/${encodeURIComponent(entityType)}/_search`;
    const requestId = randomUUID();
    const out: EntityRecord[] = [];
    for (;;) {
      const res = await this.call('POST', path, { requestId, body: JSON.stringify(body), contentType, signal: options.signal });
      const rows = flattenRecords(dataOf(res, 'POST', this.baseUrl + path, requestId));
      for (const r of rows) out.push(r);
      if (single || rows.length < body.page.size) break;
      if (limit > 0 && out.length >= limit) break;
      body.page.number++;
    }
    if (limit > 0 && out.length > limit) out.length = limit;
    return out as T[];
  }

  /** shotgun_api3 `find_one`: the first match or null. */
  async findOne<T = EntityRecord>(
    entityType: string,
    filters: FilterInput,
    fields?: readonly string[],
    order?: readonly OrderSpec[],
    options: FindOptions = {},
  ): Promise<T | null> {
    const rows = await this.find<T>(entityType, filters, fields, order, 1, options);
    return rows[0] ?? null;
  }

  /** shotgun_api3 `summarize` (POST /entity/{type}/_summarize); returns {summaries, groups}. */
  async summarize(
    entityType: string,
    filters: FilterInput,
    summaryFields: readonly SummaryField[],
    filterOperator?: FilterOperator,
    grouping?: readonly Grouping[],
    options: { includeArchivedProjects?: boolean; signal?: AbortSignal } = {},
  ): Promise<SummarizeResult> {
    const { contentType, filters: wireFilters } = buildSearchFilters(filters, filterOperator);
    const body: Record<string, unknown> = { filters: wireFilters, summary_fields: summaryFields };
    if (grouping && grouping.length > 0) body.grouping = grouping;
    if (options.includeArchivedProjects !== undefined) body.options = { include_archived_projects: options.includeArchivedProjects };
    const path = `/entity/${encodeURIComponent(entityType)}/_summarize`;
    const requestId = randomUUID();
    const res = await this.call('POST', path, { requestId, body: JSON.stringify(body), contentType, signal: options.signal });
    const data = dataOf(res, 'POST', this.baseUrl + path, requestId) as Partial<SummarizeResult> | null;
    return { summaries: data?.summaries ?? {}, groups: data?.groups ?? [] };
  }

  // ---------------------------------------------------------------- writes

  /** shotgun_api3 `create` (POST /entity/{type} → 201); returns the flat record. */
  async create<T = EntityRecord>(entityType: string, data: Record<string, unknown>, returnFields?: readonly string[]): Promise<T> {
    const path = `/entity/${encodeURIComponent(entityType)}`;
    const query = returnFields && returnFields.length > 0 ? fieldsQuery(returnFields) : undefined;
    const requestId = randomUUID();
    const res = await this.call('POST', path, { requestId, query, body: JSON.stringify(outbound(data)), contentType: 'application/json' });
    const rec = flattenRecord(recordOf(res, 'POST', this.baseUrl + path, requestId));
    return (await this.withReturnFields(entityType, rec, returnFields)) as T;
  }

  /**
   * shotgun_api3 `update` (PUT /entity/{type}/{id}). `multiEntityUpdateModes` ('add' |
   * 'remove' | 'set' per multi-entity field) wraps those values as
   * {multi_entity_update_mode, value}, the REST form.
   */
  async update<T = EntityRecord>(
    entityType: string,
    id: number,
    data: Record<string, unknown>,
    multiEntityUpdateModes?: Record<string, MultiEntityUpdateMode>,
    returnFields?: readonly string[],
  ): Promise<T> {
    const path = `/entity/${encodeURIComponent(entityType)}/${recordId(id)}`;
    const query = returnFields && returnFields.length > 0 ? fieldsQuery(returnFields) : undefined;
    const requestId = randomUUID();
    const body = JSON.stringify(withUpdateModes(outbound(data), multiEntityUpdateModes));
    const res = await this.call('PUT', path, { requestId, query, body, contentType: 'application/json' });
    const rec = flattenRecord(recordOf(res, 'PUT', this.baseUrl + path, requestId));
    return (await this.withReturnFields(entityType, rec, returnFields)) as T;
  }

  /** shotgun_api3 `delete`: retires the record (DELETE → 204); true on success. */
  async delete(entityType: string, id: number): Promise<boolean> {
    await this.call('DELETE', `/entity/${encodeURIComponent(entityType)}/${recordId(id)}`, { requestId: randomUUID() });
    return true;
  }

  /** shotgun_api3 `revive`: true if the record was retired and is now live again. */
  async revive(entityType: string, id: number): Promise<boolean> {
    const res = await this.call('POST', `/entity/${encodeURIComponent(entityType)}/${recordId(id)}`, {
      requestId: randomUUID(),
      query: 'revive=true',
    });
    const meta = (res.body as { meta?: { did_revive?: unknown } } | undefined)?.meta;
    return meta?.did_revive === true;
  }

  /**
   * shotgun_api3 `batch` (POST /entity/_batch, transactional). Results in request order:
   * flat records for create/update, true for delete.
   */
  async batch(requests: readonly BatchRequest[]): Promise<Array<EntityRecord | boolean>> {
    if (requests.length === 0) return [];
    const wire = requests.map((r, i) => {
      if (r.request_type !== 'create' && r.request_type !== 'update' && r.request_type !== 'delete') {
        throw new TypeError(`batch request ${i}: request_type must be create, update or delete`);
      }
      if (typeof r.entity_type !== 'string' || r.entity_type === '') throw new TypeError(`batch request ${i}: entity_type is required`);
      // The REST name is `entity` (OpenAPI spec); shotgun_api3's `entity_type` is the input name.
      const item: Record<string, unknown> = { request_type: r.request_type, entity: r.entity_type };
      if (r.request_type !== 'create') {
        const id = r.record_id ?? r.entity_id;
        if (typeof id !== 'number') throw new TypeError(`batch request ${i}: ${r.request_type} needs entity_id`);
        item.record_id = id;
      }
      if (r.request_type !== 'delete') {
        item.data = withUpdateModes(outbound(r.data ?? {}), r.multi_entity_update_modes);
        if (r.return_fields && r.return_fields.length > 0) item.options = { fields: r.return_fields };
      }
      return item;
    });
    const requestId = randomUUID();
    const path = '/entity/_batch';
    const res = await this.call('POST', path, { requestId, body: JSON.stringify({ requests: wire }), contentType: 'application/json' });
    const data = dataOf(res, 'POST', this.baseUrl + path, requestId);
    if (!Array.isArray(data)) {
      throw new ProtocolError(`Expected data[] from POST ${this.baseUrl}${path}`, { requestId, method: 'POST', url: this.baseUrl + path });
    }
    return requests.map((r, i) => {
      const item = data[i] as RestRecord | null | undefined;
      if (r.request_type === 'delete') return true;
      return item && typeof item === 'object' ? flattenRecord(item) : { type: r.entity_type, id: r.record_id ?? r.entity_id ?? 0 };
    });
  }

  // ---------------------------------------------------------------- schema and info

  /** shotgun_api3 `schema_entity_read` (GET /schema): {EntityType: {name, visible...}}. */
  async schemaEntityRead(projectEntity?: { type: string; id: number }): Promise<Record<string, unknown>> {
    return (await this.getData('/schema', projectQuery(projectEntity))) as Record<string, unknown>;
  }

  /** shotgun_api3 `schema_field_read`: {field: {data_type, properties...}} for one type. */
  async schemaFieldRead(entityType: string, fieldName?: string, projectEntity?: { type: string; id: number }): Promise<Record<string, unknown>> {
    const base = `/schema/${encodeURIComponent(entityType)}/fields`;
    if (fieldName) {
      const one = await this.getData(`${base}/${encodeURIComponent(fieldName)}`, projectQuery(projectEntity));
      return { [fieldName]: one };
    }
    return (await this.getData(base, projectQuery(projectEntity))) as Record<string, unknown>;
  }

  /**
   * shotgun_api3 `schema_read`: every type's fields. REST has no single call for this, so it
   * is GET /schema plus one GET /schema/{Type}/fields per type, a few at a time.
   */
  async schemaRead(projectEntity?: { type: string; id: number }): Promise<Record<string, Record<string, unknown>>> {
    const types = Object.keys(await this.schemaEntityRead(projectEntity));
    const out: Record<string, Record<string, unknown>> = {};
    let next = 0;
    const worker = async () => {
      while (next < types.length) {
        const t = types[next++]!;
        out[t] = await this.schemaFieldRead(t, undefined, projectEntity);
      }
    };
    await Promise.all(Array.from({ length: Math.min(SCHEMA_CONCURRENCY, types.length) }, worker));
    // Keep the server's type order.
    const ordered: Record<string, Record<string, unknown>> = {};
    for (const t of types) ordered[t] = out[t]!;
    return ordered;
  }

  /** Server info (GET /api/{version}/, no authentication). */
  async info(): Promise<Record<string, unknown>> {
    const res = await this.call('GET', '/', { requestId: randomUUID(), auth: false });
    const b = res.body as { data?: unknown } | undefined;
    return ((b && typeof b === 'object' && 'data' in b ? b.data : b) ?? {}) as Record<string, unknown>;
  }

  // ---------------------------------------------------------------- escape hatch and lifecycle

  /**
   * Any other endpoint under the base URL, with the same auth, retries and errors; returns the
   * parsed JSON body (undefined when empty). `path` starts with "/", e.g. "/entity/Shot/12".
   */
  async request<T = unknown>(method: HttpMethod, path: string, opts: RawRequestOptions = {}): Promise<T> {
    const query =
      typeof opts.query === 'string'
        ? opts.query
        : opts.query
          ? new URLSearchParams(Object.entries(opts.query).map(([k, v]): [string, string] => [k, String(v)])).toString()
          : undefined;
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const res = await this.call(method, path, {
      requestId: randomUUID(),
      query,
      body,
      contentType: body === undefined ? undefined : (opts.contentType ?? 'application/json'),
      auth: opts.auth ?? true,
      signal: opts.signal,
    });
    return res.body as T;
  }

  /** Closes the connection pool (when this instance created it). */
  async close(): Promise<void> {
    await this.transport.close();
  }

  // ---------------------------------------------------------------- internals

  /** One logical call: bearer token, retries (transport), and one re-auth + replay on 401. */
  private async call(
    method: HttpMethod,
    path: string,
    o: {
      requestId: string;
      query?: string | undefined;
      body?: string | undefined;
      contentType?: string | undefined;
      auth?: boolean;
      signal?: AbortSignal | undefined;
    },
  ): Promise<HttpResponse> {
    const url = `${this.baseUrl}${path}${o.query ? `?${o.query}` : ''}`;
    const headers: Record<string, string> = {};
    if (o.contentType) headers['content-type'] = o.contentType;
    if (o.auth === false) {
      return this.transport.send({ method, url, requestId: o.requestId, headers, body: o.body, signal: o.signal });
    }
    for (let replayed = false; ; replayed = true) {
      const token = await this.auth.token(o.requestId);
      headers.authorization = `Bearer ${token}`;
      try {
        return await this.transport.send({ method, url, requestId: o.requestId, headers, body: o.body, signal: o.signal });
      } catch (err) {
        // Expired or revoked token: forget it, authenticate again (shared) and replay once.
        if (err instanceof AuthenticationError && err.status === 401) {
          if (!replayed) {
            this.auth.invalidate(token);
            this.transport.emit({
              kind: 'retry',
              requestId: o.requestId,
              method,
              url,
              attempt: 1,
              delayMs: 0,
              status: 401,
              reason: 'access token expired or revoked (HTTP 401)',
            });
            continue;
          }
          this.transport.emit({ kind: 'error', requestId: o.requestId, method, url, error: err });
        }
        throw err;
      }
    }
  }

  /**
   * Sites are reported to ignore `options[fields]` on writes and not to resolve dotted paths
   * there, so requested fields the reply lacks are read back (one extra request, only then).
   */
  private async withReturnFields(entityType: string, rec: EntityRecord, returnFields: readonly string[] | undefined): Promise<EntityRecord> {
    const missing = returnFields?.filter((f) => !(f in rec)) ?? [];
    if (missing.length === 0) return rec;
    const [extra] = await this.find(entityType, [['id', 'is', rec.id]], missing, undefined, 1);
    return extra ? { ...rec, ...extra } : rec;
  }

  private async getData(path: string, query: string | undefined): Promise<unknown> {
    const requestId = randomUUID();
    const res = await this.call('GET', path, { requestId, query });
    return dataOf(res, 'GET', this.baseUrl + path, requestId);
  }
}
