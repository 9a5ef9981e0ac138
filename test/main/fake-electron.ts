// A stand-in for the `electron` module in plain Node (no Electron binary here or in CI).
// Tests do: vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule())
// and drive/inspect the objects below. Only what the app uses is modelled.

import { EventEmitter } from 'node:events';

export interface Preventable {
  preventDefault(): void;
  defaultPrevented: boolean;
}
export function preventable(): Preventable {
  const e = {
    defaultPrevented: false,
    preventDefault() {
      e.defaultPrevented = true;
    },
  };
  return e;
}

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

export class FakeWebContents extends EventEmitter {
  private static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  sent: Array<{ channel: string; payload: unknown; at: number }> = [];
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  destroyed = false;
  url = '';
  readonly mainFrame: FakeFrame = { url: '', parent: null };

  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload, at: Date.now() });
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getURL(): string {
    return this.url;
  }
  /** Emits a preventable event like Electron does; returns it. */
  fire(name: string, ...args: unknown[]): Preventable {
    const e = preventable();
    this.emit(name, e, ...args);
    return e;
  }
  /** An IPC event as ipcMain.handle receives it from this webContents' main frame (or `frame`). */
  ipcEvent(frame: FakeFrame = this.mainFrame): { sender: FakeWebContents; senderFrame: FakeFrame | null } {
    return { sender: this, senderFrame: frame };
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static all: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loadedUrl: string | null = null;
  visible = false;
  focused = 0;
  destroyed = false;

  constructor(readonly options: Record<string, any>) {
    super();
    FakeBrowserWindow.all.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    this.webContents.url = url;
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  /** What Electron does once the page loaded. */
  finishLoad(): void {
    this.emit('ready-to-show');
    this.webContents.emit('did-finish-load');
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {
    this.focused++;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    const e = preventable();
    this.emit('close', e);
    if (e.defaultPrevented) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

class FakeApp extends EventEmitter {
  lock = true;
  isPackaged = false;
  userData = '/nonexistent';
  quitCalls = 0;
  exitCalls: number[] = [];
  readyResolve!: () => void;
  private ready = new Promise<void>((r) => (this.readyResolve = r));

  /** userData when the lock was asked for (Electron keys the lock on it). */
  lockedUserData: string | null = null;
  requestSingleInstanceLock(): boolean {
    this.lockedUserData = this.userData;
    return this.lock;
  }
  quit(): void {
    this.quitCalls++;
    const e = preventable();
    this.emit('before-quit', e);
    if (!e.defaultPrevented) this.exitCalls.push(0);
  }
  exit(code = 0): void {
    this.exitCalls.push(code);
    this.emit('exit', code);
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  getPath(_name: string): string {
    return this.userData;
  }
  setPath(name: string, value: string): void {
    if (name === 'userData') this.userData = value;
  }
  getVersion(): string {
    return '0.1.0';
  }
  setAppUserModelId(_id: string): void {}
}

class FakeIpcMain extends EventEmitter {
  handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  handle(channel: string, fn: (event: unknown, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke(channel, args) from `event.sender` leads to. */
  async invoke(channel: string, event: unknown, args?: unknown): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, args);
  }
}

class FakeSession {
  permissionRequestHandler: ((wc: unknown, permission: string, cb: (ok: boolean) => void, details?: unknown) => void) | null = null;
  permissionCheckHandler: ((wc: unknown, permission: string, origin: string, details?: unknown) => boolean) | null = null;
  devicePermissionHandler: (() => boolean) | null = null;
  beforeRequest: { filter: { urls: string[] }; fn: (d: { url: string }, cb: (r: { cancel?: boolean }) => void) => void } | null = null;
  headersReceived: ((d: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null = null;
  webRequest = {
    onBeforeRequest: (
      filter: { urls: string[] },
      fn: FakeSession['beforeRequest'] extends infer T ? (T extends { fn: infer F } ? F : never) : never,
    ) => {
      this.beforeRequest = { filter, fn };
    },
    onHeadersReceived: (fn: NonNullable<FakeSession['headersReceived']>) => {
      this.headersReceived = fn;
    },
  };
  setPermissionRequestHandler(h: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = h;
  }
  setDevicePermissionHandler(h: () => boolean): void {
    this.devicePermissionHandler = h;
  }
}

export class FakeTray extends EventEmitter {
  static all: FakeTray[] = [];
  image: unknown;
  tooltip = '';
  menu: { items: Array<Record<string, any>> } | null = null;
  destroyed = false;
  constructor(image: unknown) {
    super();
    this.image = image;
    FakeTray.all.push(this);
  }
  setImage(i: unknown): void {
    this.image = i;
  }
  setToolTip(t: string): void {
    this.tooltip = t;
  }
  setContextMenu(m: { items: Array<Record<string, any>> }): void {
    this.menu = m;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export class FakeNotification extends EventEmitter {
  static shown: Array<{ title: string; body: string }> = [];
  static isSupported(): boolean {
    return true;
  }
  constructor(readonly opts: { title: string; body: string }) {
    super();
  }
  show(): void {
    FakeNotification.shown.push(this.opts);
  }
}

/** Reversible and not plaintext: the stored bytes must never contain the secret. */
export const fakeSafeStorage = {
  available: true,
  isEncryptionAvailable(): boolean {
    return this.available;
  },
  encryptString(plain: string): Buffer {
    const b = Buffer.from(plain, 'utf8').map((x) => x ^ 0xa5);
    return Buffer.concat([Buffer.from('v10'), b.reverse()]);
  },
  decryptString(buf: Buffer): string {
    if (buf.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(
      Buffer.from(buf.subarray(3))
        .reverse()
        .map((x) => x ^ 0xa5),
    ).toString('utf8');
  },
};

export const fake = {
  app: new FakeApp(),
  ipcMain: new FakeIpcMain(),
  session: new FakeSession(),
  protocol: {
    privileged: [] as unknown[],
    registeredBeforeReady: null as boolean | null,
    handlers: new Map<string, (req: { url: string; method: string }) => Promise<Response> | Response>(),
  },
  shellOpened: [] as string[],
  exposed: new Map<string, unknown>(),
  ipcRenderer: Object.assign(new EventEmitter(), {
    invoked: [] as Array<{ channel: string; args: unknown }>,
    reply: async (_channel: string, _args: unknown): Promise<unknown> => undefined,
  }),
  appIsReady: false,
};

export function electronModule(): Record<string, unknown> {
  const mod = {
    app: fake.app,
    ipcMain: fake.ipcMain,
    BrowserWindow: FakeBrowserWindow,
    Tray: FakeTray,
    Notification: FakeNotification,
    Menu: { buildFromTemplate: (items: Array<Record<string, any>>) => ({ items }) },
    nativeImage: { createFromBuffer: (buf: Buffer, opts?: unknown) => ({ png: buf, opts }) },
    safeStorage: fakeSafeStorage,
    session: { defaultSession: fake.session },
    shell: {
      openExternal: async (url: string) => {
        fake.shellOpened.push(url);
      },
      openPath: async () => '',
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => {
        fake.protocol.privileged.push(...schemes);
        fake.protocol.registeredBeforeReady = !fake.appIsReady;
      },
      handle: (scheme: string, fn: (req: { url: string; method: string }) => Promise<Response>) => {
        fake.protocol.handlers.set(scheme, fn);
      },
    },
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        fake.exposed.set(key, api);
      },
    },
    ipcRenderer: Object.assign(fake.ipcRenderer, {
      invoke: (channel: string, args: unknown) => {
        fake.ipcRenderer.invoked.push({ channel, args });
        return fake.ipcRenderer.reply(channel, args);
      },
    }),
  };
  return { ...mod, default: mod };
}

/** Resolves app.whenReady() (after which protocol registration would be too late). */
export function makeReady(): void {
  fake.appIsReady = true;
  fake.app.readyResolve();
}

/** Between tests of one file: forget listeners, handlers and records (readiness stays). */
export function resetFake(): void {
  fake.app.removeAllListeners();
  fake.app.lock = true;
  fake.app.quitCalls = 0;
  fake.app.exitCalls = [];
  fake.ipcMain.handlers.clear();
  fake.ipcMain.removeAllListeners();
  fake.protocol.privileged = [];
  fake.protocol.handlers.clear();
  fake.shellOpened = [];
  fake.exposed.clear();
  fake.ipcRenderer.removeAllListeners();
  fake.ipcRenderer.invoked = [];
  fake.ipcRenderer.reply = async () => undefined;
  fakeSafeStorage.available = true;
  FakeBrowserWindow.all = [];
  FakeTray.all = [];
  FakeNotification.shown = [];
}
