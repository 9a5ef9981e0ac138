// The engine in-process against a sandbox over HTTP: what it must never do silently.
// Starting cursors durable before any dispatch, a cursor past the site's newest event,
// failed state writes, stale locks and temp files, request timeouts, and stack traces
// of held events.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recorderPlugin, until, type Site } from '../daemon/harness.js';
import { inProcess } from './in-process.js';
import { readState, shotId, statePath } from '../daemon/helpers.js';
import { deadPid } from './helpers.js';

const live = inProcess();

const write = async (s: Site, n: number): Promise<number[]> => {
  const shot = await shotId(s);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    await s.sg.update('Shot', shot, { sg_cut_in: Math.floor(Math.random() * 1e9) });
    out.push(s.sandbox.store.lastEventId);
  }
  return out;
};

describe('first start', () => {
  it("every plugin's starting cursor is on disk before any plugin loads or takes an event", async () => {
    const s = await live.site();
    s.writePlugin('a.mjs', recorderPlugin(s.recordsDir, 'a'));
    s.writePlugin('b.mjs', recorderPlugin(s.recordsDir, 'b'));
    // c takes a while to load: a kill -9 while it loads must not leave it out of the state.
    s.writePlugin('c.mjs', recorderPlugin(s.recordsDir, 'c', { header: 'await new Promise((r) => setTimeout(r, 1500));' }));
    const head = s.sandbox.store.lastEventId;
    const { engine: e } = await live.engine(s, { start: false });
    const started = e.start();
    await until(() => existsSync(statePath(s)), 'the state file');
    // The first state on disk already holds all three, at the head.
    const first = readState(s)!;
    expect(Object.fromEntries(Object.entries(first.plugins).map(([n, p]) => [n, p.lastId]))).toEqual({ a: head, b: head, c: head });
    await started;
    const ids = await write(s, 3);
    await until(() => ['a', 'b', 'c'].every((n) => s.records(n).length === 3), 'every plugin got the 3 events');
    for (const n of ['a', 'b', 'c']) expect(s.records(n).map((r) => r.id)).toEqual(ids);
  }, 60_000);
});

describe('a cursor past the newest event on the site', () => {
  it('is flagged at start (errored, logged at ERROR with the fix); the others run on', async () => {
    const s = await live.site();
    s.writePlugin('a.mjs', recorderPlugin(s.recordsDir, 'a'));
    s.writePlugin('b.mjs', recorderPlugin(s.recordsDir, 'b'));
    mkdirSync(path.dirname(statePath(s)), { recursive: true });
    const head = s.sandbox.store.lastEventId;
    writeFileSync(statePath(s), JSON.stringify({ version: 1, plugins: { a: { lastId: 99_999_999 }, b: { lastId: head } }, headId: 99_999_999 }));
    const run = await live.engine(s);
    const fix = new RegExp(
      `^cursor 99999999 is past the newest event on ${s.sandbox.url} \\(${head}\\): .* Nothing is delivered to a until its cursor is moved: ` +
        `shotgun-events cursor --config ${s.configPath} --plugin a --to-latest \\(or --to-id N\\), or from the UI\\.$`,
    );
    expect(run.logs.find((l) => l.logger === 'plugin.a' && fix.test(l.message))?.levelName).toBe('ERROR');
    await until(() => run.engine.snapshot().plugins.find((p) => p.name === 'a')?.state === 'load_error', 'a shown as errored');
    expect(run.engine.snapshot().plugins.find((p) => p.name === 'a')!.error).toMatch(fix);
    const ids = await write(s, 2);
    await until(() => s.records('b').length === 2, 'b got both events');
    expect(s.records('a')).toEqual([]);

    // Moved from the UI, it runs again from there.
    await run.engine.command('pause', { plugin: 'a' });
    await run.engine.command('setCursor', { plugin: 'a', target: { kind: 'id', id: ids[0]! } });
    await run.engine.command('resume', { plugin: 'a' });
    await until(() => s.records('a').length === 1, 'a got the event after its new cursor');
    expect(s.records('a').map((r) => r.id)).toEqual([ids[1]]);
  }, 60_000);

  it('is flagged on a poll too, when a cursor is moved past the site while running', async () => {
    const s = await live.site();
    s.writePlugin('a.mjs', recorderPlugin(s.recordsDir, 'a'));
    const run = await live.engine(s);
    await run.engine.command('pause', { plugin: 'a' });
    const ahead = s.sandbox.store.lastEventId + 1000;
    await run.engine.command('setCursor', { plugin: 'a', target: { kind: 'id', id: ahead } });
    await run.engine.command('resume', { plugin: 'a' });
    await until(() => run.engine.snapshot().plugins[0]?.state === 'load_error', 'a flagged by a poll');
    expect(run.logged(new RegExp(`^cursor ${ahead} is past the newest event`), 'ERROR')).toBe(true);
  }, 60_000);
});

