// The Electron main process as a whole, with `electron` mocked and a fake engine: scheme
// registration before ready, the window's security options and handlers, the session's
// permission handlers, snapshot/updates to the window, IPC through the app, tray status and
// throttled notifications, the single-instance lock, graceful quit.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineView, PluginView, Snapshot, Update } from '../../electron/contract.js';
import { parseConfig } from '../../electron/engine/config.js';
import { startApp, type AppHandle } from '../../electron/main/app.js';
import type { EngineLike } from '../../electron/engine/engine.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/protocol.js';
import { fake, FakeBrowserWindow, FakeNotification, FakeTray, makeReady, resetFake } from './fake-electron.js';
import { pluginView } from '../fixtures/plugin-view.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule());

const base = mkdtempSync(path.join(tmpdir(), 'sge-app-'));
const rendererRoot = path.join(base, 'renderer');
mkdirSync(rendererRoot, { recursive: true });
writeFileSync(path.join(rendererRoot, 'index.html'), '<!doctype html><title>Shotgun Events</title>');
afterAll(() => rmSync(base, { recursive: true, force: true }));

const engineView = (o: Partial<EngineView> = {}): EngineView => ({
  site: 'http://127.0.0.1:9',
  demo: true,
  connection: 'connected',
  connectionError: null,
  headId: 100,
  eventsPerSecond: 0,
  paused: false,
  startedAt: 0,
  openGaps: 0,
  ...o,
});

const plugin = (name: string, o: Partial<PluginView> = {}): PluginView => pluginView(name, { file: `/plugins/${name}.ts`, cursor: 100, ...o });

