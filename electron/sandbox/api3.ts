// The legacy shotgun_api3 JSON-RPC wire (`POST /api3/json`, docs/shotgrid-wire.md §4), so tools
// built on shotgun_api3 (the Python event daemon, plugins, scripts) can be pointed at the
// sandbox unchanged. Transport-free: the HTTP server passes the decoded body and sends the
// returned object with status 200, as the real server does even for errors.
//
// Reply shapes follow what shotgun.py reads: `_call_rpc` unwraps `results` when present,
// `_response_errors` raises on `{exception: true, error_code}` (102 → AuthenticationFault),
// `find` reads `entities` plus `paging_info.entity_count | has_next_page`.

import type { Auth } from './auth.js';
import { invalid, SandboxError } from './errors.js';
import { fromApi3, fromRestArray, type Group, type SortKey } from './query.js';
import { fieldSchema } from './rest.js';
import type { Actor, FindQuery, MultiEntityMode, SandboxStore } from './store.js';

export interface Api3Deps {
  store: SandboxStore;
  auth: Auth;
  /** Site info; merged over the api3 defaults below (the real keys shotgun_api3 needs win if malformed). */
  serverInfo: () => Record<string, unknown>;
}

export interface Api3Fault {
  exception: true;
  message: string;
  error_code: number;
}

/** What `info` answers with no overrides: a v8.26 site (the version of the recorded exchanges, §1.1). */
export function defaultApi3Info(): Record<string, unknown> {
  return {
    // shotgun_api3 refuses servers below 2.4 and gates features (paging without counts,
    // include_archived_projects, image urls) on this triple.
    version: [8, 26, 0],
    full_version: [8, 26, 0, '8069'],
    user_authentication_method: 'default',
    s3_uploads_enabled: false,
    s3_direct_uploads_enabled: false,
    // find() pages by this (default 500 if absent).
    api_max_entities_per_page: 500,
    totango_site_id: null,
    totango_site_name: null,
  };
}

const fault = (message: string, code = 103): Api3Fault => ({ exception: true, message, error_code: code });

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Handles one decoded `/api3/json` body. Never throws: every failure becomes the
 * api3 fault object (HTTP 200), since shotgun_api3 only inspects `exception`.
 */
export function handleApi3(body: unknown, deps: Api3Deps): unknown {
  try {
    if (!isObj(body) || typeof body.method_name !== 'string') {
      return fault('Invalid request: expected {"method_name": ..., "params": [...]}.');
    }
    const method = body.method_name;
    const params = Array.isArray(body.params) ? body.params : [];
    if (method === 'info') return { results: info(deps) };
    const actor = authenticate(params[0], deps.auth);
    const args: unknown = params[1];
    // Own keys only: `toString` or `__proto__` must not resolve to Object.prototype members.
    const handler = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (!handler) return fault(`Unknown method '${method}'. The sandbox does not implement this API call.`);
    return { results: handler(args, actor, deps) };
  } catch (e) {
    if (e instanceof SandboxError) return fault(e.title, e.code);
    // A sandbox bug, not a client error; still a 200 fault so the client sees a message.
    return fault(`Internal sandbox error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function info(deps: Api3Deps): Obj {
  const merged: Obj = { ...defaultApi3Info(), ...deps.serverInfo() };
  const d = defaultApi3Info();
  // The REST server info speaks other shapes (`shotgun_version: "v8.26.0..."`); keep the
  // arrays and number shotgun_api3 parses even if the override supplies something else.
  if (!Array.isArray(merged.version)) merged.version = d.version;
  if (!Array.isArray(merged.full_version)) merged.full_version = d.full_version;
  if (typeof merged.api_max_entities_per_page !== 'number') merged.api_max_entities_per_page = d.api_max_entities_per_page;
  return merged;
}

// ---------------------------------------------------------------- auth

const authFault = (message: string) => new SandboxError(400, 102, message);

/** `_auth_params`: script, user, or session token; plus an optional session_uuid. */
function authenticate(raw: unknown, auth: Auth): Actor {
  if (!isObj(raw)) throw authFault('Missing authentication parameters.');
  let actor: Actor;
  if (raw.script_name !== undefined) {
    actor = auth.script(raw.script_name, raw.script_key);
  } else if (raw.user_login !== undefined) {
    actor = auth.user(raw.user_login, raw.user_password);
  } else if (typeof raw.session_token === 'string') {
    // Session tokens are the sandbox's REST access tokens (get_session_token hands one out).
    try {
      actor = auth.bearer(`Bearer ${raw.session_token}`);
    } catch {
      throw authFault('Invalid or expired session token.');
    }
  } else {
    throw authFault('Missing authentication parameters: expected script_name/script_key or user_login/user_password.');
  }
  // sudo_as_login is ignored: the sandbox has no permission model, and the events would
  // need the store to record `sudo_actual_user` (docs/shotgrid-wire.md §2.3). Writes stay attributed
  // to the authenticated actor.
  const uuid = raw.session_uuid;
  return typeof uuid === 'string' && uuid ? { ...actor, sessionUuid: uuid } : { ...actor };
}

// ---------------------------------------------------------------- methods

type Handler = (args: unknown, actor: Actor, deps: Api3Deps) => unknown;

const METHODS: Record<string, Handler> = {
  read: (args, _actor, { store }) => read(store, obj(args, 'read')),
  create: (args, actor, { store }) => create(store, obj(args, 'create'), actor),
  update: (args, actor, { store }) => update(store, obj(args, 'update'), actor),
  delete: (args, actor, { store }) => del(store, obj(args, 'delete'), actor),
  revive: (args, actor, { store }) => {
    const a = obj(args, 'revive');
    return store.revive(typeName(a, 'revive'), entityId(a, 'revive'), actor);
  },
  batch: (args, actor, { store }) => batch(store, args, actor),
  summarize: (args, _actor, { store }) => {
    const a = obj(args, 'summarize');
    const type = typeName(a, 'summarize');
    if (!Array.isArray(a.summaries)) throw invalid('API summarize() expects summaries: [{field, type}].');
    // include_archived_projects is not honoured here: store.summarize has no such option.
    return store.summarize(
      type,
      filtersOf(a.filters),
      a.summaries as Array<{ field: string; type: string }>,
      Array.isArray(a.grouping) ? (a.grouping as Array<{ field: string; type?: string; direction?: 'asc' | 'desc' }>) : undefined,
    );
  },
  schema_entity_read: (_args, _actor, { store }) => {
    const out: Obj = {};
    for (const type of Object.keys(store.schema)) out[type] = { name: { value: type, editable: false }, visible: { value: true, editable: false } };
    return out;
  },
  schema_read: (_args, _actor, { store }) => {
    const out: Obj = {};
    for (const type of Object.keys(store.schema)) out[type] = fieldsSchema(store, type);
    return out;
  },
  schema_field_read: (args, _actor, { store }) => {
    const a = obj(args, 'schema_field_read');
    const type = typeName(a, 'schema_field_read');
    if (typeof a.field_name === 'string') {
      if (!store.entityDef(type).fields[a.field_name]) throw invalid(`API schema_field_read() ${type}.${a.field_name} doesn't exist.`);
      return fieldsSchema(store, type, [a.field_name]);
    }
    return fieldsSchema(store, type);
  },
  // Hands out a REST access token; it then authenticates api3 calls as `session_token`.
  get_session_token: (_args, actor, { auth }) => ({ session_id: auth.issue(actor).access_token }),
};

