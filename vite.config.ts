// Vite config: the React renderer's build (`vite build` → dist/renderer/) and the test
// runner's settings (Vitest reads this file too). The renderer's root is renderer/; the
// tests keep the repository as their root.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const repo = fileURLToPath(new URL('.', import.meta.url));

/**
 * Twin of the headless server's header CSP (electron/headless/server.ts, csp()); Electron's
 * protocol loading needs the meta tag. connect-src is the page's own origin: 'self' covers the
 * same-origin ws:// of the headless UI, and the server's header names it exactly as well.
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
  "img-src 'self' data:; object-src 'none'; base-uri 'none'";

/** The CSP goes in at build time only: the dev server's React refresh needs an inline script. */
function cspMeta(): Plugin {
  return {
    name: 'shotgun-events:csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  root: `${repo}renderer`,
  base: './',
  plugins: [react(), cspMeta()],
  build: {
    outDir: `${repo}dist/renderer`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  test: {
    root: repo,
    globalSetup: ['test/global-setup.ts'],
    // Tests start real servers and child processes: give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Three files at a time on the 2-core machine, e2e and torture included: much of a test's
    // time is waiting on child processes (daemons, sandboxes, Chromium), so with two the cores
    // still idled a fifth of the time. Every project has the same maxWorkers so they share one
    // group and overlap: a project with fileParallelism off would be run alone after all the
    // others (docs/testing.md).
    maxWorkers: 3,
    // Main-process tests mock `electron` (vi.mock): electron-store imports it, so it is
    // inlined to see the mock (an external copy would load the real package, which tries
    // to download the Electron binary).
    server: { deps: { inline: ['electron-store'] } },
    projects: [
      // One fork runs many unit files (isolate: false): the electron/ modules they import are
      // loaded once per fork, not once per file (Vitest's summed import time fell from 51 s to
      // 22 s; docs/testing.md). The files that mock modules (vi.mock of electron) stay isolated.
      {
        extends: true,
        test: { name: 'unit', isolate: false, include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', 'test/torture/**', 'test/main/**'] },
      },
      { extends: true, test: { name: 'main', include: ['test/main/**/*.test.ts'] } },
      { extends: true, test: { name: 'torture', include: ['test/torture/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
