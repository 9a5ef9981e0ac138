// Shutdown: SIGTERM while a poll is in flight stops at once. (Regression: stop() found no
// sleep to wake, and the poll loop then slept a whole fetch_interval before exiting.)
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, recorderPlugin, type Site } from './harness.js';

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
});