function obj(args: unknown, method: string): Obj {
  if (!isObj(args)) throw invalid(`API ${method}() expects an object of arguments.`);
  return args;
}

function typeName(a: Obj, method: string): string {
  if (typeof a.type !== 'string' || !a.type) throw invalid(`API ${method}() missing 'type' parameter.`);
  return a.type;
}

function entityId(a: Obj, method: string): number {
  if (typeof a.id !== 'number' || !Number.isInteger(a.id)) throw invalid(`API ${method}() missing or invalid 'id' parameter.`);
  return a.id;
}

/** `[{field_name, value, multi_entity_update_mode?}]` → data + per-field modes. */
function fieldList(raw: unknown, method: string): { data: Obj; modes: Record<string, MultiEntityMode> } {
  if (raw === undefined || raw === null) return { data: {}, modes: {} };
  if (!Array.isArray(raw)) throw invalid(`API ${method}() expects fields: [{field_name, value}].`);
  const data: Obj = {};
  const modes: Record<string, MultiEntityMode> = {};
  for (const f of raw) {
    if (!isObj(f) || typeof f.field_name !== 'string') throw invalid(`API ${method}() invalid field entry ${JSON.stringify(f)}.`);
    data[f.field_name] = f.value === undefined ? null : f.value;
    const mode = f.multi_entity_update_mode;
    if (mode !== undefined) {
      if (mode !== 'set' && mode !== 'add' && mode !== 'remove') {
        throw invalid(`API ${method}() ${f.field_name}: multi_entity_update_mode must be set, add or remove.`);
      }
      modes[f.field_name] = mode;
    }
  }
  return { data, modes };
}

/**
 * shotgun.py always sends `{logical_operator, conditions}`; a bare list of triples (what
 * other clients and hand-written calls send) is accepted too rather than read as "no filters".
 */
const filtersOf = (f: unknown): Group => (Array.isArray(f) ? fromRestArray(f) : fromApi3(f));

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** api3 sorts → store keys; unknown or unsortable fields dropped, as the REST sort does (§6.8). */
function sortKeys(store: SandboxStore, type: string, sorts: unknown): SortKey[] {
  if (!Array.isArray(sorts)) return [];
  const fields = store.entityDef(type).fields;
  const keys: SortKey[] = [];
  for (const s of sorts) {
    if (!isObj(s)) continue;
    const field = typeof s.field_name === 'string' ? s.field_name : typeof s.column === 'string' ? s.column : null;
    if (!field) continue;
    const dt = fields[field]?.dataType;
    if (!dt || dt === 'serializable' || dt === 'multi_entity' || dt === 'image') continue;
    keys.push({ field, desc: String(s.direction ?? 'asc').toLowerCase() === 'desc' });
  }
  return keys;
}

