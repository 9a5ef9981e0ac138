// The plugin host: real plugin files in a temp folder, real worker threads, and the sandbox
// site for the callbacks' `sg`.

import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { PluginHost, type PluginHostOptions, type PluginLogLine } from '../../electron/engine/plugin-host.js';
import { startSandbox, type Sandbox } from '../../electron/sandbox/index.js';
import { Shotgun } from '../../electron/shotgun/index.js';
import type { EventLogEntry } from '../../electron/shotgun/types.js';
import { cleanupTempDirs, DIST_ELECTRON, tempDir } from './helpers.js';

const apiSource = fileURLToPath(new URL('../../electron/engine/plugin-api.js', import.meta.url));

let dir: string;
const hosts: PluginHost[] = [];

beforeAll(async () => {
  dir = await tempDir('sge-plugins-');
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(async () => {
  await cleanupTempDirs();
});

let fileSeq = 0;
/** Writes a plugin file (unique name) and returns its path. */
async function plugin(source: string, ext = '.mjs', name?: string): Promise<string> {
  const file = path.join(dir, `${name ?? `plugin${++fileSeq}`}${ext}`);
  await writeFile(file, source);
  return file;
}

interface TestHost extends PluginHost {
  logs: PluginLogLine[];
}

function host(file: string, opts: Partial<PluginHostOptions> = {}): TestHost {
  const logs: PluginLogLine[] = [];
  const h = new PluginHost({
    file,
    name: path.basename(file).replace(/\.[^.]+$/, ''),
    shotgun: { server: 'http://127.0.0.1:9' },
    callbackTimeoutMs: 10_000,
    onLog: (l) => logs.push(l),
    ...opts,
  }) as TestHost;
  h.logs = logs;
  hosts.push(h);
  return h;
}

async function loaded(file: string, opts: Partial<PluginHostOptions> = {}): Promise<TestHost> {
  const h = host(file, opts);
  const r = await h.load();
  if (!r.ok) throw new Error(`load failed: ${r.error}`);
  return h;
}

async function loadError(source: string, ext = '.mjs', opts: Partial<PluginHostOptions> = {}): Promise<{ error: string; file: string }> {
  const file = await plugin(source, ext);
  const r = await host(file, opts).load();
  if (r.ok) throw new Error('expected a load error');
  return { error: r.error, file };
}

let eventSeq = 1000;
function ev(over: Partial<EventLogEntry> = {}): EventLogEntry {
  return {
    type: 'EventLogEntry',
    id: ++eventSeq,
    event_type: 'Shotgun_Shot_Change',
    attribute_name: 'code',
    meta: { type: 'attribute_change', old_value: 'a', new_value: 'b' },
    entity: { type: 'Shot', id: 1, name: 'sh010' },
    user: { type: 'HumanUser', id: 1, name: 'Someone' },
    project: { type: 'Project', id: 1, name: 'Demo' },
    session_uuid: null,
    created_at: '2026-01-02T03:04:05Z',
    ...over,
  };
}

const first = { late: false, attempt: 1 };

/** Waits until `check` holds (for things that happen asynchronously, like stray logs). */
async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
const messages = (h: TestHost, re?: RegExp) => h.logs.map((l) => l.message).filter((m) => !re || re.test(m));

// ---------------------------------------------------------------------------------------

describe('loading', () => {
  test('.mjs, .js (ESM in a folder without package.json), .cjs and a default export object', async () => {
    const mjs = await plugin(
      `export function registerCallbacks(reg) {
         reg.registerCallback('plug', 'k', function onEvent() {}, null, { matchEvents: { Shotgun_Shot_Change: ['code'] }, stopOnError: false, timeoutMs: 1234 });
       }`,
    );
    const js = await plugin(`export function registerCallbacks(reg) { reg.registerCallback('plug', 'k', () => {}); }`, '.js');
    const cjs = await plugin(
      `const seen = [];
       module.exports = { registerCallbacks(reg) { reg.registerCallback('other', 'k2', function cjsCallback() {}); } };`,
      '.cjs',
    );
    const dflt = await plugin(`export default { registerCallbacks(reg) { reg.registerCallback('plug', 'k', function viaDefault() {}); } };`);

    expect(await host(mjs).load()).toEqual({
      ok: true,
      callbacks: [
        {
          index: 0,
          name: 'onEvent',
          scriptName: 'plug',
          scriptKey: 'k',
          matchEvents: { Shotgun_Shot_Change: ['code'] },
          stopOnError: false,
          timeoutMs: 1234,
        },
      ],
    });
    expect(await host(js, { callbackTimeoutMs: 777 }).load()).toEqual({
      ok: true,
      callbacks: [{ index: 0, name: 'callback1', scriptName: 'plug', scriptKey: 'k', matchEvents: null, stopOnError: true, timeoutMs: 777 }],
    });
    const c = await host(cjs).load();
    expect(c.ok && c.callbacks.map((x) => [x.name, x.scriptName])).toEqual([['cjsCallback', 'other']]);
    const d = await host(dflt).load();
    expect(d.ok && d.callbacks.map((x) => x.name)).toEqual(['viaDefault']);
  });

  test('.ts plugins: type-only imports from the package, TS syntax, a .ts helper, a value import of definePlugin', async () => {
    await writeFile(path.join(dir, 'ts-helper.ts'), `export const label = (n: number): string => 'n=' + n;\n`);
    const file = await plugin(
      `import type { Registrar, CallbackContext, EventLogEntry, Shotgun } from 'shotgun-events';
       import { Registrar as AlsoAType } from 'shotgun-events';
       import { definePlugin } from ${JSON.stringify(apiSource)};
       import { label } from './ts-helper.js';
       interface Args { prefix: string }
       enum Kind { A = 'a' }
       let calls: number = 0;
       async function onEvent(sg: Shotgun, event: EventLogEntry, args: Args, ctx: CallbackContext): Promise<void> {
         calls += 1;
         ctx.logger.info(\`\${args.prefix} \${label(calls)} \${Kind.A} \${event.id}\`);
       }
       const unused: AlsoAType | null = null;
       export default definePlugin((reg: Registrar) => {
         reg.registerCallback<Args>('plug', 'k', onEvent, { prefix: 'ts' } as Args);
       });`,
      '.ts',
    );
    const h = await loaded(file);
    const e = ev();
    const r = await h.run(e, [0], first);
    expect(r.outcomes.map((o) => o.ok)).toEqual([true]);
    expect(messages(h)).toContain(`ts n=1 a ${e.id}`);
  });

  test('top-level await: .mts, a .ts in a "type": "module" package; a clear hint for a CommonJS .ts', async () => {
    const source = (ext: string) =>
      `const ready: string = await Promise.resolve('tla' + ${JSON.stringify(ext)});
       export function registerCallbacks(reg: import('shotgun-events').Registrar): void {
         reg.registerCallback('plug', 'k', (_sg, _e, _a, ctx) => ctx.logger.info(ready + ' ' + typeof import.meta.url));
       }`;
    const esmDir = path.join(dir, 'esm-package');
    await mkdir(esmDir, { recursive: true });
    await writeFile(path.join(esmDir, 'package.json'), '{"type":"module"}\n');
    await writeFile(path.join(esmDir, 'tla.ts'), source('.ts'));
    for (const file of [await plugin(source('.mts'), '.mts'), path.join(esmDir, 'tla.ts')]) {
      const h = await loaded(file);
      await h.run(ev(), [0], first);
      expect(messages(h)).toEqual([`tla${path.extname(file)} string`]);
    }
    const { error } = await loadError(source('.ts'), '.ts');
    expect(error).toMatch(/Top-level await[\s\S]*rename it to \.mts/);
  });

  test('a tsconfig.json beside the plugin applies (paths aliases)', async () => {
    const proj = path.join(dir, 'ts-project');
    await mkdir(path.join(proj, 'lib'), { recursive: true });
    await writeFile(path.join(proj, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@lib/*': ['./lib/*'] } } }));
    await writeFile(path.join(proj, 'lib', 'names.ts'), `export const who: string = 'aliased';\n`);
    await writeFile(
      path.join(proj, 'aliased.ts'),
      `import { who } from '@lib/names';
       export function registerCallbacks(reg: any): void { reg.registerCallback('plug', 'k', (_s: unknown, _e: unknown, _a: unknown, ctx: any) => ctx.logger.info(who)); }`,
    );
    const h = await loaded(path.join(proj, 'aliased.ts'));
    await h.run(ev(), [0], first);
    expect(messages(h)).toEqual(['aliased']);
  });

  test.runIf(process.platform === 'linux')('loading a .ts plugin leaves no esbuild process behind', async () => {
    const children = () =>
      execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes('esbuild')).length;
    const before = children();
    const file = await plugin(
      `export function registerCallbacks(reg: any): void { reg.registerCallback('plug', 'k', function tsOne(): void {}); }`,
      '.ts',
    );
    const h = await loaded(file);
    expect(children()).toBe(before);
    await h.load(); // a reload: a new worker, the file transformed again (or from tsx's cache)
    await h.close();
    expect(children()).toBe(before);
  });

  describe('load errors are messages naming the file and the cause', () => {
    test('syntax error (.mjs)', async () => {
      const { error, file } = await loadError(`export function registerCallbacks(reg) { reg.registerCallback( }`);
      expect(error).toContain(`Could not load the plugin at ${file}`);
      expect(error).toMatch(/SyntaxError/);
      expect(error).toContain(path.basename(file));
    });

    test('syntax error (.ts)', async () => {
      const { error, file } = await loadError(`export function registerCallbacks(reg: any) { const x: = 1; }`, '.ts');
      expect(error).toContain(`Could not load the plugin at ${file}`);
      expect(error).toMatch(/Expected|Unexpected/);
    });

    test('a missing import', async () => {
      const { error, file } = await loadError(`import './nowhere.mjs'; export function registerCallbacks() {}`);
      expect(error).toContain(`Could not load the plugin at ${file}`);
      expect(error).toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/);
    });

    test('no registerCallbacks', async () => {
      const { error, file } = await loadError(`export function registerCallback() {} export const other = 1;`);
      expect(error).toContain(`Did not find a registerCallbacks function in plugin at ${file}`);
      expect(error).toContain('(its exports: other, registerCallback)');
    });

    test('registerCallbacks throws', async () => {
      const { error, file } = await loadError(`export function registerCallbacks() { throw new Error('bad config value'); }`);
      expect(error).toContain(`Error running registerCallbacks from plugin at ${file}`);
      expect(error).toContain('bad config value');
    });

    test('an async registerCallbacks that rejects', async () => {
      const { error } = await loadError(`export async function registerCallbacks() { await null; throw new TypeError('later'); }`);
      expect(error).toContain('TypeError: later');
    });

    test('bad matchEvents names the callback', async () => {
      const { error } = await loadError(
        `export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', function fine() {});
           reg.registerCallback('plug', 'k', function statusChanged() {}, null, { matchEvents: { Shotgun_Task_Change: [] } });
         }`,
      );
      expect(error).toContain('Invalid matchEvents for callback statusChanged (registerCallback #2)');
      expect(error).toContain('empty list');
      const { error: e2 } = await loadError(
        `export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', function commas() {}, null, { matchEvents: { Shotgun_Task_Change: 'sg_status_list, code' } });
         }`,
      );
      expect(e2).toContain('callback commas');
      expect(e2).toContain('spaces or commas');
    });

    test('registerCallback validates its arguments', async () => {
      const cases: Array<[string, RegExp]> = [
        [`reg.registerCallback('', 'k', () => {})`, /registerCallback #1: scriptName must be a non-empty string/],
        [`reg.registerCallback('plug', undefined, () => {})`, /scriptKey must be a non-empty string.*got undefined/],
        [`reg.registerCallback('plug', 'k', 42)`, /callback must be a function \(sg, event, args, ctx\) or an object with a handle/],
        [`reg.registerCallback('plug', 'k', { call() {} })`, /callback must be a function/],
        [`reg.registerCallback('plug', 'k', class Handler { handle() {} })`, /callback is the class Handler; pass an instance/],
        [`reg.registerCallback('plug', 'k', () => {}, null, { matchevents: {} })`, /unknown option "matchevents"/],
        [`reg.registerCallback('plug', 'k', () => {}, null, { stopOnError: 'no' })`, /stopOnError must be true or false/],
        [`reg.registerCallback('plug', 'k', () => {}, null, { timeoutMs: -5 })`, /timeoutMs must be a positive number/],
        [`reg.registerCallback('plug', 'k', () => {}, null, [1])`, /options must be an object/],
      ];
      const errors = await Promise.all(cases.map(([call]) => loadError(`export function registerCallbacks(reg) { ${call}; }`)));
      cases.forEach(([call, re], i) => expect(errors[i]!.error, call).toMatch(re));
    });

    test('registering after registerCallbacks returned is an error (logged)', async () => {
      const file = await plugin(
        `export function registerCallbacks(reg) {
           setTimeout(() => reg.registerCallback('plug', 'k', () => {}), 0);
         }`,
      );
      const h = await loaded(file);
      await until(() => h.logs.length > 0);
      expect(h.loaded).toEqual({ ok: true, callbacks: [] });
      expect(messages(h).join('\n')).toMatch(/registerCallback was called after registerCallbacks returned/);
    });

    test('process.exit while loading, and a registerCallbacks that never finishes', async () => {
      const { error } = await loadError(`process.exit(2); export function registerCallbacks() {}`);
      expect(error).toContain('plugin worker exited with code 2');
      const { error: hang } = await loadError(`export function registerCallbacks() { return new Promise(() => {}); }`, '.mjs', {
        loadTimeoutMs: 300,
      });
      expect(hang).toMatch(/did not finish loading within 0.3 s/);
    });
  });

  test('run() before load(), after a failed load, with bad indexes, after close', async () => {
    const file = await plugin(`export function registerCallbacks(reg) { reg.registerCallback('plug', 'k', () => {}); }`);
    const h = host(file);
    await expect(h.run(ev(), [0], first)).rejects.toThrow(/call load\(\) before run\(\)/);
    await h.load();
    await expect(h.run(ev(), [1], first)).rejects.toThrow(/has 1 callback\(s\); there is no callback index 1/);
    await h.close();
    await expect(h.run(ev(), [0], first)).rejects.toThrow(/closed/);
    const bad = host(await plugin(`export const x = 1;`));
    await bad.load();
    await expect(bad.run(ev(), [], first)).rejects.toThrow(/is not loaded: Did not find a registerCallbacks/);
  });
});

describe('running', () => {
  const threeCallbacks = (stopOnError: boolean) => `
    export function registerCallbacks(reg) {
      reg.registerCallback('plug', 'k', function a(sg, e, args, ctx) { ctx.logger.info('ran a ' + e.id); });
      reg.registerCallback('plug', 'k', function b(sg, e, args, ctx) {
        ctx.logger.info('ran b ' + e.id);
        if (e.meta && e.meta.fail) throw new RangeError('b failed on ' + e.id);
      }, null, { stopOnError: ${stopOnError} });
      reg.registerCallback('plug', 'k', async function c(sg, e, args, ctx) { await null; ctx.logger.info('ran c ' + e.id); });
    }`;

  test('callbacks run in the given order; stopOnError=true stops the event at the failure', async () => {
    const h = await loaded(await plugin(threeCallbacks(true)));
    const ok = ev();
    const r1 = await h.run(ok, [0, 1, 2], first);
    expect(r1.eventId).toBe(ok.id);
    expect(r1.outcomes.map((o) => [o.index, o.name, o.ok])).toEqual([
      [0, 'a', true],
      [1, 'b', true],
      [2, 'c', true],
    ]);
    expect(messages(h)).toEqual([`ran a ${ok.id}`, `ran b ${ok.id}`, `ran c ${ok.id}`]);
    for (const o of r1.outcomes) {
      expect(o.startedAt).toBeGreaterThan(Date.now() - 60_000);
      expect(o.durationMs).toBeGreaterThanOrEqual(0);
    }

    const bad = ev({ meta: { fail: true } });
    const r2 = await h.run(bad, [0, 1, 2], first);
    expect(r2.crashed).toBeUndefined();
    expect(r2.outcomes.map((o) => [o.name, o.ok])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(r2.outcomes[1]!.error).toMatchObject({ name: 'RangeError', message: `b failed on ${bad.id}` });
    expect(r2.outcomes[1]!.error!.stack).toMatch(/RangeError: b failed on[\s\S]*plugin\d+\.mjs/);
    expect(r2.outcomes[1]!.error!.stack).not.toMatch(/plugin-worker/);
    expect(messages(h)).not.toContain(`ran c ${bad.id}`);

    // the given order, not registration order
    const e3 = ev();
    await h.run(e3, [2, 0], first);
    expect(messages(h).slice(-2)).toEqual([`ran c ${e3.id}`, `ran a ${e3.id}`]);
  });

  test('stopOnError=false records the failure and runs the next callback', async () => {
    const h = await loaded(await plugin(threeCallbacks(false)));
    const bad = ev({ meta: { fail: true } });
    const r = await h.run(bad, [0, 1, 2], first);
    expect(r.outcomes.map((o) => [o.name, o.ok])).toEqual([
      ['a', true],
      ['b', false],
      ['c', true],
    ]);
  });

  test('runBatch: many events in one round trip, stops after the event that stopped', async () => {
    const h = await loaded(await plugin(threeCallbacks(true)));
    const events = [ev(), ev(), ev({ meta: { fail: true } }), ev()];
    const results = await h.runBatch(
      events.map((event) => ({ event, callbackIndexes: [0, 1, 2] })),
      { attempt: 2 },
    );
    expect(results.map((r) => [r.eventId, r.outcomes.filter((o) => o.ok).length, r.outcomes.length])).toEqual([
      [events[0]!.id, 3, 3],
      [events[1]!.id, 3, 3],
      [events[2]!.id, 1, 2],
    ]);
    const h2 = await loaded(await plugin(threeCallbacks(false)));
    const all = await h2.runBatch(events.map((event) => ({ event, callbackIndexes: [0, 1, 2] })));
    expect(all).toHaveLength(4);
    expect(await h2.runBatch([])).toEqual([]);
    expect(await h2.runBatch([{ event: events[0]!, callbackIndexes: [] }])).toEqual([{ eventId: events[0]!.id, outcomes: [] }]);
  });

  test('args: the same object on every call; module state survives between events; ctx fields', async () => {
    const file = await plugin(
      `let moduleCalls = 0;
       export function registerCallbacks(reg) {
         const shared = { seen: [] };
         reg.registerCallback('plug', 'k', function one(sg, e, args, ctx) {
           moduleCalls++;
           args.seen.push(e.id);
           ctx.logger.info(JSON.stringify({ n: moduleCalls, seen: args.seen.length, same: args === shared, late: ctx.late, attempt: ctx.attempt, plugin: ctx.plugin, callback: ctx.callback, aborted: ctx.signal.aborted }));
         }, shared);
         reg.registerCallback('plug', 'k', function two(sg, e, args, ctx) { args.seen.push('two'); }, shared);
       }`,
      '.mjs',
      'statefulPlugin',
    );
    const h = await loaded(file);
    await h.run(ev(), [0, 1], first);
    await h.run(ev(), [0, 1], { late: true, attempt: 3 });
    const lines = messages(h).map((m) => JSON.parse(m) as Record<string, unknown>);
    expect(lines).toEqual([
      { n: 1, seen: 1, same: true, late: false, attempt: 1, plugin: 'statefulPlugin', callback: 'one', aborted: false },
      { n: 2, seen: 3, same: true, late: true, attempt: 3, plugin: 'statefulPlugin', callback: 'one', aborted: false },
    ]);
  });

  test('callable objects: handle(sg, event, args, ctx) with its own state; names from the class', async () => {
    const file = await plugin(
      `class Counter {
         constructor(label) { this.label = label; this.count = 0; }
         handle(sg, e, args, ctx) { this.count++; ctx.logger.info(this.label + ' ' + this.count + ' ' + args); }
       }
       export function registerCallbacks(reg) {
         reg.registerCallback('plug', 'k', new Counter('x'), 'argx');
         reg.registerCallback('plug', 'k', new Counter('y'), 'argy');
         reg.registerCallback('plug', 'k', { handle(sg, e, args, ctx) { ctx.logger.info('plain object'); } });
         reg.registerCallback('plug', 'k', () => {}, null, { name: 'named' });
       }`,
    );
    const h = await loaded(file);
    expect(h.loaded?.ok && h.loaded.callbacks.map((c) => c.name)).toEqual(['Counter', 'Counter#2', 'callback3', 'named']);
    await h.run(ev(), [0, 1, 2, 3], first);
    await h.run(ev(), [0], first);
    expect(messages(h)).toEqual(['x 1 argx', 'y 1 argy', 'plain object', 'x 2 argx']);
    expect(h.logs.map((l) => l.logger)).toEqual([
      'plugin.' + path.basename(file, '.mjs') + '.Counter',
      expect.stringMatching(/\.Counter#2$/),
      expect.stringMatching(/\.callback3$/),
      expect.stringMatching(/\.Counter$/),
    ]);
  });

  test('a warning when options were passed as args', async () => {
    const h = await loaded(
      await plugin(`export function registerCallbacks(reg) { reg.registerCallback('plug', 'k', function f() {}, { matchEvents: { X: null } }); }`),
    );
    expect(h.logs.find((l) => l.level === 'warning')?.message).toMatch(/options are the 5th argument/);
  });
});

describe('sg: a lazy ShotGrid connection per script', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ port: 0, seed: 'minimal', scripts: [{ name: 'plug', key: 'k', generateEvents: true }] });
  });
  afterAll(async () => {
    await sb.close();
  });

  test('the callback finds and updates through sg; the test reads it back', async () => {
    const file = await plugin(
      `export function registerCallbacks(reg) {
         reg.registerCallback('plug', 'k', async function rename(sg, event, args, ctx) {
           const shots = await sg.find('Shot', [], ['code'], [{ field_name: 'id', direction: 'asc' }]);
           ctx.logger.info('found %d shots; first %s', shots.length, shots[0].code);
           await sg.update('Shot', shots[0].id, { description: 'touched by event ' + event.id });
           args.sgIsShared = args.sgIsShared ?? sg; ctx.logger.info('same sg: ' + (args.sgIsShared === sg) + ' ' + (sg.find === sg.find));
         }, {});
       }`,
    );
    const h = await loaded(file, { shotgun: { server: sb.url } });
    const e = ev();
    const r = await h.run(e, [0], first);
    expect(r.outcomes[0]).toMatchObject({ ok: true });
    await h.run(ev(), [0], first);
    expect(messages(h, /same sg/)).toEqual(['same sg: true true', 'same sg: true true']);
    const sg = new Shotgun({ server: sb.url, credentials: { scriptName: 'plug', scriptKey: 'k' } });
    const [shot] = await sg.find('Shot', [], ['code', 'description'], [{ field_name: 'id', direction: 'asc' }], 1);
    expect(shot!.description).toBe(`touched by event ${e.id + 1}`);
    expect(messages(h, /found/)[0]).toMatch(new RegExp(`found \\d+ shots; first ${String(shot!.code)}`));
    await sg.close();
  });

  test('a wrong script key still loads; the callback gets an AuthenticationError naming the script', async () => {
    const file = await plugin(
      `export function registerCallbacks(reg) {
         reg.registerCallback('plug', 'not-the-key', async function useSg(sg) { await sg.find('Shot', [], ['code']); });
         reg.registerCallback('plug', 'not-the-key', function noSg() {});
       }`,
    );
    const conns: unknown[] = [];
    const h = host(file, { shotgun: { server: sb.url }, onConnection: (c) => conns.push(c) });
    expect((await h.load()).ok).toBe(true);
    const r = await h.run(ev(), [1, 0], first);
    expect(r.outcomes[0]).toMatchObject({ name: 'noSg', ok: true });
    expect(r.outcomes[1]!.ok).toBe(false);
    expect(r.outcomes[1]!.error!.name).toBe('AuthenticationError');
    expect(r.outcomes[1]!.error!.message).toMatch(/Can't authenticate script 'plug'/);
    await until(() => conns.length > 0);
    expect(conns).toContainEqual(expect.objectContaining({ kind: 'error', scriptName: 'plug', plugin: h.name }));
  });

  test('useSessionUuid: the update is made in the event session (per-session client)', async () => {
    const file = await plugin(
      `export function registerCallbacks(reg) {
         reg.registerCallback('plug', 'k', async function touch(sg, event) {
           const shot = await sg.findOne('Shot', [], ['id']);
           await sg.update('Shot', shot.id, { description: 'session ' + event.session_uuid });
         });
       }`,
    );
    const h = await loaded(file, { shotgun: { server: sb.url }, useSessionUuid: true });
    const uuid = '0d1a5c2e-1111-2222-3333-444455556666';
    expect((await h.run(ev({ session_uuid: uuid }), [0], first)).outcomes[0]!.ok).toBe(true);
    const sg = new Shotgun({ server: sb.url, credentials: { scriptName: 'plug', scriptKey: 'k' } });
    const last = await sg.findOne('EventLogEntry', [], ['session_uuid', 'event_type', 'meta'], [{ field_name: 'id', direction: 'desc' }]);
    expect(last!.session_uuid).toBe(uuid);
    // without a session_uuid on the event: the script's own connection (no session)
    expect((await h.run(ev({ session_uuid: null }), [0], first)).outcomes[0]!.ok).toBe(true);
    const last2 = await sg.findOne('EventLogEntry', [], ['session_uuid'], [{ field_name: 'id', direction: 'desc' }]);
    expect(last2!.session_uuid).toBeNull();
    await sg.close();
  });
});

describe('isolation', () => {
  test('a throwing callback: an error outcome, and the next run works in the same worker', async () => {
    const h = await loaded(
      await plugin(
        `let n = 0;
         export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', function flaky(sg, e, a, ctx) { n++; if (n === 1) throw 'a string'; ctx.logger.info('n=' + n); });
         }`,
      ),
    );
    const thread = h.threadId;
    const r1 = await h.run(ev(), [0], first);
    expect(r1.outcomes[0]).toMatchObject({ ok: false, error: { message: "non-Error thrown: 'a string'" } });
    const r2 = await h.run(ev(), [0], first);
    expect(r2.outcomes[0]!.ok).toBe(true);
    expect(messages(h)).toEqual(['n=2']);
    expect(h.threadId).toBe(thread);
  });

  test('a callback that blocks past its timeout: worker terminated, timedOut, other hosts unaffected, restart on next run', async () => {
    const hang = await plugin(
      `let n = 0;
       export function registerCallbacks(reg) {
         reg.registerCallback('plug', 'k', function count(sg, e, a, ctx) { n++; ctx.logger.info('count ' + n); });
         reg.registerCallback('plug', 'k', function spin(sg, e, a, ctx) { ctx.logger.info('spinning'); for (;;) {} }, null, { timeoutMs: 500 });
       }`,
      '.mjs',
      'spinner',
    );
    const other = await plugin(
      `export function registerCallbacks(reg) { reg.registerCallback('plug', 'k', async function fine() { await null; }); }`,
    );
    const h = await loaded(hang, { abortGraceMs: 200 });
    const o = await loaded(other);
    const thread = h.threadId;

    const started = Date.now();
    let spinDone = false;
    const pending = h.run(ev(), [0, 1], first).finally(() => (spinDone = true));
    // while the plugin spins, another plugin's worker answers
    const otherResult = await o.run(ev(), [0], first);
    expect(otherResult.outcomes[0]!.ok).toBe(true);
    expect(spinDone).toBe(false);

    const r = await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    expect(r.outcomes.map((x) => [x.name, x.ok])).toEqual([
      ['count', true],
      ['spin', false],
    ]);
    expect(r.outcomes[1]!.error).toMatchObject({ timedOut: true, name: 'TimeoutError', message: 'Callback spin timed out after 500 ms' });
    expect(r.crashed).toMatch(/did not stop within 200 ms.*terminated/);
    expect(h.threadId).toBeNull();

    // next run: a new worker (module state starts afresh)
    const r2 = await h.run(ev(), [0], first);
    expect(r2.outcomes[0]!.ok).toBe(true);
    expect(h.threadId).not.toBe(thread);
    expect(messages(h, /^count/)).toEqual(['count 1', 'count 1']);
    expect(messages(h, /Restarting the plugin worker/)).toHaveLength(1);
    expect((await o.run(ev(), [0], first)).outcomes[0]!.ok).toBe(true);
  });

  test('an async callback that honours ctx.signal: timedOut, but the worker (and its state) lives on', async () => {
    const h = await loaded(
      await plugin(
        `let n = 0;
         export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', async function waitForAbort(sg, e, a, ctx) {
             n++;
             if (e.meta && e.meta.quick) { ctx.logger.info('quick ' + n); return; }
             await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
           }, null, { timeoutMs: 200, stopOnError: false });
         }`,
      ),
    );
    const thread = h.threadId;
    const r = await h.run(ev(), [0], first);
    expect(r.crashed).toBeUndefined();
    expect(r.outcomes[0]!.error).toMatchObject({ timedOut: true, name: 'TimeoutError' });
    expect(r.outcomes[0]!.error!.message).toMatch(/timed out after 200 ms \(it stopped after its abort signal\)/);
    expect(r.outcomes[0]!.durationMs).toBeGreaterThanOrEqual(190);
    await h.run(ev({ meta: { quick: true } }), [0], first);
    expect(messages(h)).toEqual(['quick 2']);
    expect(h.threadId).toBe(thread);
  });

  test('an async callback that never settles and ignores its signal is terminated', async () => {
    const h = await loaded(
      await plugin(
        `export function registerCallbacks(reg) { reg.registerCallback('plug', 'k', function never() { return new Promise(() => {}); }); }`,
      ),
      { callbackTimeoutMs: 150, abortGraceMs: 100 },
    );
    const r = await h.run(ev(), [0], first);
    expect(r.outcomes[0]!.error).toMatchObject({ timedOut: true });
    expect(r.crashed).toMatch(/terminated/);
  });

  test('process.exit() in a callback ends only its worker; the next run restarts it', async () => {
    const h = await loaded(
      await plugin(
        `export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', function before(sg, e, a, ctx) { ctx.logger.info('before ' + e.id); });
           reg.registerCallback('plug', 'k', function quit(sg, e) { if (e.meta && e.meta.quit) process.exit(3); });
         }`,
      ),
    );
    const e = ev({ meta: { quit: true } });
    const r = await h.run(e, [0, 1], first);
    expect(r.outcomes.map((o) => o.ok)).toEqual([true, false]);
    expect(r.outcomes[1]!.error!.message).toBe('plugin worker exited with code 3');
    expect(r.crashed).toBe('plugin worker exited with code 3');
    expect(messages(h)).toContain(`before ${e.id}`); // lines flushed before the exit arrive
    const r2 = await h.run(ev(), [0, 1], first);
    expect(r2.outcomes.map((o) => o.ok)).toEqual([true, true]);
  });

  test('process.exit() in a batch keeps the outcomes of the events before it', async () => {
    const h = await loaded(
      await plugin(
        `export function registerCallbacks(reg) { reg.registerCallback('plug', 'k', function maybeQuit(sg, e) { if (e.meta && e.meta.quit) process.exit(0); }, null, { stopOnError: false }); }`,
      ),
    );
    const events = [ev(), ev(), ev({ meta: { quit: true } }), ev()];
    const results = await h.runBatch(events.map((event) => ({ event, callbackIndexes: [0] })));
    expect(results.map((r) => [r.eventId, r.outcomes.map((o) => o.ok), r.crashed])).toEqual([
      [events[0]!.id, [true], undefined],
      [events[1]!.id, [true], undefined],
      [events[2]!.id, [false], 'plugin worker exited with code 0'],
    ]);
  });

  test('a memory leak hits the worker heap limit; the host survives and restarts it', async () => {
    const h = await loaded(
      await plugin(
        `const hoard = [];
         export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', function leak(sg, e) {
             if (e.meta && e.meta.leak) for (;;) hoard.push(new Array(100000).fill(e.id));
           });
         }`,
      ),
      { memoryLimitMb: 32 },
    );
    const r = await h.run(ev({ meta: { leak: true } }), [0], first);
    expect(r.outcomes[0]!.ok).toBe(false);
    expect(r.crashed).toMatch(/ran out of memory \(limit 32 MB\)/);
    expect(r.outcomes[0]!.error!.message).toBe(r.crashed);
    expect((await h.run(ev(), [0], first)).outcomes[0]!.ok).toBe(true);
  });

  test('stray async errors are logged as plugin errors and do not end the worker', async () => {
    const h = await loaded(
      await plugin(
        `export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', function stray(sg, e, a, ctx) {
             setTimeout(() => { throw new Error('thrown from a timer'); }, 0);
             Promise.reject(new Error('nobody awaited me'));
           });
         }`,
      ),
    );
    const thread = h.threadId;
    expect((await h.run(ev(), [0], first)).outcomes[0]!.ok).toBe(true);
    await until(() => h.logs.filter((l) => l.level === 'error').length >= 2);
    const errors = h.logs.filter((l) => l.level === 'error').map((l) => l.message);
    expect(errors.some((m) => m.includes('Uncaught exception') && m.includes('thrown from a timer'))).toBe(true);
    expect(errors.some((m) => m.includes('Unhandled promise rejection') && m.includes('nobody awaited me'))).toBe(true);
    expect((await h.run(ev(), [0], first)).outcomes[0]!.ok).toBe(true);
    expect(h.threadId).toBe(thread);
  });

  test('a worker that dies between events is logged and restarted by the next run', async () => {
    const h = await loaded(
      await plugin(
        `export function registerCallbacks(reg) { reg.registerCallback('plug', 'k', function later() { setTimeout(() => process.exit(9), 20); }); }`,
      ),
    );
    expect((await h.run(ev(), [0], first)).outcomes[0]!.ok).toBe(true);
    await until(() => h.threadId === null);
    expect(messages(h).join('\n')).toMatch(/stopped between events \(plugin worker exited with code 9\)/);
    expect((await h.run(ev(), [0], first)).outcomes[0]!.ok).toBe(true);
  });

  test('stray plugin code that blocks the thread between callbacks: the run ends, the worker restarts', async () => {
    const h = await loaded(
      await plugin(
        `export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', function blocker(sg, e) { if (e.meta && e.meta.block) setTimeout(() => { for (;;) {} }, 20); });
         }`,
      ),
      { callbackTimeoutMs: 300 },
    );
    expect((await h.run(ev({ meta: { block: true } }), [0], first)).outcomes[0]!.ok).toBe(true);
    await new Promise((r) => setTimeout(r, 200)); // the stray timer has started spinning
    const e = ev();
    const r = await h.run(e, [0], first);
    expect(r).toMatchObject({ eventId: e.id, outcomes: [] });
    expect(r.crashed).toMatch(/did not start its next callback within 300 ms/);
    expect((await h.run(ev(), [0], first)).outcomes[0]!.ok).toBe(true);
  });

  test('close() during a batch: the callback in progress is aborted and may finish; no later event starts', async () => {
    const h = await loaded(
      await plugin(
        `export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', async function slow(sg, e, a, ctx) {
             await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
             ctx.logger.info('aborted ' + e.id);
           });
         }`,
      ),
    );
    const events = [ev(), ev(), ev()];
    const pending = h.runBatch(events.map((event) => ({ event, callbackIndexes: [0] })));
    await new Promise((r) => setTimeout(r, 50));
    await h.close();
    const results = await pending;
    expect(results.map((r) => [r.eventId, r.outcomes.map((o) => o.ok), r.crashed])).toEqual([
      [events[0]!.id, [true], undefined],
      [events[1]!.id, [], 'The plugin host was closed before this event ran'],
    ]);
    expect(messages(h)).toEqual([`aborted ${events[0]!.id}`]);
  });

  test('close() aborts a running callback (shutdown) and resolves its run', async () => {
    const h = await loaded(
      await plugin(
        `export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', async function slow(sg, e, a, ctx) {
             await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
             ctx.logger.info('aborted: ' + ctx.signal.reason.name);
           });
         }`,
      ),
    );
    const pending = h.run(ev(), [0], first);
    await new Promise((r) => setTimeout(r, 50));
    await h.close();
    const r = await pending;
    expect(r.outcomes[0]!.ok).toBe(true);
    expect(messages(h)).toEqual(['aborted: AbortError']);
  });

  test('reload: a new worker and a fresh module, keeping the same host', async () => {
    const file = await plugin(
      `let n = 0; export function registerCallbacks(reg) { reg.registerCallback('plug', 'k', function v1(s, e, a, ctx) { ctx.logger.info('v1 ' + ++n); }); }`,
    );
    const h = await loaded(file);
    await h.run(ev(), [0], first);
    await writeFile(
      file,
      `export function registerCallbacks(reg) { reg.registerCallback('plug', 'k', function v2(s, e, a, ctx) { ctx.logger.info('v2'); }); }`,
    );
    const r = await h.load();
    expect(r.ok && r.callbacks.map((c) => c.name)).toEqual(['v2']);
    await h.run(ev(), [0], first);
    expect(messages(h)).toEqual(['v1 1', 'v2']);
  });
});

describe('logs and e-mails', () => {
  test('reg.logger, ctx.logger, console.* and raw stdout are forwarded, tagged and levelled', async () => {
    const h = await loaded(
      await plugin(
        `export function registerCallbacks(reg) {
           reg.logger.debug('hidden at level 20');
           reg.logger.info('registering %s with %d callback', 'me', 1);
           reg.registerCallback('plug', 'k', function talk(sg, e, a, ctx) {
             reg.logger.warning('plugin logger in a callback');
             ctx.logger.debug('debug hidden');
             ctx.logger.critical('critical %o', { id: e.id });
             console.warn('console warn');
             console.error(new Error('an error object'));
             process.stdout.write('raw stdout\\n');
             ctx.logger.setLevel('debug');
             ctx.logger.debug('debug shown');
             ctx.logger.setLevel(0);
             for (let i = 0; i < 250; i++) ctx.logger.info('bulk ' + i);
           });
         }`,
        '.mjs',
        'talker',
      ),
    );
    const e = ev();
    await h.run(e, [0], first);
    await until(() => h.logs.some((l) => l.message === 'raw stdout'));
    const find = (m: string) => h.logs.find((l) => l.message.startsWith(m));
    expect(find('hidden')).toBeUndefined();
    expect(find('registering')).toMatchObject({
      level: 'info',
      logger: 'plugin.talker',
      message: 'registering me with 1 callback',
      plugin: 'talker',
    });
    expect(find('registering')!.eventId).toBeUndefined();
    expect(find('plugin logger in a callback')).toMatchObject({ level: 'warning', logger: 'plugin.talker', callback: 'talk', eventId: e.id });
    expect(find('debug hidden')).toBeUndefined();
    expect(find('critical')).toMatchObject({
      level: 'critical',
      logger: 'plugin.talker.talk',
      callback: 'talk',
      eventId: e.id,
      message: `critical { id: ${e.id} }`,
    });
    expect(find('console warn')).toMatchObject({ level: 'warning', logger: 'plugin.talker', callback: 'talk', eventId: e.id });
    expect(find('Error: an error object')).toMatchObject({ level: 'error' });
    expect(find('raw stdout')).toMatchObject({ level: 'info', logger: 'plugin.talker.stdout' });
    expect(find('debug shown')).toMatchObject({ level: 'debug' });
    expect(messages(h, /^bulk/)).toHaveLength(250);
    expect(typeof find('registering')!.time).toBe('number');
  });

  test('setLogLevel on the host, setLevel by number on reg.logger', async () => {
    const h = await loaded(
      await plugin(
        `export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', function lv(sg, e, a, ctx) { ctx.logger.debug('d'); ctx.logger.info('i'); ctx.logger.error('e'); if (e.meta && e.meta.quiet) reg.logger.setLevel(40); });
         }`,
      ),
      { logLevel: 10 },
    );
    await h.run(ev({ meta: { quiet: true } }), [0], first);
    await h.run(ev(), [0], first);
    h.setLogLevel('info');
    await h.run(ev(), [0], first);
    expect(messages(h)).toEqual(['d', 'i', 'e', 'e', 'e']);
  });

  test('setEmails(true | false | addresses), and not called', async () => {
    const emailsOf = async (call: string) => {
      const h = await loaded(await plugin(`export function registerCallbacks(reg) { ${call} }`));
      return h.emails;
    };
    const [t, f, list, array, none, mixed, bad] = await Promise.all([
      emailsOf(`reg.setEmails(true);`),
      emailsOf(`reg.setEmails(false);`),
      emailsOf(`reg.setEmails('td@studio.com', 'pipeline@studio.com');`),
      emailsOf(`reg.setEmails(['a@b.c']);`),
      emailsOf(``),
      loadError(`export function registerCallbacks(reg) { reg.setEmails(true, 'td@studio.com'); }`),
      loadError(`export function registerCallbacks(reg) { reg.setEmails('not an address'); }`),
    ]);
    expect(t).toBe(true);
    expect(f).toBe(false);
    expect(list).toEqual(['td@studio.com', 'pipeline@studio.com']);
    expect(array).toEqual(['a@b.c']);
    expect(none).toBeNull();
    expect(mixed.error).toMatch(/true or false must be the only argument/);
    expect(bad.error).toMatch(/is not an e-mail address/);
  });
});

describe('from compiled JavaScript (as the shotgun-events CLI runs from dist/)', () => {
  test('the .js worker entry loads .ts and .js plugins; the process exits after close()', async () => {
    const root = await tempDir('sge-plugin-js-');
    const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
    await symlink(DIST_ELECTRON, path.join(root, 'electron'), 'junction');
    await writeFile(path.join(root, 'package.json'), '{"type":"module"}\n');
    await symlink(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'), 'junction');
    const plugins = path.join(root, 'plugins');
    await mkdir(plugins);
    await writeFile(path.join(plugins, 'util.ts'), `export const twice = (n: number): number => n * 2;\n`);
    await writeFile(
      path.join(plugins, 'typed.ts'),
      `import type { Registrar, CallbackContext, EventLogEntry } from 'shotgun-events';
       import { twice } from './util.js';
       export function registerCallbacks(reg: Registrar): void {
         reg.registerCallback('plug', 'k', (_sg: unknown, e: EventLogEntry, _a: unknown, ctx: CallbackContext): void => ctx.logger.info('twice ' + twice(e.id)));
       }`,
    );
    await writeFile(
      path.join(plugins, 'plain.js'),
      `export function registerCallbacks(reg) { reg.registerCallback('plug', 'k', function spin() { for (;;) {} }, null, { timeoutMs: 100 }); }`,
    );
    const script = path.join(root, 'check.mjs');
    await writeFile(
      script,
      `import { PluginHost } from './electron/engine/plugin-host.js';
       const lines = [];
       const mk = (f) => new PluginHost({ file: new URL('./plugins/' + f, import.meta.url).pathname, name: f, shotgun: { server: 'http://127.0.0.1:9' }, callbackTimeoutMs: 5000, abortGraceMs: 100, onLog: (l) => lines.push(l.message) });
       const ev = { id: 21, event_type: 'Shotgun_Shot_New', attribute_name: null, meta: null, entity: null, user: null, project: null, session_uuid: null, created_at: '2026-01-01T00:00:00Z' };
       const typed = mk('typed.ts'), plain = mk('plain.js');
       const loads = [await typed.load(), await plain.load()];
       const runs = [await typed.run(ev, [0], { late: false, attempt: 1 }), await plain.run(ev, [0], { late: false, attempt: 1 })];
       await typed.close(); await plain.close();
       console.log(JSON.stringify({ loads: loads.map((l) => l.ok), runs: runs.map((r) => [r.outcomes[0].ok, !!r.outcomes[0].error?.timedOut]), lines }));`,
    );
    const out = execFileSync(process.execPath, [script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      loads: [true, true],
      runs: [
        [true, false],
        [false, true],
      ],
      lines: ['twice 42'],
    });
  });
});

describe('isolation: what a plugin cannot do to the daemon', () => {
  test('a load that hangs fails alone, naming the plugin and its timeout; another plugin loads meanwhile', async () => {
    const hanging = host(await plugin(`for (;;) {} export function registerCallbacks() {}`, '.mjs', 'hangs'), { loadTimeoutMs: 3000 });
    const healthy = host(await plugin(`export function registerCallbacks(reg) { reg.registerCallback('plug', 'k', () => {}); }`));
    let hangDone = false;
    const pending = hanging.load().finally(() => (hangDone = true));
    const ok = await healthy.load();
    expect(ok.ok).toBe(true);
    expect(hangDone).toBe(false); // the healthy plugin did not wait for the hanging one
    const r = await pending;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/^Plugin hangs did not finish loading within 3 s, its load timeout \(does importing .*hangs\.mjs/);
    expect(hanging.threadId).toBeNull();
    expect((await healthy.run(ev(), [0], first)).outcomes[0]!.ok).toBe(true);
  });

  test('process.kill on the daemon, its parent or its group, process.abort, signal handlers and dlopen throw, naming the plugin', async () => {
    const h = await loaded(
      await plugin(
        `import { spawn } from 'node:child_process';
         const tries = {
           own: () => process.kill(process.pid, 0),
           parent: () => process.kill(process.ppid, 0),
           group: () => process.kill(0, 0),
           all: () => process.kill(-1, 0),
           raw: () => process._kill(process.pid, 0),
           abort: () => process.abort,
           signal: () => process.on('SIGTERM', () => {}),
           once: () => process.once('SIGINT', () => {}),
           dlopen: () => process.dlopen({ exports: {} }, '/nonexistent.node'),
         };
         export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', function attempt(sg, e, args, ctx) {
             const r = tries[args](); if (typeof r === 'function') r();
           }, 'x', { stopOnError: false });
           reg.registerCallback('plug', 'k', async function child(sg, e, a, ctx) {
             // Signalling a process of its own is still allowed.
             const c = spawn('sleep', ['60']);
             await new Promise((r) => c.once('spawn', r));
             process.kill(c.pid, 'SIGTERM');
             const [, sig] = await new Promise((r) => c.once('exit', (...x) => r(x)));
             ctx.logger.info('child ended by ' + sig);
             process.on('exit', () => {}); // other process events are fine
           });
         }`,
        '.mjs',
        'killer',
      ),
    );
    const cases: Array<[string, RegExp]> = [
      ['own', /^Plugin killer may not call process\.kill\(\d+, 0\): .*signal the daemon/],
      ['parent', /^Plugin killer may not call process\.kill\(\d+, 0\)/],
      ['group', /^Plugin killer may not call process\.kill\(0, 0\)/],
      ['all', /^Plugin killer may not call process\.kill\(-1, 0\)/],
      ['raw', /^Plugin killer may not call process\._kill/],
      ['abort', /^Plugin killer may not call process\.abort\(\): .*end the whole daemon/],
      ['signal', /^Plugin killer may not call process\.on\("SIGTERM"\)/],
      ['once', /^Plugin killer may not call process\.(once|on)\("SIGINT"\)/],
      ['dlopen', /^Plugin killer may not call process\.dlopen\(\)/],
    ];
    // The callback's args select the attempt: the file is rewritten and reloaded for each.
    for (const [name, re] of cases) {
      const file = h.file;
      const source = await readFile(file, 'utf8');
      await writeFile(file, source.replace(/}, '[a-zA-Z]+', \{ stopOnError/, `}, '${name}', { stopOnError`));
      expect((await h.load()).ok).toBe(true);
      const r = await h.run(ev(), [0], first);
      expect(r.crashed, name).toBeUndefined();
      expect(r.outcomes[0]!.ok, name).toBe(false);
      expect(r.outcomes[0]!.error!.message, name).toMatch(re);
      expect(r.outcomes[0]!.error!.message).toMatch(/Throw an error to fail the event, or call process\.exit\(\) to restart only this plugin/);
    }
    const r = await h.run(ev(), [1], first);
    expect(r.outcomes[0]!.error).toBeUndefined();
    expect(messages(h)).toContain('child ended by SIGTERM');
  });

  test('a callback that holds Buffers over the off-heap limit: its worker is terminated with a message naming the plugin and the limit', async () => {
    const h = await loaded(
      await plugin(
        `const keep = [];
         export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', async function hoard(sg, e, args, ctx) {
             if (e.meta && e.meta.small) return;
             for (let i = 0; i < 60; i++) { keep.push(Buffer.alloc(4 << 20, 1)); await new Promise((r) => setTimeout(r, 10)); }
             ctx.logger.info('held ' + keep.length + ' buffers');
           });
         }`,
        '.mjs',
        'hoarder',
      ),
      { offHeapLimitMb: 64 },
    );
    const r = await h.run(ev(), [0], first);
    // Stopped either by the allocation that would cross the limit or by the periodic check.
    const text = `${r.crashed ?? ''} ${r.outcomes[0]?.error?.message ?? ''}`;
    expect(r.outcomes[0]!.ok).toBe(false);
    expect(text).toMatch(
      /Plugin hoarder (would hold|held) \d+ MB of off-heap memory \(Buffers, ArrayBuffers\).* over its limit of 64 MB \(\[daemon\] plugin_buffer_limit\)/,
    );
    expect(messages(h, /^held/)).toEqual([]);
    await vi.waitFor(() => expect(h.threadId).toBeNull(), { timeout: 20_000 });
    // The next event gets a fresh worker (and fresh memory).
    const r2 = await h.run(ev({ meta: { small: true } }), [0], first);
    expect(r2.outcomes[0]!.ok).toBe(true);
  });

  test('a callback that allocates Buffers in one synchronous loop is stopped at the limit, before the memory is taken', async () => {
    const h = await loaded(
      await plugin(
        `const keep = [];
         export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', function grab(sg, e, args, ctx) {
             for (let i = 0; i < 64; i++) keep.push(Buffer.alloc(16 << 20, 1));
             ctx.logger.info('held ' + keep.length + ' buffers');
           });
         }`,
        '.mjs',
        'grabber',
      ),
      { offHeapLimitMb: 64 },
    );
    const r = await h.run(ev(), [0], first);
    // The loop never yields: only the allocation-time check can stop it (1 GB asked, 64 MB allowed).
    const text = `${r.crashed ?? ''} ${r.outcomes[0]?.error?.message ?? ''}`;
    expect(r.outcomes[0]!.ok).toBe(false);
    expect(text).toMatch(
      /Plugin grabber (would hold|held) \d+ MB of off-heap memory \(Buffers, ArrayBuffers\).* over its limit of 64 MB \(\[daemon\] plugin_buffer_limit\)/,
    );
    expect(messages(h, /^held/)).toEqual([]);
    // The worker goes too (the off-heap report), so the next event starts with fresh memory.
    await vi.waitFor(() => expect(h.threadId).toBeNull(), { timeout: 20_000 });
  });

  test('Buffers held between events (a timer) over the limit: an ERROR line of the plugin, and the worker restarts for the next event', async () => {
    const h = await loaded(
      await plugin(
        `const keep = [];
         export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', function start(sg, e, args, ctx) {
             if (keep.length === 0) setInterval(() => keep.push(Buffer.alloc(8 << 20, 1)), 10);
             keep.push(Buffer.alloc(1));
           });
         }`,
        '.mjs',
        'leaker',
      ),
      { offHeapLimitMb: 48 },
    );
    expect((await h.run(ev(), [0], first)).outcomes[0]!.ok).toBe(true);
    await until(() => h.logs.some((l) => l.level === 'error' && /^Plugin leaker held \d+ MB of off-heap memory.*limit of 48 MB/.test(l.message)));
    await until(() => h.threadId === null);
    expect((await h.run(ev(), [0], first)).outcomes[0]!.ok).toBe(true);
  });

  test("the original's argument order (matchEvents 4th) is a load error with the fix", async () => {
    const { error } = await loadError(
      `export function registerCallbacks(reg) {
         reg.registerCallback('plug', 'k', function onTask() {}, { Shotgun_Task_Change: ['sg_status_list'] }, null);
       }`,
    );
    expect(error).toMatch(
      /registerCallback #1 \(onTask\): the 4th argument looks like a matchEvents map \(\{"Shotgun_Task_Change":\["sg_status_list"\]\}\) but it is args/,
    );
    expect(error).toMatch(/the callback would receive every event/);
    expect(error).toMatch(/registerCallback\(\.\.\., callback, null, \{ matchEvents: \{"Shotgun_Task_Change":\["sg_status_list"\]\} \}\)/);
    // Also with options that have no matchEvents, and with '*' keys or null values.
    const { error: e2 } = await loadError(
      `export function registerCallbacks(reg) {
         reg.registerCallback('plug', 'k', () => {}, { '*': null, Shotgun_Shot_New: null }, { stopOnError: false });
       }`,
    );
    expect(e2).toMatch(/looks like a matchEvents map/);
    // Not that shape, or matchEvents given: fine.
    const h = await loaded(
      await plugin(
        `export function registerCallbacks(reg) {
           reg.registerCallback('plug', 'k', function a() {}, { field: 'description' });
           reg.registerCallback('plug', 'k', function b() {}, { Shotgun_Task_Change: ['x'] }, { matchEvents: { Shotgun_Task_Change: ['sg_status_list'] } });
           reg.registerCallback('plug', 'k', function c() {}, {}, null);
         }`,
      ),
    );
    expect(h.loaded?.ok && h.loaded.callbacks.map((c) => c.name)).toEqual(['a', 'b', 'c']);
  });
});
