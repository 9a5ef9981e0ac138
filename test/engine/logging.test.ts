import { existsSync } from 'node:fs';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { rotatedSuffix } from '../../electron/engine/log-file.js';
import { formatMessage } from '../../electron/engine/log-format.js';
import { levelName, parseLevel } from '../../electron/engine/log-levels.js';
import { createLogging, type LogLine, type Logging, type LoggingOptions } from '../../electron/engine/logging.js';
import { cleanupTempDirs, tempDir } from './helpers.js';

afterAll(cleanupTempDirs);

const open: Logging[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

function make(opts: Partial<LoggingOptions> = {}): Logging & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const logging = createLogging({
    logMode: 1,
    level: 20,
    console: false,
    timingLog: false,
    emails: null,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    ...opts,
  });
  open.push(logging);
  return Object.assign(logging, { out, err });
}

const ASCTIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d{3})$/;

async function lines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
}

/** Splits `asctime - name - LEVEL - message`. */
function parseLine(line: string): { time: number; name: string; level: string; message: string } {
  const m = /^(.{23}) - (\S+) - (\S+) - (.*)$/.exec(line);
  expect(m, line).not.toBeNull();
  const [, asctime, name, level, message] = m!;
  const t = ASCTIME.exec(asctime!);
  expect(t, asctime).not.toBeNull();
  const [, y, mo, d, h, mi, s, ms] = t!.map(Number);
  return { time: new Date(y!, mo! - 1, d, h, mi, s, ms).getTime(), name: name!, level: level!, message: message! };
}

