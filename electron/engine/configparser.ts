// A reader for the INI dialect of Python's configparser, which the original
// shotgunEventDaemon.conf is written in. The npm `ini` package was tried and
// declined: it reads `key: value` as a key named "key: value", splits
// continuation lines into bogus keys, cuts values at `;`/`#` (a password
// "ab;cd" becomes "ab"), nests `[a.b]` sections and turns `true` into a
// boolean. Undoing all that would leave it only splitting lines, and would lose
// the line numbers our error messages need.
//
// Rules followed (configparser defaults, Python 3):
// - `key = value` and `key: value`; the first `=` or `:` splits.
// - Full-line comments start with `#` or `;` (after optional indentation).
//   No inline comments: `a = x ; y` is the value "x ; y".
// - A line indented deeper than its key continues the value (joined with
//   "\n"); blank lines and comments inside a value do not end it.
// - Keys are case-insensitive; a duplicate section or key is an error, as is a
//   key before any section. Departure: section names are case-insensitive
//   too, so `[Daemon]` works (configparser would reject such a file).
// - Values are interpolated only when read (see interpolate), so a stray `%`
//   in a key nobody reads is harmless, as it was in the original.

export interface IniEntry {
  /** The key as written in the file (for messages). */
  name: string;
  /** The raw value, before interpolation. */
  raw: string;
  line: number;
}

export interface IniSection {
  /** The section name as written in the file. */
  name: string;
  line: number;
  /** Keyed by lower-cased key. */
  entries: Map<string, IniEntry>;
}

export class IniSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
  ) {
    super(reason);
    this.name = 'IniSyntaxError';
  }
}

/** Parse configparser INI text. Sections are keyed by lower-cased name. */
export function parseIni(text: string): Map<string, IniSection> {
  const sections = new Map<string, IniSection>();
  let section: IniSection | null = null;
  // The key whose value continuation lines extend, and its indentation.
  let current: { entry: IniEntry; indent: number; parts: string[] } | null = null;

  const finish = (): void => {
    if (!current) return;
    // configparser joins with "\n" and drops trailing blank lines.
    current.entry.raw = current.parts.join('\n').trimEnd();
    current = null;
  };

  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    if (trimmed === '') {
      current?.parts.push('');
      return;
    }
    const indent = line.length - line.trimStart().length;
    if (current && indent > current.indent) {
      current.parts.push(trimmed);
      return;
    }
    finish();

    const header = /^\[(.+)\]/.exec(trimmed);
    if (header) {
      const name = header[1]!.trim();
      const id = name.toLowerCase();
      const previous = sections.get(id);
      if (previous) {
        throw new IniSyntaxError(`section [${name}] appears twice (first on line ${previous.line})`, lineNo);
      }
      section = { name, line: lineNo, entries: new Map() };
      sections.set(id, section);
      return;
    }

    const option = /^(.*?)\s*([=:])\s*(.*)$/.exec(trimmed);
    if (!option) {
      throw new IniSyntaxError(`expected 'key = value', 'key: value' or '[section]', got '${trimmed}'`, lineNo);
    }
    const name = option[1]!;
    if (name === '') throw new IniSyntaxError(`a line starts with '${option[2]}' but has no key before it`, lineNo);
    if (!section) {
      throw new IniSyntaxError(`'${name}' comes before any [section] header`, lineNo);
    }
    const id = name.toLowerCase();
    const previous = section.entries.get(id);
    if (previous) {
      throw new IniSyntaxError(`[${section.name}] ${name} is set twice (first on line ${previous.line})`, lineNo);
    }
    const entry: IniEntry = { name, raw: option[3]!, line: lineNo };
    section.entries.set(id, entry);
    current = { entry, indent, parts: [option[3]!] };
  });
  finish();
  return sections;
}

/** Why an interpolation failed; the caller adds the section/key/file. */
export class InterpolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterpolationError';
  }
}

export interface InterpolationScope {
  /** Raw value of another key in the same section, then [DEFAULT]; undefined if absent. */
  lookupKey(name: string): string | undefined;
  env: NodeJS.ProcessEnv;
}

const MAX_DEPTH = 10; // configparser's MAX_INTERPOLATION_DEPTH

/**
 * Expand a raw value:
 * - `%%` is a literal `%` (configparser BasicInterpolation);
 * - `%(name)s` is another key of the same section, else [DEFAULT], else the
 *   environment variable `name`. The original got env through configparser
 *   defaults, so *every* variable was a fallback for *every* key; here the
 *   environment is consulted only for a name written in the value.
 * - `${NAME}` is the environment variable NAME, nothing else; `$${` is a
 *   literal `${`. A lone `$` is literal (passwords).
 * A name that resolves nowhere is an error naming it.
 */
export function interpolate(raw: string, scope: InterpolationScope, depth = 0): string {
  if (depth > MAX_DEPTH) {
    throw new InterpolationError(`%(...)s references nest more than ${MAX_DEPTH} deep (a key that refers to itself?)`);
  }
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === '%') {
      const next = raw[i + 1];
      if (next === '%') {
        out += '%';
        i += 2;
        continue;
      }
      const ref = /^%\(([^)]+)\)s/.exec(raw.slice(i));
      if (!ref) {
        throw new InterpolationError(`'%' must be followed by '%' or '(name)s', found '${raw.slice(i, i + 12)}' (write %% for a literal %)`);
      }
      out += resolvePercent(ref[1]!, scope, depth);
      i += ref[0].length;
      continue;
    }
    if (c === '$' && raw.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (c === '$' && raw[i + 1] === '{') {
      const ref = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(raw.slice(i));
      if (!ref) {
        throw new InterpolationError(`bad \${...} reference '${raw.slice(i, i + 20)}': expected \${ENV_VAR} (write $\${ for a literal \${)`);
      }
      const value = scope.env[ref[1]!];
      if (value === undefined) {
        throw new InterpolationError(`environment variable ${ref[1]} is not set (referenced as \${${ref[1]}})`);
      }
      out += value;
      i += ref[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function resolvePercent(name: string, scope: InterpolationScope, depth: number): string {
  const key = scope.lookupKey(name.toLowerCase());
  if (key !== undefined) return interpolate(key, scope, depth + 1);
  // Environment values are taken literally: the original re-interpolated them,
  // so a variable holding '%' broke whatever key read it.
  const value = lookupEnv(scope.env, name);
  if (value === undefined) {
    throw new InterpolationError(`environment variable ${name} is not set (and %(${name})s is not a key of this section either)`);
  }
  return value;
}

// configparser lower-cased env names (they were option names), so
// %(sg_ed_site_url)s found SG_ED_SITE_URL; keep that, preferring an exact match.
function lookupEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  if (env[name] !== undefined) return env[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(env)) {
    if (k.toLowerCase() === lower && v !== undefined) return v;
  }
  return undefined;
}
