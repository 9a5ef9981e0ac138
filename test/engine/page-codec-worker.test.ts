// The page codec through real plugin workers: what a callback gets is exactly the event the
// engine holds (ASCII and non-ASCII pages, per-event callback plans, late flags), a fresh
// object per delivery, and a run that stops at a failure leaves the rest of the page unrun.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerPage } from '../../electron/engine/page-codec.js';
import { PluginHost } from '../../electron/engine/plugin-host.js';
import type { EventLogEntry } from '../../electron/shotgun/types.js';
import { cleanupTempDirs, tempDir } from './helpers.js';

let dir: string;
const hosts: PluginHost[] = [];
beforeAll(async () => {
  dir = await tempDir('sge-codec-');
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(async () => {
  await cleanupTempDirs();
});

const event = (id: number, name: string): EventLogEntry => ({
  id,
  event_type: 'Shotgun_Task_Change',
  attribute_name: 'sg_status_list',
  meta: { type: 'attribute_change', attribute_name: 'sg_status_list', old_value: 'ip', new_value: 'fin', entity_id: id, entity_type: 'Task' },
  entity: { type: 'Task', id, name },
  user: { type: 'HumanUser', id: 3, name: 'Ann' },
  project: { type: 'Project', id: 1, name: 'Demo' },
  session_uuid: null,
  created_at: '2026-01-01T00:00:00Z',
});

/** A plugin with two callbacks that append what they got (event, ctx.late) to a JSON-lines file. */
async function recorder(out: string, failOn: number | null = null): Promise<PluginHost> {
  const file = path.join(dir, `rec${hosts.length}.mjs`);
  await writeFile(
    file,
    `import { appendFileSync } from 'node:fs';
const seen = { a: new Set(), b: new Set() };
function note(which, event, ctx) {
  // The callbacks of one plugin share an event; a callback never gets the same object twice.
  if (seen[which].has(event)) throw new Error('the same object was delivered twice');
  seen[which].add(event);
  appendFileSync(${JSON.stringify(out)}, JSON.stringify({ which, late: ctx.late, event }) + '\\n');
  // What the last callback does to its event must not reach the next delivery.
  if (which === 'b') event.entity = 'changed by b';
  if (event.id === ${String(failOn)}) throw new Error('fails on ' + event.id);
}
export function registerCallbacks(reg) {
  reg.registerCallback('s', 'k', function a(sg, event, args, ctx) { note('a', event, ctx); });
  reg.registerCallback('s', 'k', function b(sg, event, args, ctx) { note('b', event, ctx); });
}
`,
  );
  const h = new PluginHost({
    file,
    name: path.basename(file, '.mjs'),
    shotgun: { server: 'http://127.0.0.1:9' },
    callbackTimeoutMs: 10_000,
    onLog: () => {},
  });
  hosts.push(h);
  const r = await h.load();
  if (!r.ok) throw new Error(r.error);
  return h;
}

async function lines(out: string): Promise<Array<{ which: string; late: boolean; event: EventLogEntry }>> {
  const text = await readFile(out, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { which: string; late: boolean; event: EventLogEntry });
}

describe('page codec in the worker', () => {
  it('delivers each event exactly, ASCII or not, with its own callbacks and late flag', async () => {
    const out = path.join(dir, 'exact.jsonl');
    const h = await recorder(out);
    const ascii = [event(1, 'Anim'), event(2, 'Comp'), event(3, 'Light')];
    const wide = [event(4, 'Anim – é'), event(5, 'Ünïcode 😀'), event(6, 'plain')];
    registerPage(ascii);
    registerPage(wide);
    await h.runBatch(ascii.map((e) => ({ event: e, callbackIndexes: [0, 1] })));
    await h.runBatch([
      { event: wide[0]!, callbackIndexes: [1] },
      { event: wide[2]!, callbackIndexes: [0, 1], late: true },
    ]);
    // A retry of event 6: a fresh object, without what b did to the last one.
    await h.runBatch([{ event: wide[2]!, callbackIndexes: [0] }], { attempt: 2 });
    const got = await lines(out);
    expect(got.map((g) => [g.which, g.event.id, g.late])).toEqual([
      ['a', 1, false],
      ['b', 1, false],
      ['a', 2, false],
      ['b', 2, false],
      ['a', 3, false],
      ['b', 3, false],
      ['b', 4, false],
      ['a', 6, true],
      ['b', 6, true],
      ['a', 6, false],
    ]);
    // Each callback got the engine's event as it is.
    const byId = new Map([...ascii, ...wide].map((e) => [e.id, e]));
    for (const g of got) expect(g.event).toEqual(byId.get(g.event.id));
  });

  it('a stopOnError failure ends the run there: later events of the page are not run', async () => {
    const out = path.join(dir, 'stop.jsonl');
    const h = await recorder(out, 3);
    const page = [event(11, 'x'), event(12, 'y'), event(13, 'z')].map((e) => ({ ...e, id: e.id - 9 }));
    registerPage(page);
    const results = await h.runBatch(page.map((e) => ({ event: e, callbackIndexes: [0, 1] })));
    expect(results.map((r) => [r.eventId, r.outcomes.map((o) => o.ok)])).toEqual([
      [2, [true, true]],
      [3, [false]],
    ]);
    expect((await lines(out)).map((g) => [g.which, g.event.id])).toEqual([
      ['a', 2],
      ['b', 2],
      ['a', 3],
    ]);
  });
});