describe('levels', () => {
  it('has Python names and parses numbers and names', () => {
    expect([10, 20, 30, 40, 50].map(levelName)).toEqual(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
    expect(levelName(25)).toBe('Level 25');
    expect(parseLevel(20)).toBe(20);
    expect(parseLevel('10')).toBe(10);
    expect(parseLevel('warning')).toBe(30);
    expect(parseLevel('CRITICAL')).toBe(50);
    expect(() => parseLevel('loud')).toThrow(/unknown log level/);
  });

  it('filters by logger level; a callback logger follows its plugin until set', () => {
    const l = make({ level: 30, console: true });
    l.engine.info('engine info');
    l.engine.warning('engine warning');
    l.plugin('p').info('plugin info');
    l.callback('p', 'cb').debug('cb debug 1');
    l.plugin('p').setLevel('DEBUG');
    l.callback('p', 'cb').debug('cb debug 2');
    l.engine.debug('engine debug');
    l.callback('p', 'cb').setLevel(40);
    l.callback('p', 'cb').warning('cb warning');
    l.plugin('p').debug('plugin debug');
    l.plugin('q').info('other plugin info');
    expect(l.out).toEqual(['WARNING:engine:engine warning\n', 'DEBUG:plugin.p.cb:cb debug 2\n', 'DEBUG:plugin.p:plugin debug\n']);
    expect(l.plugin('p').getEffectiveLevel()).toBe(10);
    expect(l.callback('p', 'cb').isEnabledFor(30)).toBe(false);
    expect(l.callback('p', 'other').isEnabledFor(10)).toBe(true);
  });
});

describe('console', () => {
  it('writes LEVEL:logger:message to stdout in the foreground', () => {
    const l = make({ console: true, level: 10 });
    l.engine.info('Using SG REST API %s', 'v1.1');
    l.plugin('notes').warning('slow');
    l.callback('notes', 'onNote').error('failed on %d', 42);
    l.engine.critical('Crash!!!!!');
    expect(l.out).toEqual([
      'INFO:engine:Using SG REST API v1.1\n',
      'WARNING:plugin.notes:slow\n',
      'ERROR:plugin.notes.onNote:failed on 42\n',
      'CRITICAL:engine:Crash!!!!!\n',
    ]);
  });

  it("keeps a plugin's per-event INFO off the terminal (UI and files only); its warnings and the engine's lines still show", () => {
    const seen: LogLine[] = [];
    const l = make({ console: true, level: 10, onLine: (x) => seen.push(x) });
    // Lines of plugin code arrive through write() (the plugin host's log forwarding).
    l.plugin('logArgs').write({ level: 20, message: 'event 41 args', eventId: 41 });
    l.callback('logArgs', 'cb').write({ level: 10, message: 'event 42 detail', eventId: 42 });
    l.plugin('logArgs').write({ level: 30, message: 'event 43 odd', eventId: 43 });
    l.plugin('logArgs').write({ level: 20, message: 'loaded' });
    l.engine.forEvent(44).info('engine about 44');
    // The engine's own line about a plugin's event (a recovery after a hold) still shows.
    l.plugin('logArgs').forEvent(45).info('event 45 succeeded on attempt 2');
    expect(l.out).toEqual([
      'WARNING:plugin.logArgs:event 43 odd\n',
      'INFO:plugin.logArgs:loaded\n',
      'INFO:engine:engine about 44\n',
      'INFO:plugin.logArgs:event 45 succeeded on attempt 2\n',
    ]);
    expect(seen.map((x) => x.message)).toEqual([
      'event 41 args',
      'event 42 detail',
      'event 43 odd',
      'loaded',
      'engine about 44',
      'event 45 succeeded on attempt 2',
    ]);
  });

  it('writes nothing to stdout when not in the foreground', () => {
    const l = make({ console: false });
    l.engine.info('quiet');
    expect(l.out).toEqual([]);
  });
});

describe('files', () => {
  it('logMode 0: everything in <logPath>/<logFile>, Python format, logPath created', async () => {
    const dir = path.join(await tempDir(), 'var', 'log', 'sged');
    const l = make({ logMode: 0, logPath: dir, logFile: 'shotgunEventDaemon' });
    const before = Date.now();
    l.engine.info('Last event id (%d) from the database.', 123);
    l.plugin('p').warning('plugin says');
    l.callback('p', 'cb').error('callback says');
    expect(l.mainLogFile).toBe(path.join(dir, 'shotgunEventDaemon'));
    expect(l.pluginLogFile('p')).toBe(path.join(dir, 'shotgunEventDaemon'));
    await l.flush();
    const got = (await lines(path.join(dir, 'shotgunEventDaemon'))).map(parseLine);
    expect(got.map(({ name, level, message }) => [name, level, message])).toEqual([
      ['engine', 'INFO', 'Last event id (123) from the database.'],
      ['plugin.p', 'WARNING', 'plugin says'],
      ['plugin.p.cb', 'ERROR', 'callback says'],
    ]);
    // asctime is local time, to the millisecond
    for (const g of got) {
      expect(g.time).toBeGreaterThanOrEqual(before - 1);
      expect(g.time).toBeLessThanOrEqual(Date.now() + 1);
    }
    expect((await readdir(dir)).filter((f) => !f.startsWith('.'))).toEqual(['shotgunEventDaemon']);
  });

  it('logMode 1: engine in the main file, one plugin.<name> file per plugin with its callbacks', async () => {
    const dir = await tempDir();
    const l = make({ logMode: 1, logPath: dir, logFile: 'main.log' });
    l.engine.info('engine line');
    l.plugin('alpha').info('alpha line');
    l.callback('alpha', 'onEvent').info('alpha callback line');
    l.plugin('beta').error('beta line');
    await l.flush();
    expect((await lines(path.join(dir, 'main.log'))).map((x) => parseLine(x).message)).toEqual(['engine line']);
    expect((await lines(path.join(dir, 'plugin.alpha'))).map(parseLine).map((x) => `${x.name}|${x.level}|${x.message}`)).toEqual([
      'plugin.alpha|INFO|alpha line',
      'plugin.alpha.onEvent|INFO|alpha callback line',
    ]);
    expect((await lines(path.join(dir, 'plugin.beta'))).map((x) => parseLine(x).message)).toEqual(['beta line']);
    expect(l.pluginLogFile('alpha')).toBe(path.join(dir, 'plugin.alpha'));
  });

  it('keeps every line written before close(), and appends to an existing file', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'main.log'), 'old line\n');
    const l = make({ logPath: dir, logFile: 'main.log' });
    for (let i = 0; i < 2000; i++) l.engine.info(`line ${i}`);
    await l.close();
    const got = await lines(path.join(dir, 'main.log'));
    expect(got).toHaveLength(2001);
    expect(got[0]).toBe('old line');
    expect(parseLine(got[2000]!).message).toBe('line 1999');
    // after close, lines no longer reach the file (and nothing throws)
    l.engine.info('late');
    expect(await lines(path.join(dir, 'main.log'))).toHaveLength(2001);
  });

  it('resolves logFile against logPath, or uses an absolute logFile as is', async () => {
    const dir = await tempDir();
    const abs = path.join(dir, 'elsewhere', 'daemon.log');
    const l = make({ logMode: 1, logPath: path.join(dir, 'logs'), logFile: abs });
    l.engine.info('x');
    l.plugin('p').info('y');
    await l.flush();
    expect(existsSync(abs)).toBe(true);
    expect(existsSync(path.join(dir, 'logs', 'plugin.p'))).toBe(true);
  });

  it('has no files without logFile', async () => {
    const l = make({ logFile: null, logPath: null, timingLog: true });
    l.engine.info('x');
    expect(l.mainLogFile).toBeNull();
    expect(l.timingLogFile).toBeNull();
    expect(l.pluginLogFile('p')).toBeNull();
    await l.flush();
  });

  it('refuses a logPath that is a file', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'afile'), '');
    expect(() => make({ logPath: path.join(dir, 'afile'), logFile: 'x' })).toThrow(/not a folder/);
  });

  it('closePluginFile releases a plugin file, which reopens when the plugin logs again', async () => {
    const dir = await tempDir();
    const l = make({ logPath: dir, logFile: 'main.log' });
    l.plugin('p').info('one');
    await l.closePluginFile('p');
    l.plugin('p').info('two');
    await l.flush();
    expect((await lines(path.join(dir, 'plugin.p'))).map((x) => parseLine(x).message)).toEqual(['one', 'two']);
  });
});

