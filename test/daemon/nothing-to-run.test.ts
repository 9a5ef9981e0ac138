// Configs that used to run quietly doing nothing, through the real CLI: an unknown
// `[shotgun] api_version` is refused by run and check; `[plugins] paths =` empty, or folders
// with no plugin file, make `run` log an ERROR that also reaches the UI's engine view.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recorderPlugin, until } from './harness.js';
import { inProcess } from '../engine/in-process.js';

const live = inProcess();

describe('[shotgun] api_version', () => {
  it('v9 is a config error for run and check, naming the key and the value', async () => {
    const s = await live.site();
    s.writeConfig({ shotgun: { api_version: 'v9' } });
    for (const cmd of ['run', 'check']) {
      const r = await s.cli([cmd, '--config', s.configPath]);
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/\[shotgun\] api_version: expected v1 or v1\.1, got 'v9'/);
    }
  });
});

describe('nothing to run', () => {
  for (const [what, paths] of [
    ['[plugins] paths empty', ''],
    ['a plugin folder with no plugin file', 'empty-folder'],
  ] as const) {
    it(`${what}: run logs an ERROR saying so`, async () => {
      const s = await live.site();
      if (paths) mkdirSync(path.join(s.dir, paths), { recursive: true });
      s.writeConfig({ plugins: { paths } });
      const d = s.run();
      const re = paths
        ? new RegExp(`ERROR.*No plugins to run: no \\.js .* file in ${path.join(s.dir, paths)}`)
        : /ERROR.*No plugins to run: \[plugins\] paths is empty/;
      await d.waitFor(re, 60_000);
      d.proc.kill('SIGTERM');
      await d.exited;
    }, 90_000);
  }

  it("the UI's engine view carries the problem until a plugin appears", async () => {
    const s = await live.site();
    mkdirSync(path.join(s.dir, 'later'), { recursive: true });
    s.writeConfig({ plugins: { paths: 'later' } });
    const { engine } = await live.engine(s);
    expect(engine.engineView().problems).toEqual([expect.stringMatching(/^No plugins to run: no \.js .* file in .*later\. Add plugin files/)]);
    s.writePlugin(path.join('..', 'later', 'a.mjs'), recorderPlugin(s.recordsDir, 'a'));
    await until(() => engine.engineView().problems?.length === 0, 'the problem cleared once a plugin loaded', 30_000);
  }, 90_000);
});
