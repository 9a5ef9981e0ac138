// kill -9 mid-batch through the real CLI: after a restart every event is delivered at least
// once, the duplicates are exactly the events processed after the last saved cursor (a
// small in-flight window), and the state file parses at every moment (atomic writes).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { makeSite, readState, recorderPlugin, until, type Site } from './harness.js';

let site: Site;
afterEach(async () => site?.close());

const PER_EVENT_MS = 20;

it('kill -9 while a slow plugin works through a backlog: nothing lost, duplicates only of the in-flight window, state never torn', async () => {
  site = await makeSite();
  site.writePlugin('slow.mjs', recorderPlugin(site.recordsDir, 'slow', { body: `await new Promise((r) => setTimeout(r, ${PER_EVENT_MS}));` }));
  let d = site.run();
  await d.waitFor(/Polling every event type/);
  expect(await d.stop()).toBe(0);
  const start = readState(site)!.plugins.slow!.lastId;

  // A backlog written while the daemon is down.
  site.sandbox.traffic.burst(250);
  const expected = (
    await site.sg.find<{ id: number }>('EventLogEntry', [['id', 'greater_than', start]], ['id'], [{ field_name: 'id', direction: 'asc' }], 5000)
  ).map((e) => e.id);
  expect(expected.length).toBeGreaterThanOrEqual(250);

  // Watch the state file the whole time: it must always parse, and never go backwards.
  const stateFile = path.join(site.dir, 'state', 'daemon.id.json');
  const seen: number[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const s = JSON.parse(readFileSync(stateFile, 'utf8')) as { plugins: Record<string, { lastId: number }> };
      seen.push(s.plugins.slow!.lastId);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  d = site.run();
  await until(() => site.records('slow').length >= 80, 'the plugin is well into the backlog');
  d.proc.kill('SIGKILL');
  expect((await d.exited).signal).toBe('SIGKILL');
  const atKill = readState(site)!.plugins.slow!.lastId;
  const firstRun = site.records('slow').map((r) => r.id);
  expect(firstRun.length).toBeLessThan(expected.length); // really killed mid-way
  expect(atKill).toBeGreaterThan(start); // the cursor was being saved along the way

  d = site.run();
  await until(() => new Set(site.records('slow').map((r) => r.id)).size >= expected.length, 'every event after the restart', 14_000);
  expect(await d.stop()).toBe(0);
  watching = false;
  await watcher;

  const all = site.records('slow').map((r) => r.id);
  const secondRun = all.slice(firstRun.length);
  // Each run delivers in id order, and together they cover every event.
  expect(firstRun).toEqual(expected.slice(0, firstRun.length));
  expect(new Set(all)).toEqual(new Set(expected));
  // The restart resumes right after the saved cursor: the duplicates are exactly the
  // events of the first run past it, each delivered twice.
  expect(secondRun).toEqual(expected.filter((id) => id > atKill));
  const dups = firstRun.filter((id) => id > atKill);
  console.log(`kill -9 after ${firstRun.length} events: cursor on disk ${atKill}, ${dups.length} duplicates`);
  expect(all.length - expected.length).toBe(dups.length);
  // In flight = what one state flush interval (250 ms) and one batch (~100 ms) hold.
  expect(dups.length).toBeLessThanOrEqual(Math.ceil(400 / PER_EVENT_MS) + 8);
  // The state on disk always parsed (the watcher would have thrown) and never went back.
  expect(seen.length).toBeGreaterThan(50);
  for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
  expect(readState(site)!.plugins.slow!.lastId).toBe(expected[expected.length - 1]);
});
