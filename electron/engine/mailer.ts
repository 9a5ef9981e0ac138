// E-mail alerts on errors ([emails] in the config), sent with nodemailer.
//
// Compared with the original's CustomSMTPHandler (synchronous, one mail per
// ERROR record, failures printed to a stderr that is /dev/null when
// daemonized):
// - sending is asynchronous and never throws into the caller;
// - errors are coalesced per recipient set: the first error of a quiet period
//   waits a short gathering delay (so a burst becomes one mail), then at most
//   one mail goes out per `throttleMs` window; errors arriving in the window
//   go into the next digest ("and N more errors");
// - a failed send is reported on stderr once per failure burst (and once when
//   sending works again); the password never appears in those notes;
// - `useTls` means STARTTLS is required and the certificate verified. Without
//   it, STARTTLS is still used when the server offers it (unverified, falling
//   back to plain text), which is never less private than the original's plain
//   SMTP. Port 465 means implicit TLS (SMTPS).

import { createRequire } from 'node:module';
import type nodemailerTypes from 'nodemailer';

// Required when a Mailer is made ([emails] enabled): a daemon without mail does not hold
// nodemailer (~40 modules; docs/performance.md, "Memory, round 5").
const loadNodemailer = () => createRequire(import.meta.url)('nodemailer') as typeof nodemailerTypes;
import { formatAsctime } from './timing.js';

export interface EmailSettings {
  server: string;
  /** Default 25. */
  port: number;
  from: string;
  /** Default recipients (`to` in the config, a comma list there). */
  to: string[];
  /** " ERROR - SG event daemon." or " CRITICAL - SG event daemon." is appended. */
  subject: string;
  /** Require STARTTLS (verified certificate). */
  useTls: boolean;
  /** SMTP AUTH happens only when a username is set. */
  username?: string | null;
  password?: string | null;
  /** At most one mail per recipient set per this many ms. Default 60 000; 0 = no throttling. */
  throttleMs?: number;
}

/** One log record to mail, with its source location when known. */
export interface MailRecord {
  /** Epoch milliseconds. */
  time: number;
  level: number;
  levelName: string;
  logger: string;
  message: string;
  path?: string;
  func?: string;
  line?: number;
}

export interface MailerOptions {
  /** Where failure notes go. Default: process.stderr. */
  stderr?: (text: string) => void;
  /** Called once per failure burst too, e.g. to put a WARNING in the log files and UI. */
  onFailure?: (note: string) => void;
  /** Longest wait for a gathering delay (ms); default 2000, never more than throttleMs. */
  gatherMs?: number;
  /** Formats record times; default: Python's asctime. */
  formatTime?: (ms: number) => string;
}

export const DEFAULT_THROTTLE_MS = 60_000;
/** Records written out in full in one digest; the rest are only counted. */
export const MAX_RECORDS_PER_MAIL = 50;

const CRITICAL = 50;

interface Batch {
  recipients: string[];
  records: MailRecord[];
  /** Records beyond MAX_RECORDS_PER_MAIL, only counted. */
  dropped: number;
  /** Earliest time the next mail may go. */
  notBefore: number;
  timer: NodeJS.Timeout | null;
}

/** The original's EMAIL_FORMAT_STRING, with the lines we cannot know left out. */
export function formatMailRecord(r: MailRecord, formatTime: (ms: number) => string = formatAsctime): string {
  const lines = [`Time: ${formatTime(r.time)}`, `Logger: ${r.logger}`];
  if (r.path) lines.push(`Path: ${r.path}`);
  if (r.func) lines.push(`Function: ${r.func}`);
  if (r.line !== undefined) lines.push(`Line: ${r.line}`);
  return `${lines.join('\n')}\n\n${r.message}`;
}

/** Subject as the original: the configured subject plus " ERROR - SG event daemon." etc. */
export function mailSubject(subject: string, level: number): string {
  return `${subject} ${level >= CRITICAL ? 'CRITICAL' : 'ERROR'} - SG event daemon.`;
}

export class Mailer {
  private readonly transport: ReturnType<typeof nodemailerTypes.createTransport>;
  private readonly throttleMs: number;
  private readonly gatherMs: number;
  private readonly batches = new Map<string, Batch>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stderr: (text: string) => void;
  private readonly formatTime: (ms: number) => string;
  private failing = false;
  private failedSends = 0;
  private closed = false;

