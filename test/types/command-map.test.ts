// Every command of contract.ts has a handler, and the compiler holds it: a copy of electron/
// gets one more command with no handler anywhere, and tsc must refuse it exactly where the
// handler maps are (the engine's control.ts and the desktop app's host.ts).
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of electron/ (with the project's tsconfig and node_modules), `edit` applied to its contract.ts; tsc's error lines. */
async function typeErrors(edit: (contract: string) => string): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sge-command-map-'));
  dirs.push(dir);
  cpSync(path.join(root, 'electron'), path.join(dir, 'electron'), { recursive: true, filter: (f) => !f.includes(`${path.sep}node_modules`) });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  writeFileSync(path.join(dir, 'package.json'), readFileSync(path.join(root, 'package.json')));
  const base = JSON.parse(readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...base.compilerOptions, noEmit: true }, include: ['electron/**/*.ts'] }),
  );
  const contract = path.join(dir, 'electron/contract.ts');
  writeFileSync(contract, edit(readFileSync(contract, 'utf8')));
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', dir], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    return [];
  } catch (e) {
    const out = (e as { stdout?: string }).stdout ?? '';
    if (!out.trim()) throw e;
    return out.split('\n').filter((l) => /error TS\d+/.test(l));
  }
}

function addCommand(contract: string): string {
  const withArgs = contract.replace(/^(export const commands = \{\n)/m, '$1  probeCommand: z.object({}).strict(),\n');
  const withResult = withArgs.replace(/^(export interface CommandResults \{\n)/m, '$1  probeCommand: void;\n');
  expect(withResult).not.toBe(contract);
  expect(withResult.match(/probeCommand/g)).toHaveLength(2);
  return withResult;
}

describe('the command handler maps', () => {
  it('fail the typecheck, in both maps, when contract.ts gains a command with no handler', { timeout: 600_000 }, async () => {
    const errors = await typeErrors(addCommand);
    const files = [...new Set(errors.map((l) => l.split('(')[0]))].sort();
    expect(files).toEqual(['electron/engine/control.ts', 'electron/main/host.ts']);
    for (const l of errors) expect(l).toMatch(/probeCommand/);
  });
});
