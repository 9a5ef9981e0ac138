// N Node workers that run nothing, in one process: what one worker per plugin costs before
// any of our code runs, the floor under the daemon's idle RSS (bench/footprint.ts).
// Usage: node dist/bench/empty-workers.js N  (prints "ready" once every worker is online)
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

const n = Number(process.argv[2] ?? NaN);
if (!Number.isInteger(n) || n < 0) throw new Error(`usage: empty-workers N (a count of workers), got ${String(process.argv[2])}`);
for (let i = 0; i < n; i++) {
  // Kept alive by a timer, as a plugin's worker is by its port.
  await once(new Worker('setInterval(() => {}, 2 ** 30);', { eval: true }), 'online');
}
process.stdout.write('ready\n');
setInterval(() => {}, 2 ** 30);
