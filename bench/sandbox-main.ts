// The bench's site, run as its own process by bench/sandbox.ts: the sandbox with the bench's
// scripts, as `shotgun-events sandbox --seed minimal` would start it, but keeping enough
// event encodings for the bench's re-reads (electron/sandbox/rest-event-cache.ts: 16 MB by
// default, ~16,000 events; the bench reads its 100,000 events several times).
import { startSandbox } from '../electron/sandbox/index.js';

const [scriptsJson, cacheMb] = process.argv.slice(2);
const scripts = JSON.parse(scriptsJson ?? '[]') as Array<{ name: string; key: string }>;
const eventCacheMb = Number(cacheMb ?? 256);
if (!Number.isFinite(eventCacheMb) || eventCacheMb < 0) throw new Error(`event cache MB must be a number ≥ 0, got '${cacheMb}'`);

const sb = await startSandbox({ port: 0, host: '127.0.0.1', seed: 'minimal', scripts, rate: 0, eventCacheMb });
process.stdout.write(`ShotGrid sandbox on ${sb.url} (event encodings kept: ${eventCacheMb} MB)\n`);
await new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
await sb.close();
