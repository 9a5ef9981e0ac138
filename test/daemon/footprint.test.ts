// What a plain `shotgun-events run` loads (docs/performance.md, "Memory, round 5"): the sandbox,
// the UI server (and ws) and nodemailer are imported only when used (demo mode, --ui, [emails]).
// Every module the daemon process resolves is written down by a resolve hook (ESM) and a
// require hook (CommonJS) given to it through NODE_OPTIONS.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { makeSite, type Site } from './harness.js';

let site: Site;
afterEach(async () => site?.close());

function loggingEnv(dir: string, name: string): { env: NodeJS.ProcessEnv; loaded: () => string[] } {
  const log = path.join(dir, `${name}.modules`);
  const hooks = path.join(dir, `${name}-hooks.mjs`);
  const register = path.join(dir, `${name}-register.mjs`);
  const cjs = path.join(dir, `${name}-require.cjs`);
  writeFileSync(log, '');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
     export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }`,
  );
  writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify(`file://${hooks}`)});`);
  writeFileSync(
    cjs,
    `const M = require('node:module'); const { appendFileSync } = require('node:fs'); const inner = M._resolveFilename;
     M._resolveFilename = function (...a) { const r = inner.apply(this, a); appendFileSync(${JSON.stringify(log)}, r + '\\n'); return r; };`,
  );
  return {
    env: { NODE_OPTIONS: `--require ${cjs} --import ${register}` },
    loaded: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

const LAZY = {
  sandbox: /\/electron\/sandbox\/(?!default-port\.js)/,
  uiServer: /\/electron\/headless\/server\.js$/,
  ws: /\/node_modules\/ws\//,
  nodemailer: /\/node_modules\/nodemailer\//,
};
const which = (modules: string[]) => Object.fromEntries(Object.entries(LAZY).map(([k, re]) => [k, modules.some((m) => re.test(m))]));

it('a plain run loads neither the sandbox, the UI server, ws nor nodemailer; --ui loads the UI server', async () => {
  site = await makeSite();
  site.writePlugin('noop.mjs', `export function registerCallbacks(reg) { reg.registerCallback('plug', 'k', () => {}); }`);

  const plain = loggingEnv(site.dir, 'plain');
  const d = site.run([], plain.env);
  await d.waitFor(/Polling every event type/);
  expect(await d.stop('SIGTERM')).toBe(0);
  const modules = plain.loaded();
  expect(modules.some((m) => m.includes('/electron/engine/engine.js'))).toBe(true); // the hooks saw the daemon
  expect(which(modules)).toEqual({ sandbox: false, uiServer: false, ws: false, nodemailer: false });

  const ui = loggingEnv(site.dir, 'ui');
  const u = site.run(['--ui', '127.0.0.1:0'], ui.env);
  await u.waitFor(/Polling every event type/);
  expect(await u.stop('SIGTERM')).toBe(0);
  expect(which(ui.loaded())).toMatchObject({ sandbox: false, uiServer: true, ws: true });
});
