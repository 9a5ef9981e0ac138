// Timing records: one line per callback run, as the original daemon's
// `timing_log = on` wrote them to `<logFile>.timing`:
//
//   event_id=%d created_at=%s callback=%s start=%s end=%s duration=%s error=%s delay=%s
//
// `callback` is `<plugin>.<callback>`, times are ISO 8601 in local time (with
// the UTC offset, as Python's isoformat() prints an aware datetime), and
// durations use the original's "%02d:%02d:%02d:%02d.%06d" (days, hours,
// minutes, seconds, microseconds). `delay` is start - created_at.

/** One callback run, as handed to Logging.timing(). */
export interface TimingRecord {
  eventId: number;
  /** The event's created_at as the server sent it (ISO 8601). */
  createdAt: string;
  plugin: string;
  callback: string;
  /** Epoch milliseconds. */
  start: number;
  /** Epoch milliseconds. */
  end: number;
  /** The callback threw (or timed out). */
  error: boolean;
}

const US_PER_DAY = 86_400_000_000;

/**
 * A duration in milliseconds as the original's _prettyTimeDeltaFormat:
 * `DD:HH:MM:SS.micro`. Negative durations follow Python's timedelta
 * normalisation: -1.5 s is `-1:23:59:58.500000`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'None';
  const totalUs = Math.round(ms * 1000);
  const days = Math.floor(totalUs / US_PER_DAY);
  let rest = totalUs - days * US_PER_DAY;
  const hours = Math.floor(rest / 3_600_000_000);
  rest -= hours * 3_600_000_000;
  const minutes = Math.floor(rest / 60_000_000);
  rest -= minutes * 60_000_000;
  const seconds = Math.floor(rest / 1_000_000);
  const micros = rest - seconds * 1_000_000;
  return `${pad(days, 2)}:${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(micros, 6)}`;
}

/** Epoch milliseconds as local ISO 8601 with microseconds and offset: 2026-01-02T03:04:05.123000+01:00. */
export function isoLocal(ms: number): string {
  const d = new Date(ms);
  const offsetMin = -d.getTimezoneOffset();
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)}` +
    `T${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}` +
    `.${pad(d.getMilliseconds() * 1000, 6)}${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`
  );
}

/** The message part of a timing line (the file adds the usual `asctime - timing - INFO - ` prefix). */
export function formatTimingMessage(r: TimingRecord): string {
  const created = Date.parse(r.createdAt);
  const createdText = Number.isFinite(created) ? isoLocal(created) : r.createdAt;
  const delay = Number.isFinite(created) ? formatDuration(r.start - created) : 'None';
  return (
    `event_id=${Math.trunc(r.eventId)} created_at=${createdText} callback=${r.plugin}.${r.callback}` +
    ` start=${isoLocal(r.start)} end=${isoLocal(r.end)} duration=${formatDuration(r.end - r.start)}` +
    ` error=${r.error ? 'True' : 'False'} delay=${delay}`
  );
}

/** Python's "%0Nd": zero-padded to N, a minus sign counting towards the width. */
function pad(n: number, width: number): string {
  if (n < 0) return '-' + String(-n).padStart(width - 1, '0');
  return String(n).padStart(width, '0');
}

/** Python logging's default asctime, local time: `2026-01-02 03:04:05,123`. */
export function formatAsctime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)} ` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)},${pad(d.getMilliseconds(), 3)}`
  );
}
