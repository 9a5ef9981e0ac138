// A log file rotated at local midnight keeping 10 backups, like the original's
// TimedRotatingFileHandler(path, 'midnight', backupCount=10), on top of
// `rotating-file-stream`:
// - rotated files are named as Python names them: `<file>.YYYY-MM-DD`, the day
//   the lines were written (a name already taken gets `.2`, `.3`...; nothing is
//   ever overwritten, so backups left by the Python daemon stay);
// - a file last written on an earlier day is rotated when the stream opens
//   (initialRotation), as Python does from the file's mtime;
// - the library keeps the list of its rotated files in `.<file>.history`
//   beside the log, to prune all but the newest 10.
// Writes are queued in order and never split across files; flush() waits for
// them, close() writes everything queued before it resolves.
// An I/O error (disk full, folder removed...) is noted on stderr once; the
// next write after a pause reopens the file.

import path from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';

export const BACKUP_COUNT = 10;
const REOPEN_AFTER_MS = 10_000;

export interface RotatingLogFileOptions {
  /** Rotated files kept (default 10). */
  backups?: number;
  /** Where I/O problems are reported (default: process.stderr). */
  stderr?: (text: string) => void;
}

/** `2026-01-02`: the suffix Python's TimedRotatingFileHandler gives a midnight backup. */
export function rotatedSuffix(day: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${day.getFullYear()}-${p(day.getMonth() + 1)}-${p(day.getDate())}`;
}

export class RotatingLogFile {
  private stream: RotatingFileStream | null = null;
  private brokenUntil = 0;
  private reportedBroken = false;
  private lost = 0;
  private closed = false;
  private readonly stderr: (text: string) => void;

  constructor(
    readonly file: string,
    private readonly options: RotatingLogFileOptions = {},
  ) {
    this.stderr = options.stderr ?? ((text) => void process.stderr.write(text));
  }

  write(text: string): void {
    if (this.closed) return;
    const stream = this.open();
    if (!stream) {
      this.lost++;
      return;
    }
    stream.write(text);
  }

  /** Resolves once every line written so far is in the file (or failed). */
  flush(): Promise<void> {
    const stream = this.stream;
    if (!stream || stream.destroyed || stream.writableEnded) return Promise.resolve();
    // Writes are processed in order: the callback of an empty write runs after
    // all earlier ones.
    return new Promise((resolve) => stream.write('', () => resolve()));
  }

  /** Writes what is queued, then closes the file. Later writes are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    const stream = this.stream;
    this.stream = null;
    if (!stream || stream.destroyed) return;
    await new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          resolve();
        }
      };
      stream.once('close', finish);
      stream.once('error', finish);
      stream.end(finish);
    });
  }

  private open(): RotatingFileStream | null {
    if (this.stream) return this.stream;
    if (Date.now() < this.brokenUntil) return null;
    const dir = path.dirname(this.file);
    const base = path.basename(this.file);
    let stream: RotatingFileStream;
    try {
      stream = createStream(
        (time: number | Date | null, index?: number) => {
          if (!time) return base;
          const day = time instanceof Date ? time : new Date(time);
          return `${base}.${rotatedSuffix(day)}${index && index > 1 ? `.${index}` : ''}`;
        },
        {
          path: dir,
          interval: '1d',
          intervalBoundary: true,
          initialRotation: true,
          maxFiles: this.options.backups ?? BACKUP_COUNT,
          history: `.${base}.history`,
        },
      );
    } catch (err) {
      this.broken(err);
      return null;
    }
    stream.on('error', (err: unknown) => {
      if (this.stream === stream) this.stream = null;
      this.broken(err);
    });
    stream.on('warning', (err: unknown) => this.note(`log file ${this.file}: ${describe(err)}`));
    stream.on('open', () => {
      if (!this.reportedBroken) return;
      this.reportedBroken = false;
      this.note(`log file ${this.file} is writable again (${this.lost} line${this.lost === 1 ? '' : 's'} lost)`);
      this.lost = 0;
    });
    this.stream = stream;
    return stream;
  }

  private broken(err: unknown): void {
    this.brokenUntil = Date.now() + REOPEN_AFTER_MS;
    if (this.reportedBroken) return;
    this.reportedBroken = true;
    this.note(`cannot write log file ${this.file}: ${describe(err)} (lines are dropped; retrying every ${REOPEN_AFTER_MS / 1000} s)`);
  }

  private note(text: string): void {
    try {
      this.stderr(`shotgun-events: ${text}\n`);
    } catch {
      // nowhere left to report
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
