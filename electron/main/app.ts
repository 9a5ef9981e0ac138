// The Electron main process: one instance per user (a second one focuses the first and
// quits: two would dispatch every event twice), the engine hosted here, one secured
// window on app://renderer, the contract over IPC, a tray icon with the overall status,
// throttled desktop notifications, and a graceful quit (before-quit → engine.stop →
// state saved → app.exit).

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  nativeImage,
  Notification,
  protocol,
  safeStorage,
  session,
  shell,
  Tray,
  type MenuItemConstructorOptions,
} from 'electron';
import { EngineHost, type EngineHostOptions } from './host.js';
import { registerCommandIpc, WindowSink } from './ipc.js';
import { statusDotPng } from './icons.js';
import { APP_INDEX_URL, registerAppScheme, serveRenderer } from './protocol.js';
import { guardWebContents, hardenSession, secureWebPreferences } from './security.js';
import { openSettingsStore, SettingsService, type SettingsBackend } from './settings.js';
import { STATUS_COLOR, STATUS_LABEL, StatusTracker, Throttle, type Notice, type OverallStatus } from './status.js';

export const APP_ID = 'com.shotgunevents.desktop';
export const PRODUCT_NAME = 'Shotgun Events';

/** dist/ of the package, whether this file runs compiled (dist/electron/main) or from source (electron/main). */
function defaultDistDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '../..');
  return path.basename(root) === 'dist' ? root : path.join(root, 'dist');
}

export interface AppOptions {
  /** The built renderer (default dist/renderer). */
  rendererRoot?: string;
  /** The bundled preload (default dist/preload/index.cjs). */
  preloadPath?: string;
  /** Settings, state and logs (default <appData>/Shotgun Events, also set as userData). */
  dataDir?: string;
  /** How long in-flight callbacks may finish on quit. */
  quitGraceMs?: number;
  /** Minimum time between two notifications about the same plugin (or the connection). */
  notifyEveryMs?: number;
  /** Test seams. */
  settingsBackend?: SettingsBackend;
  host?: Partial<Pick<EngineHostOptions, 'createEngine' | 'prepareDemo' | 'restartGraceMs'>>;
  log?: (message: string) => void;
  /** Quit on SIGINT/SIGTERM (default true). */
  signals?: boolean;
}

export interface AppHandle {
  /** Settled once the window, IPC, tray and engine are up. */
  ready: Promise<void>;
  window(): BrowserWindow | null;
  host(): EngineHost | null;
  tray(): Tray | null;
  status(): OverallStatus;
  /** The same path as quitting from the tray. */
  quit(): void;
  /** Settled once a quit has stopped the engine and called app.exit. */
  exited: Promise<void>;
}

