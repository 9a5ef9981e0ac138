// `shotgun-events new-plugin` through the real CLI: it writes a starter plugin and its test,
// refuses to overwrite or to take a bad name, and the generated test passes UNCHANGED when
// vitest runs it from the repository (shotgun-events/testing resolves to the built package).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, collect } from '../daemon/harness.js';

// Inside the repository's test tree, so that `shotgun-events/testing` resolves as it does
// for a plugin folder that depends on the package. Removed afterwards.
const dir = mkdtempSync(path.join(ROOT, 'test', 'plugins-cli', '.generated-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  return collect(p).finally(() => clearTimeout(t));
}

const cli = (args: string[]) => run(process.execPath, [CLI, ...args], dir);

describe('new-plugin', () => {
  it('writes a commented starter plugin and a test that passes unchanged', async () => {
    const r = await cli(['new-plugin', 'shotStamp', '--dir', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plugin = path.join(dir, 'shotStamp.ts');
    const test = path.join(dir, 'shotStamp.test.ts');
    expect(r.stdout).toContain(`wrote ${plugin}`);
    expect(r.stdout).toContain(`wrote ${test}`);
    const src = readFileSync(plugin, 'utf8');
    expect(src).toContain('export function registerCallbacks(reg: Registrar)');
    expect(src).toContain("matchEvents: { Shotgun_Shot_Change: ['sg_status_list'] }");
    expect(src).toContain('ctx.logger.info');
    expect(src).toContain('await sg.update(');
    expect(src).toMatch(/function checkArgs/);
    expect(readFileSync(test, 'utf8')).toContain("from 'shotgun-events/testing'");

    // The repo's vitest, with a config that only runs the generated test (the suite's global
    // setup already built dist/, which `shotgun-events/testing` resolves to).
    const config = path.join(dir, 'vitest.config.mjs');
    writeFileSync(config, "export default { test: { include: ['shotStamp.test.ts'], testTimeout: 30000 } };\n");
    const v = await run(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config, '--root', dir], dir);
    expect(v.stdout + v.stderr).toMatch(/Tests\s+3 passed \(3\)/);
    expect(v.code).toBe(0);
  }, 120_000);

  it('the generated plugin and test type-check against the package types', async () => {
    const plugin = path.join(dir, 'typed.ts');
    const r = await cli(['new-plugin', 'typed', '--dir', dir]);
    expect(r.code).toBe(0);
    const tsc = await run(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2023',
        '--types',
        'node',
        '--skipLibCheck',
        plugin,
        path.join(dir, 'typed.test.ts'),
      ],
      dir,
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  }, 60_000);

  it('refuses to overwrite, and rejects names that are not plugin file names', async () => {
    let r = await cli(['new-plugin', 'once', '--dir', dir]);
    expect(r.code).toBe(0);
    const before = readFileSync(path.join(dir, 'once.ts'), 'utf8');
    writeFileSync(path.join(dir, 'once.ts'), `${before}// edited\n`);
    r = await cli(['new-plugin', 'once', '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('once.ts already exists; not overwriting it');
    expect(readFileSync(path.join(dir, 'once.ts'), 'utf8')).toContain('// edited');

    for (const bad of ['bad name', '1st', 'a/b', '../escape', 'semi;colon']) {
      r = await cli(['new-plugin', bad, '--dir', dir]);
      expect(r.code, bad).toBe(1);
      expect(r.stderr, bad).toContain('is not a valid plugin name');
    }
    r = await cli(['new-plugin', '_helper', '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("may not start with '_'");
    expect(existsSync(path.join(dir, '_helper.ts'))).toBe(false);
  });
});
