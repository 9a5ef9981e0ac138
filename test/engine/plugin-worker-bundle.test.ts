// The bundled plugin worker of dist/ (electron/engine/plugin-worker-bundle.ts): a compiled tree,
// bundled as `npm run build` does, runs its workers from the bundle; once a compiled module
// changes (a `tsc` without the bundle step), from the compiled plugin-worker.js instead of the
// stale bundle.

import { execFileSync } from 'node:child_process';
import { appendFile, cp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { cleanupTempDirs, tempDir } from './helpers.js';

afterAll(async () => {
  await cleanupTempDirs();
});

test('dist workers run from the bundle while it matches the compiled modules, else from plugin-worker.js', async () => {
  const root = await tempDir('sge-worker-bundle-');
  const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
  // A private copy of the compiled tree (built by the global setup), without the bundle that
  // `npm run build` may have left in it.
  await cp(path.join(projectRoot, 'dist', 'electron'), path.join(root, 'electron'), { recursive: true });
  for (const f of ['plugin-worker.bundle.js', 'plugin-worker.bundle.json']) await rm(path.join(root, 'electron', 'engine', f), { force: true });
  await writeFile(path.join(root, 'package.json'), '{"type":"module"}\n');
  await symlink(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'), 'junction');
  await mkdir(path.join(root, 'plugins'));
  await writeFile(
    path.join(root, 'plugins', 'where.mjs'),
    `export function registerCallbacks(reg) {
       reg.registerCallback('plug', 'k', (_sg, e, _a, ctx) => ctx.logger.info('event ' + e.id));
     }`,
  );
  const script = path.join(root, 'check.mjs');
  await writeFile(
    script,
    `import { PluginHost } from './electron/engine/plugin-host.js';
     import { workerEntry, writeDistBundle } from './electron/engine/plugin-worker-bundle.js';
     if (process.argv[2] === 'bundle') writeDistBundle();
     const lines = [];
     const h = new PluginHost({ file: new URL('./plugins/where.mjs', import.meta.url).pathname, name: 'where', shotgun: { server: 'http://127.0.0.1:9' }, callbackTimeoutMs: 5000, onLog: (l) => lines.push(l.message) });
     const load = await h.load();
     const ev = { id: 5, event_type: 'Shotgun_Shot_New', attribute_name: null, meta: null, entity: null, user: null, project: null, session_uuid: null, created_at: '2026-01-01T00:00:00Z' };
     const run = await h.run(ev, [0], { late: false, attempt: 1 });
     await h.close();
     console.log(JSON.stringify({ entry: new URL(workerEntry()).pathname.split('/').pop(), ok: load.ok && run.outcomes[0].ok, lines }));`,
  );
  const check = (...args: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 })
        .trim()
        .split('\n')
        .pop()!,
    ) as unknown;

  expect(check()).toMatchObject({ entry: 'plugin-worker.js', ok: true, lines: ['event 5'] });
  expect(check('bundle')).toMatchObject({ entry: 'plugin-worker.bundle.js', ok: true, lines: ['event 5'] });
  expect(check()).toMatchObject({ entry: 'plugin-worker.bundle.js', ok: true });
  // A module of the worker compiled again, the bundle not: the bundle is stale and not used.
  await appendFile(path.join(root, 'electron', 'engine', 'plugin-worker-errors.js'), '\n// changed\n');
  expect(check()).toMatchObject({ entry: 'plugin-worker.js', ok: true, lines: ['event 5'] });
});
