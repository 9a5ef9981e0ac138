// The preload exposes exactly the contract (invoke/onSnapshot/onUpdates) built from
// COMMAND_NAMES, rejects unknown command names before any IPC, and never hands the page
// an IpcRendererEvent. The shipped bundle (dist/preload/index.cjs) is checked too: its
// only require is `electron`, and its command list is the contract's.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { COMMAND_NAMES, type Bridge } from '../../electron/contract.js';
import { fake, resetFake } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule());

let loaded: { bridge: Bridge; exposedKeys: string[] } | null = null;

/** Imports the preload once (it exposes the bridge as a side effect of loading). */
async function loadPreload(): Promise<Bridge> {
  if (!loaded) {
    resetFake();
    await import('../../electron/preload/index.js');
    const bridge = fake.exposed.get('shotgunEvents') as Bridge | undefined;
    if (!bridge) throw new Error('nothing exposed as window.shotgunEvents');
    loaded = { bridge, exposedKeys: [...fake.exposed.keys()] };
  }
  return loaded.bridge;
}

describe('preload bridge (source, electron mocked)', () => {
  beforeEach(() => resetFake());

  it('exposes exactly invoke, onSnapshot and onUpdates, once, under shotgunEvents', async () => {
    const bridge = await loadPreload();
    expect(loaded!.exposedKeys).toEqual(['shotgunEvents']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'onSnapshot', 'onUpdates']);
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('invokes one channel per command of COMMAND_NAMES', async () => {
    const bridge = await loadPreload();
    fake.ipcRenderer.reply = async (channel) => `ok:${channel}`;
    for (const name of COMMAND_NAMES) {
      await expect(bridge.invoke(name, {})).resolves.toBe(`ok:sge:cmd:${name}`);
    }
    expect(fake.ipcRenderer.invoked.map((c) => c.channel)).toEqual(COMMAND_NAMES.map((n) => `sge:cmd:${n}`));
  });

  it('rejects unknown command names without any IPC', async () => {
    const bridge = await loadPreload();
    for (const bad of ['nope', '__proto__', 'constructor', 'toString', '', 42, null, 'sge:cmd:pause']) {
      await expect(bridge.invoke(bad as never, {} as never)).rejects.toThrow(/unknown command/);
    }
    expect(fake.ipcRenderer.invoked).toEqual([]);
  });

  it('turns Electron\'s "Error invoking remote method" wrapper into the plain message', async () => {
    const bridge = await loadPreload();
    fake.ipcRenderer.reply = async () => {
      throw new Error("Error invoking remote method 'sge:cmd:pause': Error: no plugin named 'x' (loaded: a)");
    };
    await expect(bridge.invoke('pause', { plugin: 'x' })).rejects.toThrow(/^no plugin named 'x' \(loaded: a\)$/);
  });

  it('pushes payloads only (never the event) and unsubscribes', async () => {
    const bridge = await loadPreload();
    const updates: unknown[] = [];
    const snaps: unknown[] = [];
    const offU = bridge.onUpdates((u) => updates.push(u));
    const offS = bridge.onSnapshot((s) => snaps.push(s));
    const event = { sender: { secret: true }, ports: [] };
    fake.ipcRenderer.emit('sge:updates', event, [{ kind: 'logs', lines: [] }]);
    fake.ipcRenderer.emit('sge:snapshot', event, { engine: {} });
    fake.ipcRenderer.emit('sge:other', event, 'ignored');
    expect(updates).toEqual([[{ kind: 'logs', lines: [] }]]);
    expect(snaps).toEqual([{ engine: {} }]);
    offU();
    offU();
    offS();
    fake.ipcRenderer.emit('sge:updates', event, []);
    expect(updates).toHaveLength(1);
    expect(fake.ipcRenderer.listenerCount('sge:updates')).toBe(0);
    expect(fake.ipcRenderer.listenerCount('sge:snapshot')).toBe(0);
    expect(() => bridge.onUpdates('x' as never)).toThrow(TypeError);
  });
});

describe('preload bundle (dist/preload/index.cjs as built)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sge-preload-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is one CommonJS file whose only require is electron, with the contract's command list", async () => {
    // @ts-expect-error: a plain .mjs build script
    const { buildPreload } = (await import('../../scripts/build-preload.mjs')) as {
      buildPreload: (out: string) => Promise<{ metafile: { inputs: Record<string, unknown> } }>;
    };
    const out = path.join(dir, 'index.cjs');
    const result = await buildPreload(out);
    const code = readFileSync(out, 'utf8');
    const requires = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(new Set(requires)).toEqual(new Set(['electron']));
    // zod stays out: the contract's command names are inlined at build time.
    expect(Object.keys(result.metafile.inputs).some((f) => f.includes('node_modules'))).toBe(false);
    expect(code.length).toBeLessThan(20_000);

    // Run it as the sandbox would: `require` knows only electron.
    const exposed = new Map<string, any>();
    const invoked: string[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (k: string, v: unknown) => exposed.set(k, v) },
      ipcRenderer: {
        invoke: async (channel: string) => {
          invoked.push(channel);
          return null;
        },
        on: () => {},
        removeListener: () => {},
      },
    };
    const module = { exports: {} };
    const sandboxRequire = (id: string) => {
      if (id === 'electron') return electron;
      throw new Error(`module not found: ${id}`);
    };
    vm.runInNewContext(code, { module, exports: module.exports, require: sandboxRequire, Object, Promise, Error, TypeError, Set, JSON });
    const bridge = exposed.get('shotgunEvents');
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'onSnapshot', 'onUpdates']);
    for (const name of COMMAND_NAMES) await bridge.invoke(name, {});
    await expect(bridge.invoke('notACommand', {})).rejects.toThrow(/unknown command/);
    expect(invoked).toEqual(COMMAND_NAMES.map((n) => `sge:cmd:${n}`));
  });
});
