// matchEvents with the original daemon's exact meaning, for `.py` plugins only (their
// behaviour must not change on migration; docs/plugins.md lists the differences from the
// TypeScript rules in match.ts):
// - falsy (None, {}) matches every event;
// - a '*' key, when present, is the ONLY rule looked at (other keys are ignored);
// - otherwise the event type must be a key, exactly;
// - its value None, or a value containing '*', accepts any attribute (events without one too);
// - else the event's attribute_name must be non-empty and `in` the value: membership for a
//   list, a SUBSTRING test for a string ('status' matches 'sg_status_list').

import type { MatchableEvent, Matcher, MatchRule } from '../match.js';
import type { CallbackInfo } from '../plugin-protocol.js';
import { compileMatch } from '../match.js';

type PyValue = string | readonly string[] | null | undefined;

/** The matcher for a callback: the original's rules for Python callbacks, match.ts's otherwise. */
export function compileCallbackMatch(info: Pick<CallbackInfo, 'matchEvents'> & { matchRules?: 'python' }): Matcher {
  return info.matchRules === 'python' ? compilePythonMatch(info.matchEvents) : compileMatch(info.matchEvents);
}

export function compilePythonMatch(matchEvents: unknown): Matcher {
  const m = (matchEvents ?? {}) as Record<string, PyValue>;
  if (typeof m !== 'object' || Array.isArray(m)) throw new TypeError('matchEvents must be a dict or None');
  const keys = Object.keys(m);
  const rules: MatchRule[] = keys.map((type) => ({ type, attributes: anyAttr(m[type]) ? null : toList(m[type]) }));
  const star = Object.hasOwn(m, '*');
  const ruleFor = (t: string): string | null => (star ? '*' : Object.hasOwn(m, t) ? t : null);
  const accepts = (value: PyValue, attr: string | null | undefined): boolean => {
    if (anyAttr(value)) return true;
    if (!attr) return false;
    return typeof value === 'string' ? value.includes(attr) : (value as readonly string[]).includes(attr);
  };
  return {
    rules,
    matches(event: MatchableEvent): boolean {
      if (keys.length === 0) return true;
      const k = ruleFor(event.event_type);
      return k !== null && accepts(m[k], event.attribute_name);
    },
    explain(event: MatchableEvent) {
      if (keys.length === 0) return { matched: true, reason: 'matchEvents is empty: every event matches (Python rules)' };
      const k = ruleFor(event.event_type);
      if (k === null) return { matched: false, reason: `no key is ${event.event_type} (keys: ${keys.join(', ')}; Python rules: exact keys)` };
      const v = m[k];
      const via = star ? "the '*' key (Python rules: it overrides every other key)" : `key ${k}`;
      if (accepts(v, event.attribute_name)) {
        const what = anyAttr(v)
          ? 'accepts any attribute'
          : typeof v === 'string'
            ? `contains ${event.attribute_name} as a substring of '${v}'`
            : `lists ${event.attribute_name}`;
        return { matched: true, reason: `${via} ${what}` };
      }
      return {
        matched: false,
        reason: event.attribute_name
          ? `${via}: attribute ${event.attribute_name} is not in ${JSON.stringify(v)}`
          : `${via}: the event has no attribute_name and the value lists attributes`,
      };
    },
    eventTypes(): string[] | null {
      if (keys.length === 0 || star) return null;
      return [...keys].sort();
    },
  };
}

function anyAttr(v: PyValue): boolean {
  return v === null || v === undefined || v.includes('*');
}

function toList(v: PyValue): string[] {
  return typeof v === 'string' ? [v] : [...(v as readonly string[])];
}
