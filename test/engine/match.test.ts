import { describe, expect, it } from 'vitest';
import { compileMatch, describeMatch, MatchEventsError, type MatchableEvent } from '../../electron/engine/match.js';

const ev = (event_type: string, attribute_name: string | null = null): MatchableEvent => ({ event_type, attribute_name });
const taskStatus = ev('Shotgun_Task_Change', 'sg_status_list');
const noteNew = ev('Shotgun_Note_New');

/**
 * A line-by-line port of the original Callback.canProcess (shotgunEventDaemon.py),
 * to show each behaviour we changed. JS `includes` on a string or an array
 * behaves like Python's `in` on a str or a list.
 */
function originalCanProcess(matchEvents: Record<string, string | string[] | null> | null, event: MatchableEvent): boolean {
  if (!matchEvents || Object.keys(matchEvents).length === 0) return true;
  let eventType: string;
  if ('*' in matchEvents) {
    eventType = '*';
  } else {
    eventType = event.event_type;
    if (!(eventType in matchEvents)) return false;
  }
  const attributes = matchEvents[eventType];
  if (attributes === null || attributes === undefined || attributes.includes('*')) return true;
  if (event.attribute_name && attributes.includes(event.attribute_name)) return true;
  return false;
}

describe('compileMatch: the original meaning', () => {
  it.each([null, undefined, {}])('matches every event when matchEvents is %j', (m) => {
    const matcher = compileMatch(m);
    expect(matcher.matches(taskStatus)).toBe(true);
    expect(matcher.matches(noteNew)).toBe(true);
    expect(matcher.eventTypes()).toBeNull();
    expect(matcher.rules).toEqual([]);
    expect(describeMatch(matcher)).toBe('every event');
  });

  it('matches an event type with listed attributes', () => {
    const m = compileMatch({ Shotgun_Task_Change: ['sg_status_list', 'task_assignees'] });
    expect(m.matches(taskStatus)).toBe(true);
    expect(m.matches(ev('Shotgun_Task_Change', 'task_assignees'))).toBe(true);
    expect(m.matches(ev('Shotgun_Task_Change', 'content'))).toBe(false);
    expect(m.matches(ev('Shotgun_Shot_Change', 'sg_status_list'))).toBe(false);
  });

  it('compares event types case-sensitively', () => {
    expect(compileMatch({ Shotgun_Task_Change: null }).matches(ev('shotgun_task_change'))).toBe(false);
  });

  it.each([null, undefined, '*', ['*'], ['sg_status_list', '*']])('a value of %j accepts any attribute, including none', (value) => {
    const m = compileMatch({ Shotgun_Task_New: value, Shotgun_Task_Change: value });
    expect(m.matches(ev('Shotgun_Task_New'))).toBe(true);
    expect(m.matches(ev('Shotgun_Task_Change', 'content'))).toBe(true);
    expect(m.rules[0]!.attributes).toBeNull();
  });

  it('a list does not match events without an attribute (_New, _Retirement, ...)', () => {
    const m = compileMatch({ Shotgun_Note_New: ['content'] });
    expect(m.matches(noteNew)).toBe(false);
    expect(m.matches(ev('Shotgun_Note_New', ''))).toBe(false); // '' is "no attribute", as in Python
    expect(m.matches({ event_type: 'Shotgun_Note_New' })).toBe(false); // field absent
  });

  it("a '*' key alone matches every type", () => {
    const m = compileMatch({ '*': ['sg_status_list'] });
    expect(m.matches(taskStatus)).toBe(true);
    expect(m.matches(ev('Shotgun_Shot_Change', 'sg_status_list'))).toBe(true);
    expect(m.matches(ev('Shotgun_Shot_Change', 'code'))).toBe(false);
    expect(m.eventTypes()).toBeNull();
  });
});

