// Crash-safe file replacement: readers (and the next start after a kill -9 or
// power loss) see either the old content or the new, never a mix. The
// original rewrote its pickle in place, so a crash mid-write left a 0-byte
// file that stopped the next start.

import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Write `data` to `file` atomically: temp file in the same folder, fsync, rename, fsync folder. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  // Same folder, so rename() never crosses file systems (which would copy).
  const tmp = path.join(dir, `${tempPrefix(file)}${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync(); // the data must be on disk before the rename makes it visible
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  try {
    await renameWithRetry(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fsyncDir(dir); // make the rename itself durable
}

/** Delete temp files an interrupted writeFileAtomic left beside `file`; returns their names. */
export async function removeTempFiles(file: string): Promise<string[]> {
  const prefix = tempPrefix(file);
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'));
  await Promise.all(stale.map((n) => unlink(path.join(dir, n)).catch(() => {})));
  return stale;
}

function tempPrefix(file: string): string {
  return `.${path.basename(file)}.`;
}

// Windows refuses to replace a file another process (a virus scanner, an
// indexer) has open for a moment; retry briefly. POSIX never gets here.
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const transient = process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY');
      if (!transient || attempt >= 10) throw err;
      await sleep(10 * (attempt + 1));
    }
  }
}

async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a folder for fsync (and NTFS journals renames), so
  // failing here is expected there and harmless.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort
  }
}