  constructor(
    readonly settings: EmailSettings,
    private readonly options: MailerOptions = {},
  ) {
    this.throttleMs = Math.max(0, settings.throttleMs ?? DEFAULT_THROTTLE_MS);
    this.gatherMs = Math.min(Math.max(0, options.gatherMs ?? 2000), this.throttleMs);
    this.stderr = options.stderr ?? ((text) => void process.stderr.write(text));
    this.formatTime = options.formatTime ?? formatAsctime;
    const port = settings.port || 25;
    this.transport = loadNodemailer().createTransport({
      host: settings.server,
      port,
      secure: port === 465,
      requireTLS: settings.useTls,
      // Without useTls: take STARTTLS when offered, but do not fail on a
      // self-signed certificate or a broken upgrade (the original sent plain text).
      opportunisticTLS: !settings.useTls,
      tls: settings.useTls ? {} : { rejectUnauthorized: false },
      ...(settings.username ? { auth: { user: settings.username, pass: settings.password ?? '' } } : {}),
      // The original used a 5 s SMTP timeout; a little more room, never minutes.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      dnsTimeout: 10_000,
      socketCloseTimeout: 1_000,
      logger: false,
      debug: false,
    });
  }

  /** Queue one record for `recipients` (an empty list sends nothing). Never throws. */
  send(recipients: readonly string[], record: MailRecord): void {
    if (this.closed) return;
    const list = normaliseRecipients(recipients);
    if (list.length === 0) return;
    const key = list.join('\n');
    let batch = this.batches.get(key);
    if (!batch) {
      batch = { recipients: list, records: [], dropped: 0, notBefore: 0, timer: null };
      this.batches.set(key, batch);
    }
    if (batch.records.length < MAX_RECORDS_PER_MAIL) batch.records.push(record);
    else batch.dropped++;
    this.schedule(batch);
  }

  /** Waits for the mails being sent now (not for throttled digests). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Sends every pending digest now, waits for all sends, and closes the transport. */
  async close(): Promise<void> {
    if (this.closed) return this.flush();
    for (const batch of this.batches.values()) {
      if (batch.timer) clearTimeout(batch.timer);
      batch.timer = null;
      if (batch.records.length > 0) this.dispatch(batch);
    }
    this.closed = true;
    await this.flush();
    this.transport.close();
  }

  private schedule(batch: Batch): void {
    if (batch.timer) return; // a send is already planned and will take this record too
    const now = Date.now();
    const at = Math.max(batch.notBefore, now + this.gatherMs);
    batch.timer = setTimeout(() => {
      batch.timer = null;
      if (batch.records.length > 0) this.dispatch(batch);
    }, at - now);
    batch.timer.unref();
  }

  private dispatch(batch: Batch): void {
    const records = batch.records;
    const dropped = batch.dropped;
    batch.records = [];
    batch.dropped = 0;
    batch.notBefore = Date.now() + this.throttleMs;
    const first = records[0];
    if (!first) return;
    const level = Math.max(...records.map((r) => r.level));
    let text = formatMailRecord(first, this.formatTime);
    const more = records.length - 1 + dropped;
    if (more > 0) {
      text += `\n\n\nand ${more} more error${more === 1 ? '' : 's'}:`;
      for (const r of records.slice(1)) text += `\n\n----------------------------------------\n${formatMailRecord(r, this.formatTime)}`;
      if (dropped > 0) text += `\n\n----------------------------------------\n(${dropped} more not shown: see the log files)`;
    }
    // Deferred so that even a synchronous throw inside nodemailer stays out of the caller.
    const sending = Promise.resolve()
      .then(() =>
        this.transport.sendMail({
          from: this.settings.from,
          to: batch.recipients,
          subject: mailSubject(this.settings.subject, level),
          text: text + '\n',
        }),
      )
      .then(
        () => this.succeeded(),
        (err: unknown) => this.failed(err, batch.recipients.length),
      )
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    this.note(`e-mail alerts are being sent again (after ${this.failedSends} failed mail${this.failedSends === 1 ? '' : 's'})`);
    this.failedSends = 0;
  }

  private failed(err: unknown, recipientCount: number): void {
    this.failedSends++;
    if (this.failing) return;
    this.failing = true;
    const { server, port } = this.settings;
    const reason = err instanceof Error ? err.message : String(err);
    const note =
      `could not send an error e-mail to ${recipientCount} recipient${recipientCount === 1 ? '' : 's'} ` +
      `via ${server}:${port || 25}: ${reason} (further failures are not reported until a mail goes through)`;
    this.note(note);
    try {
      this.options.onFailure?.(this.redact(note));
    } catch {
      // a broken callback must not break mailing
    }
  }

  private note(text: string): void {
    try {
      this.stderr(`shotgun-events: ${this.redact(text)}\n`);
    } catch {
      // nowhere left to report
    }
  }

  /** Never let the SMTP password reach a log line, however a server or library words an error. */
  private redact(text: string): string {
    const pw = this.settings.password;
    return pw ? text.split(pw).join('********') : text;
  }
}

function normaliseRecipients(recipients: readonly string[]): string[] {
  const set = new Set<string>();
  for (const r of recipients) {
    if (typeof r !== 'string') continue;
    const t = r.trim();
    if (t) set.add(t);
  }
  return [...set].sort();
}
