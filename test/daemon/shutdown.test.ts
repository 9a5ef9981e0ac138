// Shutdown: SIGTERM while a poll is in flight stops at once. (Regression: stop() found no
// sleep to wake, and the poll loop then slept a whole fetch_interval before exiting.)
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { makeSite, recorderPlugin, until, type Site } from './harness.js';
import { cursorsReach, readState, shotId } from './helpers.js';

let site: Site;
afterEach(async () => site?.close());

describe('shutdown', () => {
  it('SIGTERM during an in-flight poll exits 0 without waiting for fetch_interval', async () => {
    site = await makeSite();
    site.writeConfig({ daemon: { fetch_interval: 60 } });
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec'));
    // Every reply takes 0.5 s: the first poll, sent as start() ends, is in flight when
    // the signal arrives.
    site.sandbox.faults.slowMs = 500;
    const d = site.run();
    await d.waitFor(/Polling every event type/);
    const t = Date.now();
    expect(await d.stop()).toBe(0);
    expect(Date.now() - t, d.output()).toBeLessThan(10_000);
    expect(d.output()).toMatch(/Stopped; state saved\.\n$/);
  });

  it('SIGTERM starts no new event: only the callback in flight finishes, the rest run at the next start', async () => {
    site = await makeSite();
    const s = site;
    const started = path.join(s.recordsDir, 'started.txt');
    // Slow callbacks, so a batch of several events is in the worker when the signal comes.
    s.writePlugin(
      'slow.mjs',
      recorderPlugin(s.recordsDir, 'slow', {
        header: `import { appendFileSync as mark } from 'node:fs';`,
        body: `mark(${JSON.stringify(started)}, event.id + '\\n'); await new Promise((r) => setTimeout(r, 400));`,
      }),
    );
    let d = s.run();
    await d.waitFor(/Polling every event type/);
    expect(await d.stop()).toBe(0);
    const shot = await shotId(s);
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) {
      await s.sg.update('Shot', shot, { sg_cut_in: 100 + i });
      ids.push(s.sandbox.store.lastEventId);
    }
    const starts = () => readFileSync(started, 'utf8').trim().split('\n').filter(Boolean).map(Number);
    d = s.run();
    await until(() => {
      try {
        return starts().length >= 1;
      } catch {
        return false;
      }
    }, 'the first callback started');
    const atSignal = starts().length;
    expect(await d.stop()).toBe(0);
    // At most the one that may have started while the signal was on its way.
    expect(starts().length, d.output()).toBeLessThanOrEqual(atSignal + 1);
    expect(d.output()).not.toMatch(/holding at event|ended the run early/);
    const cursor = readState(s)!.plugins.slow!.lastId;
    expect(cursor).toBe(ids[starts().length - 1]);
    // The rest run at the next start, each once.
    d = s.run();
    await cursorsReach(s, ['slow'], ids[7]!, 30_000);
    expect(await d.stop()).toBe(0);
    expect(s.records('slow').map((r) => r.id)).toEqual(ids);
  }, 90_000);
});
