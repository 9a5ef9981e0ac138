// A plugin worker's V8 limits (electron/engine/plugin-worker-entry.ts): its young generation is
// capped, so a worker that churns through page-sized garbage does not keep 32 MB of semi-spaces
// (docs/performance.md, "Memory, round 5"). Out-of-memory under the cap: plugin-host.test.ts.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, expect, test } from 'vitest';
import { PluginHost, type PluginLogLine } from '../../electron/engine/plugin-host.js';
import { WORKER_YOUNG_GENERATION_MB } from '../../electron/engine/plugin-worker-entry.js';
import { cleanupTempDirs, tempDir } from './helpers.js';

const hosts: PluginHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(async () => {
  await cleanupTempDirs();
});

test("a worker decoding page-sized JSON keeps its young generation within the cap (V8's default grows it to 32 MB)", async () => {
  const dir = await tempDir('sge-limits-');
  const file = path.join(dir, 'churn.mjs');
  await writeFile(
    file,
    `import { getHeapSpaceStatistics } from 'node:v8';
     // 500 events shaped like real ones (~600 bytes each), the last pages kept as a runner's are
     const page = JSON.stringify(Array.from({ length: 500 }, (_, i) => ({
       type: 'EventLogEntry', id: i, event_type: 'Shotgun_Shot_Change', attribute_name: 'sg_status_list',
       description: 'Shot ' + i + ' status changed from "ip" to "fin" by somebody with a longer description',
       created_at: '2026-12-05T12:00:00Z', session_uuid: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
       entity: { type: 'Shot', id: i, name: 'SH' + i }, user: { type: 'HumanUser', id: 42, name: 'Some Artist' },
       project: { type: 'Project', id: 70, name: 'Demo Project' },
       meta: { type: 'attribute_change', attribute_name: 'sg_status_list', entity_type: 'Shot', entity_id: i,
               field_data_type: 'status_list', old_value: 'ip', new_value: 'fin', in_create: false },
     })));
     export function registerCallbacks(reg) {
       reg.registerCallback('plug', 'k', (_sg, _e, _a, ctx) => {
         let keep = [];
         for (let i = 0; i < 400; i++) { keep.push(JSON.parse(page)); if (keep.length > 2) keep.shift(); }
         const mb = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 ** 20;
         ctx.logger.info('new space ' + mb);
       });
     }`,
  );
  const logs: PluginLogLine[] = [];
  const h = new PluginHost({ file, name: 'churn', shotgun: { server: 'http://127.0.0.1:9' }, callbackTimeoutMs: 60_000, onLog: (l) => logs.push(l) });
  hosts.push(h);
  expect((await h.load()).ok).toBe(true);
  const event = {
    type: 'EventLogEntry' as const,
    id: 1,
    event_type: 'x',
    attribute_name: null,
    meta: null,
    entity: null,
    user: null,
    project: null,
    session_uuid: null,
    created_at: '2026-01-01T00:00:00Z',
  };
  const run = await h.run(event, [0], { late: false, attempt: 1 });
  expect(run.outcomes.map((o) => o.ok)).toEqual([true]);
  const said = logs.map((l) => l.message).find((m) => m.startsWith('new space '));
  expect(said).toBeDefined();
  const mb = Number(said!.slice('new space '.length));
  expect(mb).toBeGreaterThan(0);
  // V8 gives the young generation three semi-space sizes' worth: 24 MB → 8 MB semi-spaces, 16 MB of new space.
  expect(mb).toBeLessThanOrEqual((WORKER_YOUNG_GENERATION_MB * 2) / 3);
});
