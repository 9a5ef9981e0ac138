// Unknown sections and keys in a config file: warnings, never errors, so that
// fork-specific files ([sentry], [database_log], ...) still load; a near miss
// of a known key gets a "did you mean" hint.

import type { IniSection } from './configparser.js';

/** Known keys per section, canonical spelling (matching is case-insensitive). */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  daemon: [
    'pidFile',
    'eventIdFile',
    'logMode',
    'logPath',
    'logFile',
    'logging',
    'timing_log',
    'conn_retry_sleep',
    'max_conn_retries',
    'fetch_interval',
    'max_event_batch_size',
    'backlog_timeout',
    'retry_backoff',
    'callback_timeout',
    'ignore_own_events',
    'plugin_buffer_limit',
  ],
  shotgun: ['server', 'name', 'key', 'proxy_server', 'use_session_uuid', 'api_version', 'timeout'],
  plugins: ['paths', 'python'],
  emails: ['enabled', 'server', 'port', 'from', 'to', 'subject', 'useTLS', 'username', 'password'],
};

export function checkUnknown(sections: Map<string, IniSection>, file: string, warnings: string[]): void {
  for (const [id, section] of sections) {
    if (id === 'default') continue; // [DEFAULT] holds fallbacks and %(name)s helpers
    const known = KNOWN_KEYS[id];
    if (!known) {
      warnings.push(`unknown section [${section.name}] (in ${file}:${section.line}), ignored`);
      continue;
    }
    const lower = new Set(known.map((k) => k.toLowerCase()));
    for (const [key, entry] of section.entries) {
      if (lower.has(key)) continue;
      const hint = suggest(entry.name, known);
      warnings.push(`unknown key [${section.name}] ${entry.name} (in ${file}:${entry.line}), ignored` + (hint ? `; did you mean ${hint}?` : ''));
    }
  }
}

/** A known key that differs only by case/underscores or by a small typo. */
function suggest(name: string, known: readonly string[]): string | null {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  let best: string | null = null;
  let bestDistance = 3;
  for (const k of known) {
    const d = norm(k) === norm(name) ? 0 : editDistance(norm(k), norm(name));
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
