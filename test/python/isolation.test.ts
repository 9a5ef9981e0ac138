// A misbehaving .py plugin (raise, sys.exit, os._exit, segfault, endless loops) in its own
// Python process, next to a well-behaved one: outcomes, restarts, and no harm to the other.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PythonHost } from '../../electron/engine/python/python-host.js';
import type { PluginLogLine } from '../../electron/engine/plugin-protocol.js';
import type { EventLogEntry } from '../../electron/shotgun/types.js';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/py_isolation.py');
const hosts: PythonHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

function host(name: string, opts: { python?: string; timeoutMs?: number } = {}): { h: PythonHost; logs: PluginLogLine[] } {
  const logs: PluginLogLine[] = [];
  const h = new PythonHost({
    file: FIXTURE,
    name,
    shotgun: { server: 'http://127.0.0.1:9' },
    callbackTimeoutMs: opts.timeoutMs ?? 30_000,
    abortGraceMs: 500,
    onLog: (l) => logs.push(l),
    ...(opts.python ? { python: opts.python } : {}),
  });
  hosts.push(h);
  return { h, logs };
}

let nextId = 1;
const ev = (meta: Record<string, unknown> | null = null): EventLogEntry => ({
  id: nextId++,
  event_type: 'Shotgun_Shot_Change',
  attribute_name: 'code',
  meta,
  entity: null,
  user: null,
  project: null,
  session_uuid: null,
  created_at: '2026-01-02T03:04:05Z',
});
const run = (h: PythonHost, meta: Record<string, unknown> | null = null) => h.run(ev(meta), [0], { late: false, attempt: 1 });

describe('Python plugin isolation', () => {
  it('raise and sys.exit are callback errors; the process and its module state live on', async () => {
    const { h, logs } = host('iso_a');
    expect((await h.load()).ok).toBe(true);
    const pid = h.pid;
    expect((await run(h)).outcomes[0]!.ok).toBe(true);
    const raised = await run(h, { do: 'raise' });
    expect(raised.outcomes[0]!.error!.message).toBe('ValueError: asked to raise');
    const exited = await run(h, { do: 'exit' });
    expect(exited.outcomes[0]!.error!.message).toBe('SystemExit: 3');
    expect(exited.crashed).toBeUndefined();
    expect((await run(h)).outcomes[0]!.ok).toBe(true);
    expect(h.pid).toBe(pid);
    expect(logs.filter((l) => l.message.startsWith('seen')).at(-1)!.message).toMatch(/^seen \[\d+, \d+, \d+, \d+\]/);
    expect(
      logs.some((l) => l.level === 'critical' && l.logger === 'plugin.iso_a.misbehave' && l.message.includes('ValueError: asked to raise')),
    ).toBe(true);
  });

  it.each([
    ['os._exit', 'hard-exit', /code 9/],
    ['a segfault', 'segfault', /signal SIGSEGV|code -11|code 139/],
  ])('%s ends the run as crashed, the next run restarts the process, the neighbour never notices', async (_what, doIt, why) => {
    const bad = host('iso_bad');
    const good = host('iso_good');
    expect((await bad.h.load()).ok && (await good.h.load()).ok).toBe(true);
    const goodPid = good.h.pid;
    const [crash, fine] = await Promise.all([run(bad.h, { do: doIt }), run(good.h)]);
    expect(crash.crashed).toMatch(why);
    expect(crash.outcomes[0]!.ok).toBe(false);
    expect(fine.outcomes[0]!.ok).toBe(true);
    const after = await run(bad.h);
    expect(after.outcomes[0]!.ok).toBe(true);
    expect(bad.logs.some((l) => /Restarting the Python process .*module state starts afresh/.test(l.message))).toBe(true);
    expect(good.h.pid).toBe(goodPid);
  });

  it('an endless loop times out (SIGINT); one that swallows it is killed after the grace; both restart', async () => {
    const { h } = host('iso_loop', { timeoutMs: 300 });
    expect((await h.load()).ok).toBe(true);
    const pid = h.pid;
    const looped = await run(h, { do: 'loop' });
    expect(looped.outcomes[0]!.error).toMatchObject({ timedOut: true });
    expect(looped.crashed).toBeUndefined();
    expect(h.pid).toBe(pid);
    const stubborn = await run(h, { do: 'stubborn-loop' });
    expect(stubborn.outcomes[0]!.error).toMatchObject({ timedOut: true });
    expect(stubborn.crashed).toMatch(/did not stop within 500 ms of SIGINT: the Python process was killed/);
    expect((await run(h)).outcomes[0]!.ok).toBe(true);
    expect(h.pid).not.toBe(pid);
  });

  it('a missing interpreter is a load error naming it', async () => {
    const { h } = host('iso_nopy', { python: '/nonexistent/python9' });
    const r = await h.load();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toBe(
      `The Python interpreter '/nonexistent/python9' ([plugins] python) was not found, so the plugin at ${FIXTURE} cannot load`,
    );
  });

  it('a broken interpreter (one that is not Python) is a load error naming it and what it said', async () => {
    const { h } = host('iso_notpy', { python: '/bin/false' });
    const r = await h.load();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(
      /^The Python interpreter '\/bin\/false' \(\[plugins\] python\) could not load the plugin at .*: the Python process exited with code 1/,
    );
  });
});

describe('the checks PythonHost shares with PluginHost (plugin-host-base.ts)', () => {
  const opts = { file: FIXTURE, name: 'iso_checks', shotgun: { server: 'http://127.0.0.1:9' }, callbackTimeoutMs: 1000, onLog: () => {} };

  it('refuses options without a name, a log sink or a sane load timeout, naming the problem', () => {
    expect(() => new PythonHost({ ...opts, name: '' })).toThrow(/PythonHost needs opts\.name/);
    expect(() => new PythonHost({ ...opts, onLog: undefined as unknown as () => void })).toThrow(/PythonHost needs opts\.onLog/);
    expect(() => new PythonHost({ ...opts, loadTimeoutMs: -5 })).toThrow(/loadTimeoutMs must be a positive number of milliseconds, got -5/);
  });

  it('refuses a malformed run item before sending anything, and the process lives on', async () => {
    const { h } = host('iso_items');
    expect((await h.load()).ok).toBe(true);
    const pid = h.pid;
    await expect(h.runBatch([{ callbackIndexes: [0] } as unknown as Parameters<PythonHost['runBatch']>[0][number]])).rejects.toThrow(
      /iso_items: each run item needs an event with a numeric id/,
    );
    await expect(h.runBatch([{ event: ev(), callbackIndexes: 0 as unknown as number[] }])).rejects.toThrow(/callbackIndexes must be an array/);
    expect((await run(h)).outcomes[0]!.ok).toBe(true);
    expect(h.pid).toBe(pid);
  });
});
