// Isolation through the real daemon: a plugin that throws, hangs past its timeout, calls
// process.exit, runs out of memory, holds too many Buffers, or tries to kill or abort the
// daemon's process harms no other plugin. A healthy recorder beside it
// gets every event in id order, the daemon keeps running, and SIGTERM still exits 0.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recorderPlugin, until } from './harness.js';
import { CONCURRENT_TIMEOUT, cursorsReach, ids, readState, shotId, siteInSlot, Slots } from './helpers.js';

// The cases are independent (a site and a daemon each): two at a time.
const slots = new Slots(2);

/** Misbehaves on the FIRST event it sees only (a marker file survives worker restarts). */
const once = (marker: string, misbehave: string) =>
  `if (!existsSync(${JSON.stringify(marker)})) { writeFileSync(${JSON.stringify(marker)}, ''); ${misbehave} }`;

interface Case {
  name: string;
  body: (marker: string) => string;
  stopOnError: boolean;
  /** [daemon] callback_timeout (s); the default (300) when absent. */
  timeout?: number;
  /** Other [daemon] keys. */
  daemon?: Record<string, number>;
  /** Logged by the daemon about the bad plugin. */
  log: RegExp;
}

const cases: Case[] = [
  {
    name: 'throws (stopOnError false)',
    // Every event fails: each one is recorded in the failed list and the plugin moves on.
    body: () => `throw new Error('boom ' + event.id);`,
    stopOnError: false,
    log: /boom \d+/,
  },
  {
    name: 'hangs past callback_timeout (a busy loop that ignores its abort signal)',
    body: (m) => once(m, 'for (;;) {}'),
    stopOnError: true,
    timeout: 1,
    log: /timed out after 1000 ms/,
  },
  {
    name: 'calls process.exit(3)',
    body: (m) => once(m, 'process.exit(3);'),
    stopOnError: true,
    log: /plugin worker exited with code 3/,
  },
  {
    name: 'leaks memory until out of memory',
    body: (m) => once(m, 'const keep = []; for (;;) keep.push(new Array(1 << 20).fill(Math.random()));'),
    stopOnError: true,
    log: /plugin worker ran out of memory/,
  },
  {
    // Off the V8 heap: only the plugin_buffer_limit check sees it.
    name: 'holds Buffers over plugin_buffer_limit',
    body: (m) =>
      once(
        m,
        'globalThis.keep = []; for (let i = 0; i < 60; i++) { keep.push(Buffer.alloc(4 << 20, 1)); await new Promise((r) => setTimeout(r, 10)); }',
      ),
    stopOnError: true,
    daemon: { plugin_buffer_limit: 64 },
    log: /ERROR:plugin\.bad:.*Plugin bad (would hold|held) \d+ MB of off-heap memory \(Buffers, ArrayBuffers\).* over its limit of 64 MB/,
  },
  {
    name: "calls process.kill(process.pid, 'SIGKILL')",
    body: (m) => once(m, "process.kill(process.pid, 'SIGKILL');"),
    stopOnError: true,
    log: /ERROR:plugin\.bad.*Plugin bad may not call process\.kill\(\d+, "SIGKILL"\)/,
  },
  {
    name: 'calls process.abort()',
    body: (m) => once(m, 'process.abort();'),
    stopOnError: true,
    log: /ERROR:plugin\.bad.*Plugin bad may not call process\.abort\(\)/,
  },
];

describe.concurrent('isolation', () => {
  it.for(cases)('a plugin that $name harms no other plugin', { timeout: CONCURRENT_TIMEOUT }, (c, { onTestFinished }) => isolated(c, onTestFinished));
});

/** One case: a healthy recorder beside the bad plugin, under the real daemon. */
async function isolated(c: Case, onTestFinished: (fn: () => Promise<void>) => void): Promise<void> {
  const site = await siteInSlot(slots, onTestFinished);
  if (c.timeout || c.daemon) site.writeConfig({ daemon: { ...(c.timeout ? { callback_timeout: c.timeout } : {}), ...c.daemon } });
  const marker = path.join(site.dir, 'bad.marker');
  site.writePlugin('healthy.mjs', recorderPlugin(site.recordsDir, 'healthy'));
  site.writePlugin(
    'bad.mjs',
    recorderPlugin(site.recordsDir, 'bad', {
      header: "import { existsSync, writeFileSync } from 'node:fs';",
      body: c.body(marker),
      stopOnError: c.stopOnError,
    }),
  );
  const d = site.run(['--grace', '2']);
  await d.waitFor(/Polling every event type/);
  const before = site.sandbox.store.lastEventId;
  const shot = await shotId(site);
  for (let i = 0; i < 5; i++) await site.sg.update('Shot', shot, { sg_cut_in: 100 + i });
  const all = Array.from({ length: 5 }, (_, i) => before + 1 + i);
  expect(site.sandbox.store.lastEventId).toBe(before + 5);

  await until(() => ids(site, 'healthy').length === 5, 'healthy got every event');
  await d.waitFor(c.log, 60_000); // filling a 512 MB heap is slow on a loaded machine
  await cursorsReach(site, ['healthy', 'bad'], before + 5, 20_000);
  expect(ids(site, 'healthy')).toEqual(all);
  if (c.stopOnError) {
    // Held at the first event, retried automatically (worker restarted), then every event once.
    expect(site.records('bad').map((r) => [r.id, r.attempt])).toEqual(all.map((id, i) => [id, i === 0 ? 2 : 1]));
    expect(d.output()).toMatch(new RegExp(`event ${before + 1} succeeded on attempt 2`));
  } else {
    expect(site.records('bad')).toEqual([]);
    expect(readState(site)!.plugins.bad!.failed.map((f) => [f.eventId, f.error])).toEqual(all.map((id) => [id, `boom ${id}`]));
  }

  // Still running and still delivering.
  expect(d.proc.exitCode).toBeNull();
  await site.sg.update('Shot', shot, { sg_cut_in: 999 });
  await until(() => ids(site, 'healthy').length === 6, 'healthy got a later event');
  expect(ids(site, 'healthy')).toEqual([...all, before + 6]);
  expect(await d.stop()).toBe(0);
}
