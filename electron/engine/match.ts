// matchEvents: which events a callback wants. Same shape and meaning as the
// original (event type -> attribute names, '*' wildcard), validated when the
// callback registers so a bad filter is a clear error then, instead of a
// TypeError that killed the original's main loop mid-stream.
//
// Semantics (differences from the original's Callback.canProcess marked *):
// - null, undefined or {} matches every event.
// - An event matches when ANY rule whose key matches its event_type accepts
//   its attribute_name. * The original used ONLY the '*' entry when present,
//   so {'*': ['sg_status_list'], Shotgun_Note_New: null} ignored Note_New.
// - Keys: an exact event type (case-sensitive), '*' for any type, or * a glob
//   where '*' stands for any run of characters: 'Shotgun_*_Change'.
// - Values: null/undefined/'*' (or a list holding '*') accepts any attribute,
//   including none (_New, _Retirement, ... have no attribute_name).
//   A string is ONE attribute name, a list is several, matched exactly.
//   * The original tested `attribute_name in value`, a substring test for a
//   string ('status' matched 'sg_status_list'). A name may also be a glob
//   ('sg_*'); the original treated any string containing '*' as "anything".
// - Rejected at registration: non-object, non-string values or list items,
//   empty or blank keys/names, names with spaces or commas ('a, b' worked by
//   accident of substring matching in the original; it must now be ['a', 'b']),
//   and an empty list (it would never match: a silently dead plugin).

export class MatchEventsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatchEventsError';
  }
}

/** What plugins pass as `matchEvents`. */
export type MatchEvents = Record<string, string | readonly string[] | null | undefined> | null | undefined;

/** One validated rule; `attributes: null` accepts any attribute, or none. */
export interface MatchRule {
  type: string;
  attributes: readonly string[] | null;
}

/** The two fields a match looks at. */
export interface MatchableEvent {
  event_type: string;
  attribute_name?: string | null;
}

export interface Matcher {
  /** Validated rules in the order given; empty = every event matches. */
  readonly rules: readonly MatchRule[];
  matches(event: MatchableEvent): boolean;
  /** Why the event matches or not, for `explain` and the event detail panel. */
  explain(event: MatchableEvent): { matched: boolean; reason: string };
  /**
   * The exact event types that can match, sorted, or null when any type can
   * (no rules, a '*' key or a glob key). The poller pushes `event_type in [...]`
   * to the server only when every plugin returns a list.
   */
  eventTypes(): string[] | null;
}

/** Validate `matchEvents` and build its matcher. Throws MatchEventsError. */
export function compileMatch(matchEvents: unknown): Matcher {
  return new CompiledMatcher(validate(matchEvents));
}

/** One line for `check` output, e.g. "Shotgun_Task_Change: sg_status_list; *: any attribute". */
export function describeMatch(matcher: Matcher): string {
  if (matcher.rules.length === 0) return 'every event';
  return matcher.rules.map((r) => `${r.type}: ${r.attributes === null ? 'any attribute' : r.attributes.join(', ')}`).join('; ');
}

function validate(input: unknown): MatchRule[] {
  if (input === null || input === undefined) return [];
  if (typeof input !== 'object' || Array.isArray(input) || !isPlainObject(input)) {
    throw new MatchEventsError(
      `matchEvents must be an object like {Shotgun_Task_Change: ['sg_status_list']} (or null for every event), got ${show(input)}`,
    );
  }
  if (Object.getOwnPropertySymbols(input).length > 0) {
    throw new MatchEventsError('matchEvents keys must be event type strings, got a Symbol key');
  }
  return Object.entries(input).map(([type, value]) => {
    checkName(type, `matchEvents key ${JSON.stringify(type)}`, 'an event type such as Shotgun_Task_Change');
    return { type, attributes: validateValue(type, value) };
  });
}

