// Public surface of the ShotGrid REST client (plain Node; never imports `electron`).

export { Shotgun, MAX_PAGE_SIZE } from './client.js';
export type * from './client-options.js';
export type { PasswordCredentials, RefreshTokenCredentials, ScriptCredentials, ShotgunCredentials, TokenSet } from './auth.js';
export {
  AuthenticationError,
  BadRequestError,
  NetworkError,
  NotFoundError,
  PermissionError,
  ProtocolError,
  RateLimitError,
  ServerError,
  ShotgunError,
  UnsupportedMediaTypeError,
} from './errors.js';
export type { ShotgunErrorInit } from './errors.js';
export type { ConnectionEvent, ConnectionObserver, RetryOptions } from './transport.js';
export { DEFAULT_RETRY, parseRetryAfter } from './transport.js';
export { backoffDelay, delay, isRetriable } from '../retry.js';
export { isDateTimeString, normalizeDateTime, parseDateTime, toIsoUtc } from './dates.js';
export { ARRAY_FILTERS_CONTENT_TYPE, HASH_FILTERS_CONTENT_TYPE, buildSearchFilters, buildSort, normalizeTriple } from './filters.js';
export type { FilterInput, FilterOperator, SearchFilters } from './filters.js';
export { flattenRecord, flattenRecords } from './records.js';
export type { RestRecord } from './records.js';
export { EVENT_FIELDS } from './types.js';
export type {
  Entity,
  EntityRecord,
  EventLogEntry,
  Filter,
  FilterGroup,
  FilterTriple,
  HashCondition,
  OrderSpec,
  Relation,
  ShotgunErrorObject,
} from './types.js';