describe("compileMatch: the original's bugs, not kept", () => {
  it("a '*' key no longer overrides the other keys", () => {
    // Original: if '*' is a key, ONLY matchEvents['*'] is consulted, so the
    // Note_New entry below was dead and Note_New never matched.
    const spec = { '*': ['sg_status_list'], Shotgun_Note_New: null };
    expect(originalCanProcess(spec, noteNew)).toBe(false);
    const m = compileMatch(spec);
    expect(m.matches(noteNew)).toBe(true); // via its own key
    expect(m.matches(taskStatus)).toBe(true); // via '*'
    expect(m.matches(ev('Shotgun_Task_Change', 'content'))).toBe(false);
  });

  it('a string value is one exact attribute name, not a substring', () => {
    // Original: `attribute_name in "task_assignees"` is a substring test, so
    // 'task' or 'assignees' matched; the shipped examples use strings.
    const spec = { Shotgun_Task_Change: 'task_assignees' };
    expect(originalCanProcess(spec, ev('Shotgun_Task_Change', 'task'))).toBe(true);
    expect(originalCanProcess(spec, ev('Shotgun_Task_Change', 'assignees'))).toBe(true);
    const m = compileMatch(spec);
    expect(m.matches(ev('Shotgun_Task_Change', 'task'))).toBe(false);
    expect(m.matches(ev('Shotgun_Task_Change', 'assignees'))).toBe(false);
    expect(m.matches(ev('Shotgun_Task_Change', 'task_assignees'))).toBe(true);
  });

  it("a string merely containing '*' no longer matches everything: it is a glob", () => {
    // Original: "*" in "sg_*" is true for a string, so any attribute matched.
    const spec = { Shotgun_Task_Change: 'sg_*' };
    expect(originalCanProcess(spec, ev('Shotgun_Task_Change', 'content'))).toBe(true);
    const m = compileMatch(spec);
    expect(m.matches(ev('Shotgun_Task_Change', 'content'))).toBe(false);
    expect(m.matches(ev('Shotgun_Task_Change', 'sg_status_list'))).toBe(true);
    expect(m.matches(ev('Shotgun_Task_Change'))).toBe(false);
  });

  it('globs in keys are new (the original required exact event types)', () => {
    const spec = { 'Shotgun_*_Change': ['sg_status_list'] };
    expect(originalCanProcess(spec, taskStatus)).toBe(false);
    const m = compileMatch(spec);
    expect(m.matches(taskStatus)).toBe(true);
    expect(m.matches(ev('Shotgun_CustomEntity01_Change', 'sg_status_list'))).toBe(true);
    expect(m.matches(ev('Shotgun_Task_New'))).toBe(false);
    expect(m.matches(ev('Toolkit_Shotgun_Task_Change_x', 'sg_status_list'))).toBe(false); // anchored
    expect(m.eventTypes()).toBeNull();
  });

  it('treats regex characters in keys literally', () => {
    const m = compileMatch({ 'A.B_*': null });
    expect(m.matches(ev('A.B_x'))).toBe(true);
    expect(m.matches(ev('AxB_x'))).toBe(false);
  });

  it('a malformed value is a registration error, not a crash of the main loop', () => {
    // Original: `"*" in 5` raised TypeError inside the loop: "Crash!!!!!".
    expect(() => originalCanProcess({ Shotgun_Task_Change: 5 as never }, taskStatus)).toThrow(TypeError);
    expect(() => compileMatch({ Shotgun_Task_Change: 5 })).toThrow(MatchEventsError);
  });
});

describe('eventTypes', () => {
  it('lists the exact types, sorted and unique, for the server-side filter', () => {
    const m = compileMatch({ Shotgun_Task_Change: ['sg_status_list'], Shotgun_Note_New: null, Shotgun_Asset_New: '*' });
    expect(m.eventTypes()).toEqual(['Shotgun_Asset_New', 'Shotgun_Note_New', 'Shotgun_Task_Change']);
  });

  it("is null when a '*' key is present alongside exact ones", () => {
    expect(compileMatch({ Shotgun_Note_New: null, '*': ['sg_status_list'] }).eventTypes()).toBeNull();
  });
});

