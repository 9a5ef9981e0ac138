// Builds dist/ once before the suite: integration tests run the real `shotgun-events`
// CLI (dist/electron/cli/main.js) in child processes, and it must match the sources. The
// build is incremental, as `npm run build:engine` (which `npm test` runs beside the type
// checks): after it, this is a quick no-op (docs/testing.md). The
// end-to-end tests (test/e2e) also need the built renderer that `run --ui` serves
// (dist/renderer/): rebuilt with Vite when its sources are newer than the build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Newest modification time under `p` (a file or a folder), ms. */
function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
  return m;
}

/** The same flags as package.json's build:engine, so both share one build record. */
const INCREMENTAL = ['--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'];

export default function setup(): void {
  const root = fileURLToPath(new URL('../', import.meta.url));
  execFileSync(
    process.execPath,
    [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.json', ...INCREMENTAL],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  const built = path.join(root, 'dist/renderer/index.html');
  const sources = Math.max(...['renderer', 'vite.config.ts', 'electron/contract.ts'].map((p) => newest(path.join(root, p))));
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: root,
      stdio: 'inherit',
    });
  }
}
