// Bundles the compiled plugin worker (dist/electron/engine/plugin-worker.js and its imports)
// into one file beside it: each plugin's worker then loads one module instead of ~25
// (electron/engine/plugin-worker-bundle.ts; docs/performance.md, "Memory, round 5").
// Run by `npm run build` after tsc. Usage: node scripts/build-worker.mjs

import { writeDistBundle } from '../dist/electron/engine/plugin-worker-bundle.js';

process.stdout.write(`plugin worker bundled: ${writeDistBundle()}\n`);