describe('the state file', () => {
  it('a failed write is an ERROR, shown in the engine view, retried until it works again', async () => {
    const s = await live.site();
    s.writePlugin('a.mjs', recorderPlugin(s.recordsDir, 'a'));
    const run = await live.engine(s);
    await until(() => existsSync(statePath(s)), 'the state file');
    // A folder where the state file goes: every rename onto it fails, even as root.
    rmSync(statePath(s));
    mkdirSync(path.join(statePath(s), 'blocker'), { recursive: true });
    const [id] = await write(s, 1);
    await until(() => run.logged(/^cannot write state .*Cursors are not being saved/, 'ERROR'), 'the write error logged');
    await until(() => typeof run.engine.engineView().stateError === 'string', 'stateError in the engine view');
    expect(run.views.some((v) => v.stateError?.startsWith(`cannot write state ${statePath(s)}`))).toBe(true);

    rmSync(statePath(s), { recursive: true });
    await until(() => run.logged(/^State saved to .* again\.$/, 'INFO'), 'the state saved again', 60_000);
    expect(run.engine.engineView().stateError).toBeNull();
    expect(readState(s)!.plugins.a!.lastId).toBe(id);
  }, 90_000);

  it('taking over a stale lock and removing leftover temp files are logged', async () => {
    const s = await live.site();
    s.writePlugin('a.mjs', recorderPlugin(s.recordsDir, 'a'));
    const file = statePath(s);
    mkdirSync(path.dirname(file), { recursive: true });
    const pid = await deadPid();
    writeFileSync(`${file}.lock`, `${pid}\n${hostname()}\n`);
    const tmp = `.${path.basename(file)}.123.abcd.tmp`;
    writeFileSync(path.join(path.dirname(file), tmp), '{"half');
    const run = await live.engine(s);
    const warned = (m: string) => run.logs.some((l) => l.levelName === 'WARNING' && l.message === m);
    expect(warned(`state: took over stale lock ${file}.lock: its process ${pid} is no longer running`)).toBe(true);
    expect(warned(`state: removed ${tmp}, left by an interrupted state write (the state file itself is intact)`)).toBe(true);
  }, 60_000);
});

describe('requests slower than [shotgun] timeout', () => {
  it('log a WARNING naming the request and what happens next, and polling recovers', async () => {
    const s = await live.site();
    s.writeConfig({ shotgun: { timeout: 1 } });
    s.writePlugin('a.mjs', recorderPlugin(s.recordsDir, 'a'));
    const run = await live.engine(s);
    s.sandbox.faults.slowMs = 1500;
    const timeout = new RegExp(
      `^POST ${s.sandbox.url}/api/v1\\.1/entity/EventLogEntry/_search: Timed out after 1000 ms \\(attempt 1\\); retrying in \\d+ ms\\.$`,
    );
    await until(() => run.logged(timeout, 'WARNING'), 'a timeout WARNING', 30_000);
    s.sandbox.faults.slowMs = 0;
    const [id] = await write(s, 1);
    await until(() => s.records('a').some((r) => r.id === id), 'a got the event after the site sped up', 60_000);
  }, 90_000);
});

describe('a held event', () => {
  it('logs the stack trace (stopOnError=true), as the original logged the traceback', async () => {
    const s = await live.site();
    s.writeConfig({ daemon: { retry_backoff: '30' } });
    s.writePlugin('a.mjs', recorderPlugin(s.recordsDir, 'a', { body: 'explode();', header: "function explode() { throw new Error('boom'); }" }));
    const run = await live.engine(s);
    const [id] = await write(s, 1);
    await until(() => run.logged(new RegExp(`^holding at event ${id} `), 'ERROR'), 'the hold logged');
    const line = run.logs.find((l) => l.message.startsWith(`holding at event ${id} `))!;
    expect(line.message).toMatch(/\n\s+at explode \(/);
    expect(line.message).toMatch(/\n\s+at record \(/);
  }, 60_000);
});