describe('rotation (rotating-file-stream: midnight, 10 backups, Python names)', () => {
  function daysAgo(n: number): Date {
    const now = new Date();
    return new Date(now.getFullYear(), now.getMonth(), now.getDate() - n, 12, 0, 0);
  }

  it('rotates a file last written on an earlier day to <file>.YYYY-MM-DD when it opens', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'main.log');
    await writeFile(file, 'yesterday\n');
    await utimes(file, daysAgo(1), daysAgo(1));
    const l = make({ logPath: dir, logFile: 'main.log' });
    l.engine.info('today');
    await l.close();
    const rotated = path.join(dir, `main.log.${rotatedSuffix(daysAgo(1))}`);
    expect(await readFile(rotated, 'utf8')).toBe('yesterday\n');
    expect((await lines(file)).map((x) => parseLine(x).message)).toEqual(['today']);
  });

  it('never overwrites a backup of the same day, and keeps only the newest 10', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'main.log');
    // A backup the Python daemon left for 3 days ago.
    await writeFile(path.join(dir, `main.log.${rotatedSuffix(daysAgo(3))}`), 'python\n');
    for (let k = 12; k >= 1; k--) {
      await writeFile(file, `day -${k}\n`);
      await utimes(file, daysAgo(k), daysAgo(k));
      const l = make({ logPath: dir, logFile: 'main.log' });
      l.engine.info('today');
      await l.close();
    }
    const names = (await readdir(dir)).filter((f) => f.startsWith('main.log.')).sort();
    // 12 rotations, 10 kept (day -12 and -11 pruned); Python's own backup is untouched.
    const expected = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((k) => `main.log.${rotatedSuffix(daysAgo(k))}${k === 3 ? '.2' : ''}`);
    expected.push(`main.log.${rotatedSuffix(daysAgo(3))}`);
    expect(names).toEqual(expected.sort());
    expect(await readFile(path.join(dir, `main.log.${rotatedSuffix(daysAgo(3))}`), 'utf8')).toBe('python\n');
    expect(await readFile(path.join(dir, `main.log.${rotatedSuffix(daysAgo(3))}.2`), 'utf8')).toBe('day -3\n');
    expect(existsSync(path.join(dir, '.main.log.history'))).toBe(true);
  });
});

describe('onLine (the UI live log)', () => {
  it('gets every record that passes the level, with plugin, callback and event id', () => {
    const got: LogLine[] = [];
    const l = make({ level: 20, onLine: (line) => got.push(line) });
    const before = Date.now();
    l.engine.debug('filtered');
    l.engine.info('hello %s', 'world');
    l.plugin('p').warning('careful');
    l.callback('p', 'cb').forEvent(1234).error('failed');
    l.callback('p', 'cb').write({ level: 30, message: 'from the worker', time: 42, eventId: 7 });
    l.callback('p', 'cb').write({ level: 10, message: 'filtered too' });
    expect(got.map(({ time, ...rest }) => rest)).toEqual([
      { level: 20, levelName: 'INFO', logger: 'engine', message: 'hello world' },
      { level: 30, levelName: 'WARNING', logger: 'plugin.p', message: 'careful', plugin: 'p' },
      { level: 40, levelName: 'ERROR', logger: 'plugin.p.cb', message: 'failed', plugin: 'p', callback: 'cb', eventId: 1234 },
      { level: 30, levelName: 'WARNING', logger: 'plugin.p.cb', message: 'from the worker', plugin: 'p', callback: 'cb', eventId: 7 },
    ]);
    expect(got[0]!.time).toBeGreaterThanOrEqual(before);
    expect(got[3]!.time).toBe(42);
  });

  it('a throwing listener is reported once on stderr and logging goes on', async () => {
    const dir = await tempDir();
    const l = make({
      logPath: dir,
      logFile: 'main.log',
      onLine: () => {
        throw new Error('ui gone');
      },
    });
    l.engine.info('a');
    l.engine.info('b');
    await l.flush();
    expect(await lines(path.join(dir, 'main.log'))).toHaveLength(2);
    expect(l.err).toEqual(['shotgun-events: the live log listener failed: ui gone\n']);
  });
});

