// How the plugin worker turns what a plugin threw into text: load errors, callback failures
// (without the worker's own stack frames), stray errors.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import type { LoadResult, SerializedError } from './plugin-protocol.js';

export const FORMAT = { colors: false, depth: 6, breakLength: 120 } as const;

export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return inspect(e, FORMAT);
}

// This worker's files (plugin-worker*.js, or the one bundle of them from the sources).
const SELF_PREFIX = path.join(path.dirname(fileURLToPath(import.meta.url.split('?')[0]!)), 'plugin-worker');

/** The stack without this worker's own frames (the plugin's frames are what matter). */
export function trimStack(stack: string): string {
  const lines = stack.split('\n');
  const i = lines.findIndex((l) => l.includes(SELF_PREFIX));
  return i > 0 ? lines.slice(0, i).join('\n') : stack;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error || (e !== null && typeof e === 'object' && typeof (e as Error).message === 'string')) {
    const err = e as Error;
    const out: SerializedError = { name: String(err.name ?? 'Error'), message: err.message || String(err.name ?? 'Error') };
    if (typeof err.stack === 'string') out.stack = trimStack(err.stack);
    return out;
  }
  return { message: `non-Error thrown: ${inspect(e, FORMAT)}` };
}

/** "message (at file:line)" for errors whose location is only in the stack (syntax errors). */
function errorSummary(e: unknown): { text: string; stack?: string } {
  if (!(e instanceof Error)) return { text: `non-Error thrown: ${inspect(e, FORMAT)}` };
  let text = `${e.name}: ${e.message}`;
  const first = e.stack?.split('\n', 1)[0] ?? '';
  const loc = /^((?:file:\/\/)?\/[^\s]*?|[A-Za-z]:\\[^\s]*?):(\d+)$/.exec(first.trim());
  if (e instanceof SyntaxError && loc && !text.includes(loc[1]!)) text += ` (at ${loc[1]}:${loc[2]})`;
  return e.stack ? { text, stack: trimStack(e.stack) } : { text };
}

export function loadError(headline: string, e: unknown): LoadResult {
  const { text, stack } = errorSummary(e);
  return stack ? { ok: false, error: `${headline}: ${text}`, detail: stack } : { ok: false, error: `${headline}: ${text}` };
}