/** Starts the app; null when another instance already runs (this one then quits). */
export function startApp(o: AppOptions = {}): AppHandle | null {
  const log = o.log ?? ((m: string) => console.log(`[shotgun-events] ${m}`));

  // One data folder (settings, state, logs) for `electron .` and the packaged app alike;
  // set before the lock, which Electron keys on it.
  const dataDir = o.dataDir ?? path.join(app.getPath('appData'), PRODUCT_NAME);
  app.setPath('userData', dataDir);

  if (!app.requestSingleInstanceLock()) {
    log('Shotgun Events is already running: focusing that window.');
    app.quit();
    return null;
  }

  // Before `ready`, as Electron requires.
  registerAppScheme(protocol);
  app.setAppUserModelId?.(APP_ID);

  const distDir = defaultDistDir();
  const rendererRoot = o.rendererRoot ?? path.join(distDir, 'renderer');
  const preloadPath = o.preloadPath ?? path.join(distDir, 'preload', 'index.cjs');
  const quitGraceMs = o.quitGraceMs ?? 10_000;
  const throttle = new Throttle(o.notifyEveryMs ?? 5 * 60_000);

  let win: BrowserWindow | null = null;
  let sink: WindowSink | null = null;
  let tray: Tray | null = null;
  let host: EngineHost | null = null;
  let settings: SettingsService | null = null;
  let disposeIpc: (() => void) | null = null;
  let quitState: 'running' | 'stopping' | 'done' = 'running';
  let resolveExited!: () => void;
  const exited = new Promise<void>((r) => (resolveExited = r));

  const tracker = new StatusTracker(
    (s) => refreshTray(s),
    (n) => notify(n),
  );

  function notify(n: Notice): void {
    if (quitState !== 'running' || !throttle.allow(n.key)) return;
    try {
      if (!Notification.isSupported()) return;
      const note = new Notification({ title: n.title, body: n.body.slice(0, 300) });
      note.on('click', () => showWindow());
      note.show();
    } catch (e) {
      log(`Cannot show a notification: ${(e as Error).message}`);
    }
  }

  function showWindow(): void {
    if (quitState !== 'running') return;
    if (!win || win.isDestroyed()) {
      createWindow();
      return;
    }
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  function sendSnapshot(): void {
    if (host && sink) sink.snapshot(host.snapshot());
  }

  function createWindow(): void {
    if (!existsSync(path.join(rendererRoot, 'index.html'))) {
      log(`The UI is not built (${path.join(rendererRoot, 'index.html')} is missing): run \`npm run build\`.`);
    }
    const w = new BrowserWindow({
      width: 1360,
      height: 860,
      minWidth: 900,
      minHeight: 560,
      show: false,
      title: PRODUCT_NAME,
      backgroundColor: '#15171c',
      autoHideMenuBar: true,
      webPreferences: secureWebPreferences(preloadPath, { devTools: !app.isPackaged }),
    });
    win = w;
    const s = new WindowSink(w.webContents);
    sink = s;
    guardWebContents(w.webContents, {
      openExternal: (url) => void shell.openExternal(url),
      site: () => settings?.site ?? null,
      log,
    });
    w.webContents.on('did-finish-load', () => sendSnapshot());
    w.once('ready-to-show', () => w.show());
    w.on('close', (event) => {
      // With a tray the daemon keeps running when the window is closed.
      if (quitState === 'running' && tray) {
        event.preventDefault();
        w.hide();
      }
    });
    w.on('closed', () => {
      s.close();
      if (sink === s) sink = null;
      if (win === w) win = null;
    });
    void w.loadURL(APP_INDEX_URL).catch((e: Error) => log(`Cannot load the UI: ${e.message}`));
  }

  function trayMenu(status: OverallStatus): Menu {
    const site = tracker.engineView?.site;
    const demo = tracker.engineView?.demo ? ' (demo)' : '';
    const template: MenuItemConstructorOptions[] = [
      { label: `${STATUS_LABEL[status]}${demo}${site ? ` — ${site}` : ''}`, enabled: false },
      { type: 'separator' },
      { label: 'Show Shotgun Events', click: () => showWindow() },
      { type: 'separator' },
      { label: 'Pause all', enabled: status !== 'paused' && host?.running != null, click: () => void command('pauseAll') },
      { label: 'Resume all', enabled: host?.running != null, click: () => void command('resumeAll') },
      { label: 'Restart engine', click: () => void host?.restart() },
      { type: 'separator' },
      { label: 'Quit', click: () => app.quit() },
    ];
    return Menu.buildFromTemplate(template);
  }

  function refreshTray(status: OverallStatus): void {
    if (!tray || tray.isDestroyed()) return;
    tray.setImage(trayIcon(status));
    tray.setToolTip(`${PRODUCT_NAME} — ${STATUS_LABEL[status]}${tracker.error ? `: ${tracker.error}` : ''}`);
    tray.setContextMenu(trayMenu(status));
  }

  function createTray(): void {
    try {
      tray = new Tray(trayIcon(tracker.status));
      tray.on('click', () => showWindow());
      refreshTray(tracker.status);
    } catch (e) {
      tray = null;
      log(`No tray icon on this desktop (${(e as Error).message}); closing the window quits.`);
    }
  }

  async function command(name: 'pauseAll' | 'resumeAll'): Promise<void> {
    try {
      await host?.command(name, {});
    } catch (e) {
      log(`${name} failed: ${(e as Error).message}`);
    }
  }

  async function shutdown(): Promise<void> {
    log('Quitting: stopping the engine (in-flight callbacks may finish)...');
    try {
      await ready.catch(() => {});
      await host?.stop(quitGraceMs);
      log('Engine stopped; state saved.');
    } catch (e) {
      log(`Stopping the engine failed: ${(e as Error).message}`);
    } finally {
      disposeIpc?.();
      sink?.close();
      if (tray && !tray.isDestroyed()) tray.destroy();
      quitState = 'done';
      app.exit(0);
      resolveExited();
    }
  }

  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());
  app.on('window-all-closed', () => {
    if (!tray) app.quit();
  });
  app.on('before-quit', (event) => {
    if (quitState === 'done') return;
    event.preventDefault();
    if (quitState === 'stopping') return;
    quitState = 'stopping';
    void shutdown();
  });
  if (o.signals ?? true) for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());

  const ready = app.whenReady().then(() => {
    hardenSession(session.defaultSession, log);
    serveRenderer(protocol, rendererRoot);
    settings = new SettingsService({
      backend: o.settingsBackend ?? openSettingsStore({ cwd: dataDir }),
      secrets: safeStorage,
      dataDir,
    });
    const h = new EngineHost({
      settings,
      ...o.host,
      events: {
        update: (u) => {
          sink?.push(u);
          tracker.update(u);
        },
        engineChanged: () => {
          tracker.reset(h.snapshot());
          sendSnapshot();
        },
        state: (state, error) => tracker.setHost(state, error),
        log,
      },
    });
    host = h;
    disposeIpc = registerCommandIpc(ipcMain, {
      trusted: () => (win && !win.isDestroyed() ? win.webContents : null),
      dispatch: (name, args) => h.command(name, args as never),
      log,
    });
    createWindow();
    createTray();
    if (quitState === 'running') void h.start();
  });
  ready.catch((e: Error) => log(`Startup failed: ${e.message}`));

  return {
    ready,
    window: () => win,
    host: () => host,
    tray: () => tray,
    status: () => tracker.status,
    quit: () => app.quit(),
    exited,
  };
}

const iconCache = new Map<OverallStatus, Electron.NativeImage>();
function trayIcon(status: OverallStatus): Electron.NativeImage {
  let img = iconCache.get(status);
  if (!img) {
    img = nativeImage.createFromBuffer(statusDotPng(STATUS_COLOR[status], 32), { scaleFactor: 2 });
    iconCache.set(status, img);
  }
  return img;
}