class FakeEngine implements EngineLike {
  listeners = new Set<(u: Update) => void>();
  commands: Array<[string, unknown, string | undefined]> = [];
  stops: number[] = [];
  events: string[];
  constructor(events: string[]) {
    this.events = events;
  }
  async start(): Promise<void> {
    this.events.push('engine.start');
  }
  async stop(graceMs?: number): Promise<void> {
    this.events.push('engine.stop:begin');
    await new Promise((r) => setTimeout(r, 50));
    this.stops.push(graceMs ?? -1);
    this.events.push('engine.stop:end');
  }
  subscribe(fn: (u: Update) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  snapshot(): Snapshot {
    return { engine: engineView(), plugins: [plugin('a')], events: [], logs: [], audit: [] };
  }
  async command(name: string, args: unknown, source?: string): Promise<never> {
    this.commands.push([name, args, source]);
    return undefined as never;
  }
  emit(u: Update): void {
    for (const l of this.listeners) l(u);
  }
}

interface Started {
  handle: AppHandle;
  engine: () => FakeEngine;
  events: string[];
  win: () => FakeBrowserWindow;
}

let dirCount = 0;
function start(opts: { notifyEveryMs?: number } = {}): Started | null {
  const events: string[] = [];
  let engine: FakeEngine | null = null;
  const dataDir = path.join(base, `data-${++dirCount}`);
  const handle = startApp({
    rendererRoot,
    preloadPath: '/app/dist/preload/index.cjs',
    dataDir,
    quitGraceMs: 1234,
    signals: false,
    log: () => {},
    ...opts,
    host: {
      prepareDemo: async () => ({
        config: parseConfig('', { path: path.join(dataDir, 'demo.conf') }),
        demo: true,
        cleanup: async () => {
          events.push('demo.cleanup');
        },
      }),
      createEngine: async () => (engine = new FakeEngine(events)),
    },
  });
  if (!handle) return null;
  const origExit = fake.app.exit.bind(fake.app);
  fake.app.exit = (code?: number) => {
    events.push(`app.exit:${code}`);
    origExit(code);
  };
  return {
    handle,
    events,
    engine: () => {
      if (!engine) throw new Error('no engine yet');
      return engine;
    },
    win: () => FakeBrowserWindow.all.at(-1)!,
  };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('startup', () => {
  it('registers app:// as a privileged, secure, standard scheme before the app is ready', async () => {
    resetFake();
    const s = start()!;
    expect(fake.protocol.registeredBeforeReady).toBe(true);
    expect(fake.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(FakeBrowserWindow.all).toHaveLength(0);
    makeReady();
    await s.handle.ready;
    // Served from the renderer folder, with the CSP, traversal refused.
    const serve = fake.protocol.handlers.get('app')!;
    const ok = await serve({ url: 'app://renderer/index.html', method: 'GET' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect((await serve({ url: 'app://renderer/..%2f..%2fetc%2fpasswd', method: 'GET' })).status).toBe(404);
  });
});

describe('the window and the session', () => {
  let s: Started;
  beforeEach(async () => {
    resetFake();
    s = start()!;
    await s.handle.ready;
  });

  it('creates the BrowserWindow with the checklist webPreferences and loads app://renderer', () => {
    expect(FakeBrowserWindow.all).toHaveLength(1);
    const w = s.win();
    expect(w.options.webPreferences).toMatchObject({
      preload: '/app/dist/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
    expect(w.options.webPreferences).not.toHaveProperty('enableBlinkFeatures');
    expect(w.loadedUrl).toBe('app://renderer/index.html');
  });

  it('prevents navigation away from the app; allow-listed links open in the browser', () => {
    const wc = s.win().webContents;
    expect(wc.fire('will-navigate', 'https://evil.example/phish').defaultPrevented).toBe(true);
    expect(wc.fire('will-navigate', 'file:///etc/passwd').defaultPrevented).toBe(true);
    expect(wc.fire('will-navigate', 'https://developers.shotgridsoftware.com/python-api/').defaultPrevented).toBe(true);
    expect(wc.fire('will-navigate', 'app://renderer/index.html').defaultPrevented).toBe(false);
    expect(wc.fire('will-redirect', 'https://evil.example/').defaultPrevented).toBe(true);
    expect(wc.fire('will-attach-webview', {}, {}).defaultPrevented).toBe(true);
    expect(fake.shellOpened).toEqual(['https://developers.shotgridsoftware.com/python-api/']);
  });

  it('denies every new window; only allow-listed https links go to shell.openExternal', () => {
    const h = s.win().webContents.windowOpenHandler!;
    expect(h({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(h({ url: 'app://renderer/index.html' })).toEqual({ action: 'deny' });
    expect(h({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(h({ url: 'https://developers.shotgridsoftware.com/' })).toEqual({ action: 'deny' });
    expect(fake.shellOpened).toEqual(['https://developers.shotgridsoftware.com/']);
  });

  it('denies permission requests and checks by default', () => {
    const req = fake.session.permissionRequestHandler!;
    const wc = s.win().webContents;
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'fullscreen', 'midi', 'hid']) {
      let answer: boolean | null = null;
      req(wc, p, (ok) => (answer = ok), { requestingUrl: 'app://renderer/index.html' });
      expect(answer, p).toBe(false);
      expect(fake.session.permissionCheckHandler!(wc, p, 'app://renderer', {}), p).toBe(false);
    }
    // The one exception: writing to the clipboard ("copy event JSON"), from the app only.
    expect(fake.session.permissionCheckHandler!(wc, 'clipboard-sanitized-write', 'app://renderer', {})).toBe(true);
    expect(fake.session.permissionCheckHandler!(wc, 'clipboard-sanitized-write', 'https://evil.example', {})).toBe(false);
    expect(fake.session.devicePermissionHandler!()).toBe(false);
  });

  it('blocks renderer network requests and adds the CSP header to responses', () => {
    let result: unknown;
    fake.session.beforeRequest!.fn({ url: 'https://evil.example/x.js' }, (r) => (result = r));
    expect(result).toEqual({ cancel: true });
    expect(fake.session.beforeRequest!.filter.urls).toEqual(expect.arrayContaining(['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*']));
    fake.session.headersReceived!({ responseHeaders: { a: ['b'] } }, (r) => (result = r));
    expect(result).toEqual({ responseHeaders: { a: ['b'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });

  it('sends a snapshot on did-finish-load, then batched updates on sge:updates', async () => {
    await until(() => s.events.includes('engine.start'));
    const w = s.win();
    w.finishLoad();
    expect(w.visible).toBe(true);
    const snap = w.webContents.sent.filter((m) => m.channel === 'sge:snapshot').at(-1)!;
    expect((snap.payload as Snapshot).plugins.map((p) => p.name)).toEqual(['a']);
    const before = w.webContents.sent.length;
    for (let i = 0; i < 300; i++) s.engine().emit({ kind: 'engine', engine: engineView({ headId: 100 + i }) });
    await new Promise((r) => setTimeout(r, 180));
    const pushed = w.webContents.sent.slice(before);
    expect(pushed.length).toBe(1);
    expect(pushed[0]!.channel).toBe('sge:updates');
    expect(pushed[0]!.payload).toEqual([{ kind: 'engine', engine: engineView({ headId: 399 }) }]);
  });

  it('routes IPC from the window to the engine and rejects other frames', async () => {
    await until(() => s.events.includes('engine.start'));
    const wc = s.win().webContents;
    await fake.ipcMain.invoke('sge:cmd:pause', wc.ipcEvent(), { plugin: 'a' });
    expect(s.engine().commands).toEqual([['pause', { plugin: 'a' }, userInfo().username]]);
    await expect(fake.ipcMain.invoke('sge:cmd:pause', wc.ipcEvent({ url: 'https://evil.example/', parent: null }), { plugin: 'a' })).rejects.toThrow(
      /rejected/,
    );
    await expect(fake.ipcMain.invoke('sge:cmd:pause', wc.ipcEvent(), { plugin: 7 })).rejects.toThrow(/bad arguments for pause/);
    expect(s.engine().commands).toHaveLength(1);
    // getSettings is answered by the app (the store), never with a key.
    const view = (await fake.ipcMain.invoke('sge:cmd:getSettings', wc.ipcEvent(), {})) as Record<string, unknown>;
    expect(view).toMatchObject({ source: 'app', editable: true, hasScriptKey: false, site: null, demo: true });
  });

  it('closing the window hides it (the daemon keeps running in the tray)', async () => {
    const w = s.win();
    w.show();
    w.close();
    expect(w.destroyed).toBe(false);
    expect(w.visible).toBe(false);
    expect(s.events).not.toContain('engine.stop:begin');
    fake.app.emit('second-instance');
    expect(w.visible).toBe(true);
  });
});

describe('tray and notifications', () => {
  it('shows the overall status and notifies once per plugin per window of time', async () => {
    resetFake();
    const s = start({ notifyEveryMs: 5 * 60_000 })!;
    await s.handle.ready;
    await until(() => s.events.includes('engine.start'));
    await until(() => s.handle.status() === 'running');
    const tray = FakeTray.all.at(-1)!;
    expect(tray.tooltip).toMatch(/Running/);
    const e = s.engine();

    e.emit({
      kind: 'plugin',
      plugin: plugin('a', { state: 'holding', held: { eventId: 7, callback: 'cb', error: 'boom', attempt: 3, nextRetryAt: null } }),
    });
    expect(s.handle.status()).toBe('error');
    expect(tray.tooltip).toMatch(/Error/);
    expect(FakeNotification.shown).toEqual([{ title: 'Plugin a is holding an event', body: 'Event 7: boom' }]);
    // Flapping within the window: no second notice for the same plugin.
    e.emit({ kind: 'plugin', plugin: plugin('a', { state: 'running' }) });
    e.emit({ kind: 'plugin', plugin: plugin('a', { state: 'holding' }) });
    expect(FakeNotification.shown).toHaveLength(1);
    // Another plugin: its own notice.
    e.emit({ kind: 'plugin', plugin: plugin('b', { state: 'load_error', error: 'SyntaxError in b.ts' }) });
    expect(FakeNotification.shown.at(-1)).toEqual({ title: 'Plugin b failed to load', body: 'SyntaxError in b.ts' });
    e.emit({ kind: 'pluginRemoved', name: 'b' });
    e.emit({ kind: 'plugin', plugin: plugin('a', { state: 'running' }) });
    expect(s.handle.status()).toBe('running');

    // Connection lost.
    e.emit({ kind: 'engine', engine: engineView({ connection: 'retrying', connectionError: 'ECONNREFUSED' }) });
    expect(s.handle.status()).toBe('disconnected');
    expect(tray.tooltip).toMatch(/Disconnected/);
    expect(FakeNotification.shown.at(-1)!.title).toBe('ShotGrid connection lost');
    e.emit({ kind: 'engine', engine: engineView() });
    e.emit({ kind: 'engine', engine: engineView({ connection: 'error', connectionError: 'x' }) });
    expect(FakeNotification.shown.filter((n) => n.title === 'ShotGrid connection lost')).toHaveLength(1);

    // Paused, and the menu's actions.
    e.emit({ kind: 'engine', engine: engineView({ paused: true }) });
    expect(s.handle.status()).toBe('paused');
    const labels = tray.menu!.items.map((i) => i.label ?? '-');
    expect(labels).toEqual(expect.arrayContaining(['Show Shotgun Events', 'Pause all', 'Resume all', 'Quit']));
    tray.menu!.items.find((i) => i.label === 'Resume all')!.click();
    await until(() => e.commands.length > 0);
    expect(e.commands[0]).toEqual(['resumeAll', {}, userInfo().username]);
  });
});

describe('single instance and quit', () => {
  it('a second instance does not start: it quits (the first one is focused)', () => {
    resetFake();
    fake.app.lock = false;
    const s = start();
    expect(s).toBeNull();
    // The lock is taken on the app's own data folder (set as userData first).
    expect(fake.app.lockedUserData).toBe(path.join(base, `data-${dirCount}`));
    expect(fake.app.quitCalls).toBe(1);
    expect(FakeBrowserWindow.all).toHaveLength(0);
    expect(fake.ipcMain.handlers.size).toBe(0);
  });

  it('the first instance shows and focuses its window when a second one starts', async () => {
    resetFake();
    const s = start()!;
    await s.handle.ready;
    const w = s.win();
    w.hide();
    fake.app.emit('second-instance', {}, ['electron', '.'], '/');
    expect(w.visible).toBe(true);
    expect(w.focused).toBeGreaterThan(0);
  });

  it('quit waits for engine.stop (state saved) before app.exit, once', async () => {
    resetFake();
    const s = start()!;
    await s.handle.ready;
    await until(() => s.events.includes('engine.start'));
    fake.app.quit();
    // before-quit was prevented: nothing exited yet.
    expect(fake.app.exitCalls).toEqual([]);
    fake.app.quit(); // a second click on Quit while stopping
    await s.handle.exited;
    expect(s.events.filter((e) => e.startsWith('engine.stop') || e.startsWith('app.exit') || e === 'demo.cleanup')).toEqual([
      'engine.stop:begin',
      'engine.stop:end',
      'demo.cleanup',
      'app.exit:0',
    ]);
    expect(s.engine().stops).toEqual([1234]);
    expect(fake.ipcMain.handlers.size).toBe(0);
    expect(FakeTray.all.at(-1)!.destroyed).toBe(true);
    // After exit, closing the window really closes it.
    s.win().close();
    expect(s.win().destroyed).toBe(true);
  });
});
