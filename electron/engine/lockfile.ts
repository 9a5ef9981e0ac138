// A pid lock file, so only one process (the daemon, or an offline command
// such as `cursor`) owns a resource at a time. Created with O_EXCL ('wx'), so
// two processes can never both create it. A lock whose process is gone
// (killed, crashed, machine rebooted) is stale and taken over, with a
// warning: unlike the original's pidfile, a crash never blocks the next start.
//
// Content: "<pid>\n<hostname>\n<start>\n", so `kill $(head -1 x.lock)` works.
// <start> is the holder's process start time (Linux: /proc/<pid>/stat, in clock
// ticks since boot; empty elsewhere). A live pid whose start time differs is a
// recycled pid now owned by an unrelated process: the lock is stale. On another
// host (state on a network share) liveness cannot be checked: such a lock is
// always treated as held.

import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export class LockHeldError extends Error {
  constructor(
    readonly lockPath: string,
    readonly pid: number,
    /** Set when the holder runs on another machine. */
    readonly host: string | null,
    /** The holder is this very process (opened twice). */
    readonly self = false,
  ) {
    super(self ? `${lockPath} is already held by this process` : `${lockPath} is held by pid ${pid}${host ? ` on host ${host}` : ''}`);
    this.name = 'LockHeldError';
  }
}

export interface LockHandle {
  readonly path: string;
  /** Remove the lock if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/** Locks this process holds, path -> content; removed on exit even without release(). */
const held = new Map<string, string>();
let exitHookInstalled = false;

/** Take the lock at `lockPath` or throw LockHeldError. */
export async function acquireLock(lockPath: string, opts: { onWarning?: (message: string) => void } = {}): Promise<LockHandle> {
  const content = `${process.pid}\n${hostname()}\n${processStart(process.pid) ?? ''}\n`;
  if (held.has(lockPath)) throw new LockHeldError(lockPath, process.pid, null, true);

  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const fh = await open(lockPath, 'wx');
      try {
        await fh.writeFile(content);
      } catch (err) {
        await unlink(lockPath).catch(() => {}); // do not leave an empty lock behind
        throw err;
      } finally {
        await fh.close();
      }
      held.set(lockPath, content);
      installExitHook();
      return { path: lockPath, release: () => releaseLock(lockPath) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }

    const found = await inspect(lockPath);
    if (found === 'gone') continue; // released meanwhile: try again
    if (found === 'fresh') {
      await sleep(50); // created this instant, content not written yet
      continue;
    }
    const { owner, snapshot } = found;
    if (owner) {
      if (owner.host !== hostname()) throw new LockHeldError(lockPath, owner.pid, owner.host);
      // Our own pid but not in `held`: a leftover from an earlier process that
      // had the same pid (containers often run the daemon as pid 1).
      if (owner.pid !== process.pid && isAlive(owner.pid) && !recycled(owner)) throw new LockHeldError(lockPath, owner.pid, null);
    }
    if (await removeIfSame(lockPath, snapshot)) {
      opts.onWarning?.(
        !owner
          ? `took over unreadable stale lock ${lockPath}`
          : owner.pid !== process.pid && isAlive(owner.pid)
            ? `took over stale lock ${lockPath}: its pid ${owner.pid} now belongs to another process (not the one that took the lock)`
            : `took over stale lock ${lockPath}: its process ${owner.pid} is no longer running`,
      );
    }
  }
  throw new Error(`could not take the lock ${lockPath}: it keeps changing`);
}

/** Identifies one lock file: inode, mtime and content together. */
type Snapshot = { ino: bigint; mtimeNs: bigint; content: string };
type Inspection = 'gone' | 'fresh' | { owner: LockOwner | null; snapshot: Snapshot };

async function snap(file: string): Promise<Snapshot> {
  const st = await stat(file, { bigint: true });
  return { ino: st.ino, mtimeNs: st.mtimeNs, content: await readFile(file, 'utf8') };
}

async function inspect(lockPath: string): Promise<Inspection> {
  try {
    const snapshot = await snap(lockPath);
    const owner = parseLock(snapshot.content);
    // An unreadable lock is either being written right now or left by a crash
    // between create and write; only the second is old.
    if (!owner && Date.now() - Number(snapshot.mtimeNs / 1_000_000n) < 2000) return 'fresh';
    return { owner, snapshot };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
}

interface LockOwner {
  pid: number;
  host: string;
  /** The holder's start time when it wrote the lock (null: unknown, older lock or not Linux). */
  start: string | null;
}

function parseLock(text: string): LockOwner | null {
  const [pidLine, hostLine, startLine] = text.split('\n');
  if (!pidLine || !/^\d+$/.test(pidLine.trim())) return null;
  return { pid: Number(pidLine.trim()), host: hostLine?.trim() || hostname(), start: startLine?.trim() || null };
}

/** The live process with the lock's pid is not the one that wrote it (its start time differs). */
function recycled(owner: LockOwner): boolean {
  if (owner.start === null) return unrelated(owner.pid);
  const now = processStart(owner.pid);
  return now !== null && now !== owner.start;
}

/**
 * A pid-only lock (no start time: an older lock, or one written by hand) whose live pid runs
 * neither Node nor Electron cannot be a daemon's. Unknown (no /proc) counts as related.
 */
function unrelated(pid: number): boolean {
  try {
    return !/node|electron|shotgun-events/i.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * A process's start time, in clock ticks since boot (field 22 of /proc/<pid>/stat), or
 * null where /proc is not available. With the pid, it names one process for good.
 */
export function processStart(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

/**
 * Remove the stale lock we inspected, but not one another process put there
 * since: two starters may find the same stale lock, and the slower one must
 * not delete the faster one's fresh lock. Rename it aside, check it is the
 * same file, and put it back if not. The inode alone is not enough: file
 * systems reuse a freed inode number at once, so the faster starter's new
 * lock often has the stale one's inode (seen in the two-process test).
 */
async function removeIfSame(lockPath: string, stale: Snapshot): Promise<boolean> {
  const aside = `${lockPath}.stale.${process.pid}.${Date.now()}`;
  try {
    await rename(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const now = await snap(aside); // rename keeps mtime (it changes ctime)
  if (now.ino === stale.ino && now.mtimeNs === stale.mtimeNs && now.content === stale.content) {
    await unlink(aside);
    return true;
  }
  await link(aside, lockPath).catch(() => {}); // someone's fresh lock: restore it
  await unlink(aside).catch(() => {});
  return false;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function releaseLock(lockPath: string): Promise<void> {
  const content = held.get(lockPath);
  if (content === undefined) return;
  held.delete(lockPath);
  try {
    if ((await readFile(lockPath, 'utf8')) === content) await unlink(lockPath);
  } catch {
    // already gone
  }
}

// A process that exits without close() (uncaught error, process.exit) still
// frees its locks; a kill -9 cannot, which is what stale takeover is for.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [lockPath, content] of held) {
      try {
        if (readFileSync(lockPath, 'utf8') === content) unlinkSync(lockPath);
      } catch {
        // ignore
      }
    }
  });
}