describe('validation', () => {
  it.each<[string, unknown, string]>([
    [
      'a string',
      'Shotgun_Task_Change',
      'matchEvents must be an object like {Shotgun_Task_Change: [\'sg_status_list\']} (or null for every event), got the string "Shotgun_Task_Change"',
    ],
    ['an array', ['Shotgun_Task_Change'], 'got an array'],
    ['a number', 5, 'got number 5'],
    ['false', false, 'got boolean false'],
    ['a Map', new Map([['Shotgun_Task_Change', null]]), 'got a Map'],
    ['a class instance', new Date(0), 'got a Date'],
    ['an empty key', { '': null }, 'matchEvents key "" is empty; expected an event type such as Shotgun_Task_Change'],
    ['a key with spaces', { 'Shotgun_Task_Change ': null }, 'matchEvents key "Shotgun_Task_Change " contains spaces or commas'],
    [
      'a number value',
      { Shotgun_Task_Change: 5 },
      'matchEvents["Shotgun_Task_Change"] must be null or \'*\' (any attribute), an attribute name, or a list of names, got number 5',
    ],
    ['a boolean value', { Shotgun_Task_Change: true }, 'got boolean true'],
    ['an object value', { Shotgun_Task_Change: { sg_status_list: true } }, 'got an Object'],
    [
      'an empty list',
      { Shotgun_Task_Change: [] },
      'matchEvents["Shotgun_Task_Change"] is an empty list, which matches no event; use null for any attribute',
    ],
    [
      'a non-string item',
      { Shotgun_Task_Change: ['sg_status_list', null] },
      'matchEvents["Shotgun_Task_Change"][1] must be an attribute name (a string), got null',
    ],
    [
      'an empty name',
      { Shotgun_Task_Change: [''] },
      'matchEvents["Shotgun_Task_Change"][0] is empty; expected an attribute name such as sg_status_list',
    ],
    ['an empty string value', { Shotgun_Task_Change: '' }, 'matchEvents["Shotgun_Task_Change"] is empty'],
    [
      'a comma list in a string',
      { Shotgun_Task_Change: 'sg_status_list, content' },
      "contains spaces or commas; expected an attribute name such as sg_status_list; to name several, use a list: ['a', 'b']",
    ],
  ])('rejects %s', (_what, input, message) => {
    expect(() => compileMatch(input)).toThrow(MatchEventsError);
    expect(() => compileMatch(input)).toThrow(message);
  });

  it('rejects Symbol keys', () => {
    expect(() => compileMatch({ [Symbol('x')]: null })).toThrow('matchEvents keys must be event type strings, got a Symbol key');
  });

  it('accepts null-prototype objects and drops duplicate names', () => {
    const spec = Object.assign(Object.create(null), { Shotgun_Task_Change: ['a', 'a', 'b'] });
    expect(compileMatch(spec).rules).toEqual([{ type: 'Shotgun_Task_Change', attributes: ['a', 'b'] }]);
  });
});

describe('explain', () => {
  const m = compileMatch({
    Shotgun_Task_Change: ['sg_status_list'],
    'Shotgun_*_Change': ['code'],
    Shotgun_Note_New: null,
  });

  it('says which key matched', () => {
    expect(m.explain(taskStatus)).toEqual({
      matched: true,
      reason: 'key Shotgun_Task_Change matches Shotgun_Task_Change and lists attribute sg_status_list',
    });
    expect(m.explain(ev('Shotgun_Task_Change', 'code'))).toEqual({
      matched: true,
      reason: 'key Shotgun_*_Change matches Shotgun_Task_Change and lists attribute code',
    });
    expect(m.explain(noteNew)).toEqual({
      matched: true,
      reason: 'key Shotgun_Note_New matches Shotgun_Note_New and accepts any attribute',
    });
    expect(compileMatch(null).explain(noteNew)).toEqual({ matched: true, reason: 'matchEvents is empty: every event matches' });
  });

  it('says why not: no key for the type', () => {
    expect(m.explain(ev('Shotgun_Shot_New'))).toEqual({
      matched: false,
      reason: 'no key matches event type Shotgun_Shot_New (keys: Shotgun_Task_Change, Shotgun_*_Change, Shotgun_Note_New)',
    });
  });

  it('says why not: attribute not listed', () => {
    expect(m.explain(ev('Shotgun_Task_Change', 'content'))).toEqual({
      matched: false,
      reason: 'attribute content is not listed by the matching keys (Shotgun_Task_Change: [sg_status_list]; Shotgun_*_Change: [code])',
    });
  });

  it('says why not: no attribute, with the fix', () => {
    const r = compileMatch({ Shotgun_Task_New: ['content'] }).explain(ev('Shotgun_Task_New'));
    expect(r.matched).toBe(false);
    expect(r.reason).toBe(
      "Shotgun_Task_New has no attribute_name, and the matching keys list attributes (Shotgun_Task_New: [content]); use null or '*' to accept events without one",
    );
  });

  it('agrees with matches() on a spread of events', () => {
    const events = [
      taskStatus,
      noteNew,
      ev('Shotgun_Task_Change', 'code'),
      ev('Shotgun_Shot_Change', 'code'),
      ev('X'),
      ev('Shotgun_Task_Change', 'content'),
    ];
    for (const e of events) expect(m.explain(e).matched).toBe(m.matches(e));
  });
});

describe('describeMatch', () => {
  it('gives one line for `check` output', () => {
    const m = compileMatch({ Shotgun_Task_Change: ['sg_status_list', 'task_assignees'], Shotgun_Note_New: null, '*': 'code' });
    expect(describeMatch(m)).toBe('Shotgun_Task_Change: sg_status_list, task_assignees; Shotgun_Note_New: any attribute; *: code');
  });
});