function validateValue(type: string, value: unknown): readonly string[] | null {
  const where = `matchEvents[${JSON.stringify(type)}]`;
  if (value === null || value === undefined || value === '*') return null;
  if (typeof value === 'string') {
    checkName(value, where, 'an attribute name such as sg_status_list');
    return [value];
  }
  if (!Array.isArray(value)) {
    throw new MatchEventsError(`${where} must be null or '*' (any attribute), an attribute name, or a list of names, got ${show(value)}`);
  }
  if (value.length === 0) {
    throw new MatchEventsError(`${where} is an empty list, which matches no event; use null for any attribute`);
  }
  value.forEach((item, i) => {
    if (typeof item !== 'string') {
      throw new MatchEventsError(`${where}[${i}] must be an attribute name (a string), got ${show(item)}`);
    }
    checkName(item, `${where}[${i}]`, 'an attribute name such as sg_status_list');
  });
  const names = value as string[];
  return names.includes('*') ? null : [...new Set(names)];
}

function checkName(name: string, where: string, what: string): void {
  if (name === '') throw new MatchEventsError(`${where} is empty; expected ${what}`);
  if (/[\s,]/.test(name)) {
    const hint = name.includes(',') ? "; to name several, use a list: ['a', 'b']" : '';
    throw new MatchEventsError(`${where} contains spaces or commas; expected ${what}${hint}`);
  }
}

class CompiledMatcher implements Matcher {
  private readonly exact = new Map<string, AttributeTest>();
  private readonly patterns: Array<{ re: RegExp; test: AttributeTest }> = [];

  constructor(readonly rules: readonly MatchRule[]) {
    for (const rule of rules) {
      const test = compileAttributes(rule.attributes);
      if (rule.type.includes('*')) this.patterns.push({ re: globToRegExp(rule.type), test });
      else this.exact.set(rule.type, test);
    }
  }

  // Hot path: called for every event and plugin, so no allocation.
  matches(event: MatchableEvent): boolean {
    if (this.rules.length === 0) return true;
    const attr = event.attribute_name || null;
    const test = this.exact.get(event.event_type);
    if (test !== undefined && attributeOk(test, attr)) return true;
    for (const p of this.patterns) {
      if (p.re.test(event.event_type) && attributeOk(p.test, attr)) return true;
    }
    return false;
  }

  explain(event: MatchableEvent): { matched: boolean; reason: string } {
    if (this.rules.length === 0) return { matched: true, reason: 'matchEvents is empty: every event matches' };
    const attr = event.attribute_name || null;
    const typeRules = this.rules.filter((r) => (r.type.includes('*') ? globToRegExp(r.type).test(event.event_type) : r.type === event.event_type));
    if (typeRules.length === 0) {
      const keys = this.rules.map((r) => r.type).join(', ');
      return { matched: false, reason: `no key matches event type ${event.event_type} (keys: ${keys})` };
    }
    for (const rule of typeRules) {
      if (attributeOk(compileAttributes(rule.attributes), attr)) {
        const what = rule.attributes === null ? 'accepts any attribute' : `lists attribute ${attr}`;
        return { matched: true, reason: `key ${rule.type} matches ${event.event_type} and ${what}` };
      }
    }
    const lists = typeRules.map((r) => `${r.type}: [${(r.attributes ?? []).join(', ')}]`).join('; ');
    const reason =
      attr === null
        ? `${event.event_type} has no attribute_name, and the matching keys list attributes (${lists}); ` +
          `use null or '*' to accept events without one`
        : `attribute ${attr} is not listed by the matching keys (${lists})`;
    return { matched: false, reason };
  }

  eventTypes(): string[] | null {
    if (this.rules.length === 0 || this.patterns.length > 0) return null;
    return [...this.exact.keys()].sort();
  }
}

/** null = any attribute; otherwise exact names plus glob patterns. */
type AttributeTest = null | { names: ReadonlySet<string>; globs: readonly RegExp[] };

function compileAttributes(attributes: readonly string[] | null): AttributeTest {
  if (attributes === null) return null;
  return {
    names: new Set(attributes.filter((a) => !a.includes('*'))),
    globs: attributes.filter((a) => a.includes('*')).map(globToRegExp),
  };
}

function attributeOk(test: AttributeTest, attr: string | null): boolean {
  if (test === null) return true;
  if (attr === null) return false;
  if (test.names.has(attr)) return true;
  for (const re of test.globs) if (re.test(attr)) return true;
  return false;
}

/** '*' = any run of characters (including '_' and none); everything else literal. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const name: string = value.constructor?.name ?? 'object';
    return `${/^[AEIOU]/i.test(name) ? 'an' : 'a'} ${name}`;
  }
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}