function read(store: SandboxStore, a: Obj): Obj {
  const type = typeName(a, 'read');
  store.entityDef(type);
  const paging = isObj(a.paging) ? a.paging : {};
  const size = paging.entities_per_page ?? 500;
  const number = paging.current_page ?? 1;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw invalid('API read() paging.entities_per_page must be a positive integer.');
  }
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1) {
    throw invalid('API read() paging.current_page must be a positive integer.');
  }
  const returnOnly = a.return_only === 'retired' ? 'retired' : 'active';
  const returnFields = strings(a.return_fields);
  const q: FindQuery = {
    filters: filtersOf(a.filters),
    fields: returnFields.length ? returnFields : ['id'],
    sort: sortKeys(store, type, a.sorts),
    page: { size, number },
    returnOnly,
    // The server default is true; shotgun_api3 only sends it when false.
    includeArchivedProjects: a.include_archived_projects !== false,
  };
  const entities = store.find(type, q);
  let paging_info: Obj;
  if (a.return_paging_info_without_counts === true) {
    // One row past this page says whether there is a next one, without counting them all.
    const next = store.find(type, { ...q, fields: ['id'], page: { size: 1, number: size * number + 1 } });
    paging_info = { has_next_page: next.length > 0 };
  } else if (returnOnly === 'active' && q.includeArchivedProjects) {
    // The common case counts rows without projecting them.
    paging_info = { entity_count: store.count(type, q.filters) };
  } else {
    const all = store.find(type, { ...q, fields: ['id'], sort: [], page: { size: Number.MAX_SAFE_INTEGER, number: 1 } });
    paging_info = { entity_count: all.length };
  }
  // Date-times are stored as "%Y-%m-%dT%H:%M:%SZ" already, the api3 wire form (§4).
  return { entities, paging_info };
}

function create(store: SandboxStore, a: Obj, actor: Actor): Obj {
  const type = typeName(a, 'create');
  const { data } = fieldList(a.fields, 'create');
  const row = store.create(type, data, actor);
  // shotgun.py documents create() as returning the fields set plus return_fields.
  return store.output(row, [...Object.keys(data), ...strings(a.return_fields)]);
}

function update(store: SandboxStore, a: Obj, actor: Actor, legacyModes?: unknown): Obj {
  const type = typeName(a, 'update');
  const id = entityId(a, 'update');
  const { data, modes } = fieldList(a.fields, 'update');
  // Older clients sent one request-level `multi_entity_update_mode` map in batch().
  if (isObj(legacyModes)) {
    for (const [k, v] of Object.entries(legacyModes)) if (!(k in modes) && (v === 'set' || v === 'add' || v === 'remove')) modes[k] = v;
  }
  const row = store.update(type, id, data, actor, modes);
  // update() returns the fields updated plus type and id.
  return store.output(row, Object.keys(data));
}

/** Retire: a missing record is a fault; an already-retired one answers false (mockgun). */
function del(store: SandboxStore, a: Obj, actor: Actor): boolean {
  const type = typeName(a, 'delete');
  const id = entityId(a, 'delete');
  store.entityDef(type);
  const row = store.get(type, id);
  if (row?.retired) return false;
  store.retire(type, id, actor);
  return true;
}

/**
 * shotgun.py's batch() sends a list of `{request_type, type, fields?, return_fields?, id?}`
 * (the create/update/delete args plus request_type). All-or-nothing via store.transaction.
 */
function batch(store: SandboxStore, args: unknown, actor: Actor): unknown[] {
  if (!Array.isArray(args)) throw invalid('API batch() expects a list of requests.');
  return store.transaction(() =>
    args.map((r, i) => {
      if (!isObj(r)) throw invalid(`API batch() request ${i} is not an object.`);
      switch (r.request_type) {
        case 'create':
          return create(store, r, actor);
        case 'update':
          return update(store, r, actor, r.multi_entity_update_mode);
        case 'delete':
          return del(store, r, actor);
        default:
          throw invalid(`Invalid request_type '${String(r.request_type)}' for batch`);
      }
    }),
  );
}

// ---------------------------------------------------------------- schema

/** `schema_read` / `schema_field_read`: `{field: {data_type: {value, editable}, ...}}`, shared with REST. */
function fieldsSchema(store: SandboxStore, type: string, names?: string[]): Obj {
  const def = store.entityDef(type);
  const out: Obj = {};
  for (const name of names ?? Object.keys(def.fields)) out[name] = fieldSchema(type, def, name, def.fields[name]!);
  return out;
}
