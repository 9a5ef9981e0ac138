import { test } from 'vitest';
import { execSync } from 'node:child_process';
import { PluginHost } from '../../electron/engine/plugin-host.js';
test('probe', async () => {
  const ps = () => execSync(`ps -eo pid,ppid,rss,args | grep -i esbuild | grep -v grep || true`).toString();
  console.log('before', ps());
  const hs = [0,1,2].map(() => new PluginHost({ file: '/tmp/smoke/ts1.ts', name: 'ts1', shotgun: { server: 'http://127.0.0.1:9' }, callbackTimeoutMs: 5000, onLog: () => {} }));
  for (const h of hs) console.log(JSON.stringify(await h.load()).slice(0, 80));
  console.log('loaded', ps());
  for (const h of hs) await h.close();
  await new Promise((r) => setTimeout(r, 300));
  console.log('closed', ps());
});
