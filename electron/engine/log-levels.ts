// Python's numeric log levels (10 DEBUG ... 50 CRITICAL) and their names, shared by the
// engine's logging (logging.ts) and every logger it hands out (logger.ts).

export const DEBUG = 10;
export const INFO = 20;
export const WARNING = 30;
export const ERROR = 40;
export const CRITICAL = 50;

const LEVEL_NAMES: Record<number, string> = { 10: 'DEBUG', 20: 'INFO', 30: 'WARNING', 40: 'ERROR', 50: 'CRITICAL' };
const NAMED_LEVELS: Record<string, number> = {
  DEBUG,
  INFO,
  WARNING,
  WARN: WARNING,
  ERROR,
  CRITICAL,
  FATAL: CRITICAL,
};

/** Python's logging.getLevelName for a number: `WARNING`, or `Level 25`. */
export function levelName(level: number): string {
  return LEVEL_NAMES[level] ?? `Level ${level}`;
}

/** A level from a number, a numeric string or a name (`info`, `WARNING`...). Throws on anything else. */
export function parseLevel(value: number | string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const t = value.trim();
    if (/^\d+$/.test(t)) return Number(t);
    const named = NAMED_LEVELS[t.toUpperCase()];
    if (named !== undefined) return named;
  }
  throw new Error(`unknown log level ${JSON.stringify(value)}: expected 10, 20, 30, 40, 50 or DEBUG, INFO, WARNING, ERROR, CRITICAL`);
}
