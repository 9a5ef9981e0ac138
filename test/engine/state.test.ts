// StateStore in one process: open/read/validate, batching, errors, locks.
// Real-process scenarios (kill -9, contention) are in state-processes.test.ts.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../electron/engine/atomic-file.js';
import { processStart } from '../../electron/engine/lockfile.js';
import { newPluginState, readStateFile, StateFileError, StateLockedError, StateStore, type StateStoreOptions } from '../../electron/engine/state.js';
import { cleanupTempDirs, deadPid, tempDir } from './helpers.js';

const open: StateStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});
afterAll(cleanupTempDirs);

async function openStore(file: string, opts?: StateStoreOptions): Promise<StateStore> {
  const store = await StateStore.open(file, opts);
  open.push(store);
  return store;
}

/** What this process writes into a lock: pid, host, and its start time (Linux). */
const OWN_LOCK = `${process.pid}\n${hostname()}\n${processStart(process.pid) ?? ''}\n`;

async function stateFile(): Promise<string> {
  return path.join(await tempDir(), 'state.json');
}

async function openError(file: string): Promise<Error> {
  try {
    open.push(await StateStore.open(file));
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected open to fail');
}

describe('opening', () => {
  it('treats a missing file as a first start, and creates the folder', async () => {
    const file = path.join(await tempDir(), 'deep/er/state.json');
    const store = await openStore(file);
    expect(store.isNew).toBe(true);
    expect(store.path).toBe(file);
    expect(store.data).toEqual({ version: 1, plugins: {}, savedAt: 0 });
    expect(existsSync(file)).toBe(false); // nothing written until something changes
    expect(await readFile(`${file}.lock`, 'utf8')).toBe(OWN_LOCK);
  });

  it('round-trips plugin state', async () => {
    const file = await stateFile();
    const a = await openStore(file);
    const p = a.ensurePlugin('tasks', () => newPluginState(100));
    p.gaps.push({ id: 98, discoveredAt: 1000, expiresAt: 301_000 });
    p.failed.push({ eventId: 99, callback: 'onTask', error: 'TypeError: x', at: 2000, attempts: 3 });
    p.paused = true;
    a.ensurePlugin('notes', () => newPluginState(7)).enabled = false;
    a.data.headId = 120;
    a.markDirty();
    await a.close();
    expect(existsSync(`${file}.lock`)).toBe(false);

    const b = await openStore(file);
    expect(b.isNew).toBe(false);
    expect(b.data.headId).toBe(120);
    expect(b.data.savedAt).toBeGreaterThan(0);
    expect(b.plugin('tasks')).toEqual({
      lastId: 100,
      gaps: [{ id: 98, discoveredAt: 1000, expiresAt: 301_000 }],
      enabled: true,
      paused: true,
      failed: [{ eventId: 99, callback: 'onTask', error: 'TypeError: x', at: 2000, attempts: 3 }],
    });
    expect(b.plugin('notes')).toMatchObject({ lastId: 7, enabled: false });
    expect(b.plugin('nope')).toBeUndefined();
  });

  it('fills defaults for a hand-repaired file that only has lastId', async () => {
    const file = await stateFile();
    await writeFile(file, '{"version": 1, "plugins": {"tasks": {"lastId": 5}}}');
    const store = await openStore(file);
    expect(store.plugin('tasks')).toEqual(newPluginState(5));
    expect(store.data.savedAt).toBe(0);
  });

  it('is safe with any plugin name (null-prototype map)', async () => {
    const store = await openStore(await stateFile());
    expect(store.plugin('constructor')).toBeUndefined();
    expect(store.plugin('toString')).toBeUndefined();
    store.ensurePlugin('toString', () => newPluginState(1));
    expect(store.plugin('toString')?.lastId).toBe(1);
  });

  it('removes temp files left by an interrupted write, with a warning', async () => {
    const file = await stateFile();
    await writeFile(file, '{"version":1,"plugins":{}}');
    await writeFile(path.join(path.dirname(file), '.state.json.999.abcd.tmp'), '{"vers');
    const warnings: string[] = [];
    const store = await openStore(file, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual(['removed .state.json.999.abcd.tmp, left by an interrupted state write (the state file itself is intact)']);
    expect(store.warnings).toEqual(warnings);
    expect(await readdir(path.dirname(file))).toEqual(['state.json', 'state.json.lock']);
  });
});

describe('a bad state file is an error, never a silent reset', () => {
  const fix = 'Nothing was reset. Fix the file, restore it from a backup, or delete it';

  it.each([
    ['empty', '', 'is empty (a write cut short by a crash or a full disk?)'],
    ['blank', '  \n', 'is empty'],
    ['truncated JSON', '{"version": 1, "plug', 'is not valid JSON ('],
    ['JSON null', 'null', 'has the wrong shape: (top level): Invalid input: expected object, received null'],
    ['no plugins', '{"version": 1}', 'has the wrong shape: plugins: missing (expected record).'],
    [
      'a string lastId',
      '{"version":1,"plugins":{"tasks":{"lastId":"12"}}}',
      'has the wrong shape: plugins.tasks.lastId: Invalid input: expected number, received string',
    ],
    [
      'a negative lastId',
      '{"version":1,"plugins":{"tasks":{"lastId":-1}}}',
      'has the wrong shape: plugins.tasks.lastId: Too small: expected number to be >=0',
    ],
    [
      'a bad gap',
      '{"version":1,"plugins":{"t":{"lastId":1,"gaps":[{"id":1}]}}}',
      'has the wrong shape: plugins.t.gaps.0.discoveredAt: missing (expected number); plugins.t.gaps.0.expiresAt: missing (expected number).',
    ],
    ['version 0', '{"version":0,"plugins":{}}', 'has the wrong shape: version: Invalid input: expected 1'],
  ])('%s', async (_what, content, problem) => {
    const file = await stateFile();
    await writeFile(file, content);
    const err = await openError(file);
    expect(err).toBeInstanceOf(StateFileError);
    expect(err.message).toContain(`state file ${file} ${problem}`);
    expect(err.message).toContain(fix);
    expect((err as StateFileError).path).toBe(file);
    expect(await readFile(file, 'utf8')).toBe(content); // untouched
    expect(existsSync(`${file}.lock`)).toBe(false); // lock released on failure
  });

  it('lists at most three shape problems', async () => {
    const file = await stateFile();
    await writeFile(file, JSON.stringify({ version: 1, plugins: { a: {}, b: {}, c: {}, d: {}, e: {} } }));
    expect((await openError(file)).message).toMatch(/plugins\.a\.lastId.*plugins\.b\.lastId.*plugins\.c\.lastId.* \(and 2 more\)/);
  });

  it('refuses a file from a newer version', async () => {
    const file = await stateFile();
    await writeFile(file, '{"version": 2, "plugins": {}, "somethingNew": true}');
    expect((await openError(file)).message).toBe(
      `state file ${file} has version 2, written by a newer shotgun-events (this one reads version 1); ` +
        'upgrade, or move the file away to start again.',
    );
  });

  it.each([
    [
      'a protocol-4 pickle',
      Buffer.from([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x94]),
      "the original shotgunEventDaemon's pickled state",
    ],
    ['a protocol-0 pickle', Buffer.from("(dp0\nS'/plugins'\np1\n", 'latin1'), "the original shotgunEventDaemon's pickled state"],
    ['a legacy id file', Buffer.from('123456\n'), "the original shotgunEventDaemon's legacy event id file"],
  ])('recognizes %s of the original daemon', async (_what, content, looksLike) => {
    const file = await stateFile();
    await writeFile(file, content);
    const err = await openError(file);
    expect(err).toBeInstanceOf(StateFileError);
    expect(err.message).toBe(
      `state file ${file} looks like ${looksLike}. shotgun-events keeps its own JSON state and does not read it. ` +
        'Point [daemon] eventIdFile at a new file, or move this one away; to start from a given event id, use the cursor command.',
    );
  });

  it('reports a state folder that cannot be created', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'file'), '');
    const file = path.join(dir, 'file/state.json'); // a parent is a file
    const err = await openError(file);
    expect(err).toBeInstanceOf(StateFileError);
    expect(err.message).toMatch(new RegExp(`^cannot lock state ${file}: (ENOTDIR|EEXIST)`));
  });

  it('reports an unreadable path', async () => {
    const file = await stateFile();
    await mkdir(file);
    const err = await openError(file);
    expect(err).toBeInstanceOf(StateFileError);
    expect(err.message).toMatch(new RegExp(`^cannot read state ${file}: EISDIR`));
  });
});

