// The HTTP stack (undici) loads on a client's first request, not when the client module is
// imported or a client made: every plugin worker imports the client, and most never call
// the site while idle (docs/performance.md). Checked in a fresh process, for real.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'sge-lazy-undici-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the ShotGrid client loads undici lazily', () => {
  it('not at import or construction; on the first request, which then works', () => {
    const script = path.join(dir, 'check.mts');
    const src = (rel: string) => JSON.stringify(path.join(ROOT, rel));
    writeFileSync(
      script,
      `import { createRequire } from 'node:module';
       import { startSandbox } from ${src('electron/sandbox/index.ts')};
       import { Shotgun } from ${src('electron/shotgun/index.ts')};
       const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/undici/'));
       const sb = await startSandbox({ port: 0, seed: 'none', scripts: [{ name: 'lazy', key: 'k' }] });
       const sg = new Shotgun({ server: sb.url, credentials: { scriptName: 'lazy', scriptKey: 'k' } });
       const before = loaded();
       const rows = await sg.find('Project', [], ['id']);
       console.log(JSON.stringify({ before, after: loaded(), rows: Array.isArray(rows) }));
       await sg.close();
       await sb.close();`,
    );
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ before: false, after: true, rows: true });
  });
});
