// The option and argument shapes of the `Shotgun` class (client.ts), and the REST API
// versions it speaks: types only, so the engine and config can name them without the
// client's HTTP machinery.

import type { Dispatcher } from 'undici';
import type { ShotgunCredentials } from './auth.js';
import type { FilterOperator } from './filters.js';
import type { ConnectionObserver, RetryOptions } from './transport.js';

/** The REST API versions the client speaks (the sandbox serves both). */
export const API_VERSIONS = ['v1', 'v1.1'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

export interface ShotgunOptions {
  /** The site, e.g. "https://studio.shotgrid.autodesk.com" (a trailing slash is fine). */
  server: string;
  credentials: ShotgunCredentials;
  /** Default 'v1.1'. */
  apiVersion?: ApiVersion;
  /** shotgun_api3 `proxy_server`, as a URL: "http://user:pass@proxy:3128". */
  proxy?: string;
  /** Per attempt, whole request including the body. Default 60000. */
  timeoutMs?: number;
  userAgent?: string;
  retry?: Partial<RetryOptions>;
  /** Page size when `find` pages without a limit. Default 500, at most 5000. */
  pageSize?: number;
  onConnectionEvent?: ConnectionObserver;
  /** Use this undici dispatcher instead of creating one (ignores `proxy`). */
  dispatcher?: Dispatcher;
}

export interface FindOptions {
  /** shotgun_api3 `retired_only`: same as returnOnly 'retired'. */
  retiredOnly?: boolean;
  returnOnly?: 'active' | 'retired';
  includeArchivedProjects?: boolean;
  /** 1-based page: fetch just that page (size = limit when limit ≤ 5000, else pageSize). */
  page?: number;
  /** How a list of filters combines; default 'all'. */
  filterOperator?: FilterOperator;
  signal?: AbortSignal;
}

export type MultiEntityUpdateMode = 'set' | 'add' | 'remove';

/** shotgun_api3 batch item (`entity_id`), REST names (`record_id`) accepted too. */
export interface BatchRequest {
  request_type: 'create' | 'update' | 'delete';
  entity_type: string;
  data?: Record<string, unknown>;
  entity_id?: number;
  record_id?: number;
  return_fields?: string[];
  multi_entity_update_modes?: Record<string, MultiEntityUpdateMode>;
}

export interface SummaryField {
  field: string;
  type: string;
}

export interface Grouping {
  field: string;
  type: string;
  direction?: 'asc' | 'desc';
}

export interface SummarizeResult {
  summaries: Record<string, unknown>;
  groups: unknown[];
}

export interface RawRequestOptions {
  /** Query string: an object (encoded for you) or a ready string without "?". */
  query?: Record<string, string | number | boolean> | string;
  /** Sent as JSON unless it is a string. */
  body?: unknown;
  /** Default application/json when there is a body. */
  contentType?: string;
  /** Default true; false sends no bearer token (e.g. server info). */
  auth?: boolean;
  signal?: AbortSignal;
}