describe('message formatting', () => {
  it("follows Python's msg % args", () => {
    expect(formatMessage('plain %s with no args')).toBe('plain %s with no args');
    expect(formatMessage('id %d of %s', [12.7, 'x'])).toBe('id 12 of x');
    expect(formatMessage('%r and %s', ['q', { a: 1 }])).toBe("'q' and { a: 1 }");
    expect(formatMessage('100%% of %s', ['it'])).toBe('100% of it');
    expect(formatMessage('%05d|%-4s|%.2f', [42, 'ab', 3.14159])).toBe('00042|ab  |3.14');
    expect(formatMessage('%(id)d: %(name)s', [{ id: 5, name: 'n' }])).toBe('5: n');
    expect(formatMessage('extra', [1, 'two'])).toBe('extra 1 two');
    expect(formatMessage('missing %s %s', ['one'])).toBe('missing one %s');
    expect(formatMessage({ a: [1, 2] })).toBe('{ a: [ 1, 2 ] }');
    const err = new Error('bad');
    expect(formatMessage(err)).toBe(err.stack);
  });

  it('exception() appends the stack of the error', () => {
    const l = make({ console: true });
    const err = new Error('kaboom');
    l.engine.exception('An error occured processing an event: %s', err.message, err);
    expect(l.out[0]).toMatch(/^ERROR:engine:An error occured processing an event: kaboom/);
    expect(l.out[0]).toContain(err.stack!);
  });
});

describe('timing log', () => {
  it('writes one line per callback run to <logFile>.timing', async () => {
    const dir = await tempDir();
    const l = make({ logPath: dir, logFile: 'sged', timingLog: true, level: 50 });
    const created = '2026-01-02T03:04:05Z';
    const start = Date.parse(created) + 1500;
    l.timing({ eventId: 101, createdAt: created, plugin: 'notes', callback: 'onNote', start, end: start + 250, error: false });
    l.timing({ eventId: 102, createdAt: created, plugin: 'notes', callback: 'onNote', start, end: start + 90_061_001, error: true });
    expect(l.timingLogFile).toBe(path.join(dir, 'sged.timing'));
    await l.flush();
    const got = await lines(path.join(dir, 'sged.timing'));
    expect(got).toHaveLength(2);
    const first = parseLine(got[0]!);
    expect(first.name).toBe('timing');
    expect(first.level).toBe('INFO');
    const iso = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}[+-]\\d{2}:\\d{2}';
    expect(first.message).toMatch(
      new RegExp(
        `^event_id=101 created_at=${iso} callback=notes\\.onNote start=${iso} end=${iso} duration=00:00:00:00\\.250000 error=False delay=00:00:00:01\\.500000$`,
      ),
    );
    const second = parseLine(got[1]!).message;
    expect(second).toContain('event_id=102 ');
    expect(second).toContain(' duration=01:01:01:01.001000 error=True ');
    // created_at is the same instant, shown in local time
    const createdShown = /created_at=(\S+)/.exec(first.message)![1]!;
    expect(Date.parse(createdShown)).toBe(Date.parse(created));
    // the main log stays free of timing lines
    expect(existsSync(path.join(dir, 'sged'))).toBe(false);
  });

  it('writes nothing when timing_log is off', async () => {
    const dir = await tempDir();
    const l = make({ logPath: dir, logFile: 'sged', timingLog: false });
    l.timing({ eventId: 1, createdAt: '2026-01-02T03:04:05Z', plugin: 'p', callback: 'c', start: 1, end: 2, error: false });
    await l.flush();
    expect(l.timingLogFile).toBeNull();
    expect(existsSync(path.join(dir, 'sged.timing'))).toBe(false);
  });
});