describe('writing', () => {
  it('coalesces many markDirty() calls into few writes', async () => {
    const file = await stateFile();
    const writes: number[] = [];
    const store = await openStore(file, { flushIntervalMs: 50, onWrite: (w) => writes.push(w.bytes) });
    const p = store.ensurePlugin('tasks', () => newPluginState(0));
    for (let i = 1; i <= 5000; i++) {
      p.lastId = i;
      store.markDirty();
    }
    expect(writes).toEqual([]); // nothing synchronous
    await store.flush();
    expect(writes.length).toBe(1);
    expect((await readStateFile(file))?.plugins.tasks?.lastId).toBe(5000);
    await store.flush(); // nothing pending: resolves at once, no write
    expect(writes.length).toBe(1);
    expect(store.dirty).toBe(false);
  });

  it('flush() waits for the timer; flushNow() writes at once', async () => {
    const file = await stateFile();
    const store = await openStore(file, { flushIntervalMs: 60_000 });
    store.ensurePlugin('tasks', () => newPluginState(1));
    let flushed = false;
    const pending = store.flush().then(() => (flushed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(flushed).toBe(false);
    expect(existsSync(file)).toBe(false);
    await store.flushNow();
    await pending; // the early write satisfied the waiter too
    expect(flushed).toBe(true);
    expect((await readStateFile(file))?.plugins.tasks?.lastId).toBe(1);
  });

  it('changes made during a write are written by the next one', async () => {
    const file = await stateFile();
    const store = await openStore(file, { flushIntervalMs: 5 });
    const p = store.ensurePlugin('tasks', () => newPluginState(1));
    const first = store.flushNow();
    p.lastId = 2; // after serialization of the first write
    store.markDirty();
    await first;
    await store.flush();
    expect((await readStateFile(file))?.plugins.tasks?.lastId).toBe(2);
  });

  it('never rolls back from disk while running', async () => {
    const file = await stateFile();
    const store = await openStore(file, { flushIntervalMs: 5 });
    store.ensurePlugin('tasks', () => newPluginState(500));
    await store.flushNow();
    // Someone edits the file under a running daemon (the original re-read its
    // pickle every loop, rolling cursors back):
    await writeFile(file, JSON.stringify({ version: 1, plugins: { tasks: { lastId: 3 } }, savedAt: 1 }));
    store.plugin('tasks')!.lastId = 501;
    store.markDirty();
    await store.flush();
    expect(store.plugin('tasks')!.lastId).toBe(501);
    expect((await readStateFile(file))?.plugins.tasks?.lastId).toBe(501);
  });

  it('removePlugin prunes an entry', async () => {
    const file = await stateFile();
    const store = await openStore(file);
    store.ensurePlugin('old', () => newPluginState(1));
    expect(store.removePlugin('old')).toBe(true);
    expect(store.removePlugin('old')).toBe(false);
    await store.flushNow();
    expect((await readStateFile(file))?.plugins).toEqual({});
  });

  it('reports a failed background write, keeps the data dirty and retries', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sub/state.json');
    const errors: Error[] = [];
    const store = await openStore(file, { flushIntervalMs: 10, onWriteError: (e) => errors.push(e) });
    await rm(`${file}.lock`);
    await rm(path.dirname(file), { recursive: true }); // the folder vanishes under us
    store.ensurePlugin('tasks', () => newPluginState(9));
    await expect(store.flush()).rejects.toThrow(`cannot write state ${file}: ENOENT`);
    expect(errors[0]).toBeInstanceOf(StateFileError);
    expect(store.dirty).toBe(true);
    await mkdir(path.dirname(file));
    await expect.poll(() => store.dirty, { timeout: 5000 }).toBe(false); // the retry got through
    expect((await readStateFile(file))?.plugins.tasks?.lastId).toBe(9);
  });

  it('rejects changes after close', async () => {
    const store = await StateStore.open(await stateFile());
    await store.close();
    await store.close(); // idempotent
    expect(() => store.markDirty()).toThrow(/is closed/);
  });

  it('close() writes what is pending', async () => {
    const file = await stateFile();
    const store = await StateStore.open(file, { flushIntervalMs: 60_000 });
    store.ensurePlugin('tasks', () => newPluginState(42));
    await store.close();
    expect((await readStateFile(file))?.plugins.tasks?.lastId).toBe(42);
  });
});

describe('readStateFile', () => {
  it('reads without locking, and returns null for a missing file', async () => {
    const file = await stateFile();
    expect(await readStateFile(file)).toBeNull();
    const store = await openStore(file);
    store.ensurePlugin('tasks', () => newPluginState(3));
    await store.flushNow();
    expect((await readStateFile(file))?.plugins.tasks?.lastId).toBe(3); // while the store holds the lock
  });
});

describe('the lock', () => {
  it('refuses a second open in the same process', async () => {
    const file = await stateFile();
    await openStore(file);
    const err = await openError(file);
    expect(err).toBeInstanceOf(StateFileError);
    expect(err.message).toBe(`state ${file} is already open in this process`);
  });

  it('takes over a stale lock whose process is gone, with a warning', async () => {
    const file = await stateFile();
    const pid = await deadPid();
    await writeFile(`${file}.lock`, `${pid}\n${hostname()}\n`);
    const warnings: string[] = [];
    const store = await openStore(file, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([`took over stale lock ${file}.lock: its process ${pid} is no longer running`]);
    expect(store.warnings).toEqual(warnings);
    expect(await readFile(`${file}.lock`, 'utf8')).toBe(OWN_LOCK);
  });

  it('takes over a lock with our own pid left by an earlier process (pid reuse, containers)', async () => {
    const file = await stateFile();
    await writeFile(`${file}.lock`, `${process.pid}\n`);
    const store = await openStore(file);
    expect(store.warnings).toEqual([`took over stale lock ${file}.lock: its process ${process.pid} is no longer running`]);
  });

  it('refuses a lock held by a live process', async () => {
    const file = await stateFile();
    await writeFile(`${file}.lock`, `${process.ppid}\n${hostname()}\n`); // our parent: alive
    const err = await openError(file);
    expect(err).toBeInstanceOf(StateLockedError);
    expect(err.message).toBe(`state ${file} is in use by a running daemon (pid ${process.ppid}); stop it first`);
    expect(err).toMatchObject({ pid: process.ppid, path: file, host: null });
    expect(await readFile(`${file}.lock`, 'utf8')).toBe(`${process.ppid}\n${hostname()}\n`); // untouched
  });

  it('refuses a lock whose live pid still has the start time it recorded', async () => {
    const file = await stateFile();
    const content = `${process.ppid}\n${hostname()}\n${processStart(process.ppid) ?? ''}\n`;
    await writeFile(`${file}.lock`, content);
    expect(await openError(file)).toBeInstanceOf(StateLockedError);
    expect(await readFile(`${file}.lock`, 'utf8')).toBe(content);
  });

  it.runIf(process.platform === 'linux')('takes over a lock whose pid was recycled by an unrelated live process, with a warning', async () => {
    const file = await stateFile();
    // Our parent is alive, but it is not the process that wrote this lock: its start time differs.
    const start = Number(processStart(process.ppid)) + 1;
    await writeFile(`${file}.lock`, `${process.ppid}\n${hostname()}\n${start}\n`);
    const store = await openStore(file);
    expect(store.warnings).toEqual([
      `took over stale lock ${file}.lock: its pid ${process.ppid} now belongs to another process (not the one that took the lock)`,
    ]);
    expect(await readFile(`${file}.lock`, 'utf8')).toBe(OWN_LOCK);
  });

  it.runIf(process.platform === 'linux')(
    'takes over a pid-only lock whose live pid is not a Node process (a recycled pid), with a warning',
    async () => {
      const file = await stateFile();
      const other = spawn('sleep', ['120'], { stdio: 'ignore' });
      try {
        await writeFile(`${file}.lock`, String(other.pid));
        const store = await openStore(file);
        expect(store.warnings).toEqual([
          `took over stale lock ${file}.lock: its pid ${other.pid} now belongs to another process (not the one that took the lock)`,
        ]);
        expect(await readFile(`${file}.lock`, 'utf8')).toBe(OWN_LOCK);
      } finally {
        other.kill('SIGKILL');
      }
    },
  );

  it('refuses a lock from another host (its process cannot be checked)', async () => {
    const file = await stateFile();
    await writeFile(`${file}.lock`, '4242\nrender-07\n');
    const err = await openError(file);
    expect(err).toBeInstanceOf(StateLockedError);
    expect(err.message).toBe(
      `state ${file} is in use by a daemon on host render-07 (pid 4242); stop it there first, or delete ${file}.lock if it is not running`,
    );
  });

  it('takes over an old unreadable lock, but waits out a fresh one', async () => {
    const file = await stateFile();
    await writeFile(`${file}.lock`, '');
    const old = new Date(Date.now() - 10_000);
    await utimes(`${file}.lock`, old, old);
    const store = await openStore(file);
    expect(store.warnings).toEqual([`took over unreadable stale lock ${file}.lock`]);
    await store.close();

    // A lock being written this instant: the content shows up shortly after.
    await writeFile(`${file}.lock`, '');
    setTimeout(() => void writeFile(`${file}.lock`, `${process.ppid}\n${hostname()}\n`), 100);
    expect(await openError(file)).toBeInstanceOf(StateLockedError);
  });

  it('leaves a lock someone else took alone when releasing', async () => {
    const file = await stateFile();
    const store = await StateStore.open(file);
    await writeFile(`${file}.lock`, '1\nother-host\n'); // e.g. forcibly replaced by hand
    await store.close();
    expect(await readFile(`${file}.lock`, 'utf8')).toBe('1\nother-host\n');
  });
});

describe('writeFileAtomic', () => {
  it('replaces the content and leaves no temp file', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'x.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(await readFile(file, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['x.json']);
  });

  it('fails cleanly when the folder is missing', async () => {
    const dir = await tempDir();
    await expect(writeFileAtomic(path.join(dir, 'no/x.json'), 'x')).rejects.toThrow(/ENOENT/);
  });
});
