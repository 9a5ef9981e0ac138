// Settings in electron-store (real, under Node with `electron` mocked) with script keys
// encrypted by safeStorage: the key is never in the store file nor in anything the
// renderer gets; testConnection against a real sandbox over HTTP; importing a
// shotgunEventDaemon.conf; the engine config built from the store; and a real engine on a
// sandbox stopped gracefully by quitting the app (state saved).

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SettingsInput } from '../../electron/contract.js';
import { startApp } from '../../electron/main/app.js';
import { openSettingsStore, SettingsService } from '../../electron/main/settings.js';
import { startSandbox, type Sandbox } from '../../electron/sandbox/index.js';
import { fake, FakeBrowserWindow, fakeSafeStorage, makeReady, resetFake } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule());

const KEY = 'Sup3r-Secret-Script-Key-0123456789';
const base = mkdtempSync(path.join(tmpdir(), 'sge-settings-'));
let sandbox: Sandbox;
let n = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 'minimal', scripts: [{ name: 'events_app', key: KEY }] });
});
afterAll(async () => {
  await sandbox.close();
  rmSync(base, { recursive: true, force: true });
});

function service(): { svc: SettingsService; dir: string; file: () => string } {
  const dir = path.join(base, `s${++n}`);
  const backend = openSettingsStore({ cwd: dir });
  const svc = new SettingsService({ backend, secrets: fakeSafeStorage, dataDir: dir });
  return { svc, dir, file: () => readFileSync(backend.path, 'utf8') };
}

const input = (o: Partial<SettingsInput> = {}): SettingsInput => ({
  site: sandbox.url,
  scriptName: 'events_app',
  scriptKey: KEY,
  pluginPaths: [],
  fetchIntervalS: 2,
  maxEventBatchSize: 100,
  backlogTimeoutS: 60,
  emailTo: [],
  ...o,
});

describe('settings store', () => {
  beforeEach(() => resetFake());

  it('stores the script key encrypted (base64 of safeStorage) and never returns it', () => {
    const { svc, file } = service();
    const view = svc.save(input());
    const onDisk = file();
    expect(onDisk).not.toContain(KEY);
    expect(onDisk).not.toContain(Buffer.from(KEY).toString('base64'));
    const stored = JSON.parse(onDisk) as Record<string, unknown>;
    expect(stored.scriptKeyEnc).toBe(fakeSafeStorage.encryptString(KEY).toString('base64'));
    expect(Object.keys(stored)).not.toContain('scriptKey');
    expect(svc.scriptKey()).toBe(KEY);
    expect(view).toMatchObject({ source: 'app', editable: true, site: sandbox.url, scriptName: 'events_app', hasScriptKey: true, demo: false });
    expect(JSON.stringify(view)).not.toContain(KEY);
    expect(JSON.stringify(view)).not.toMatch(/scriptKey"|Enc"/);
  });

  it('keeps the stored key when a save leaves it out; requires one for a site', () => {
    const { svc } = service();
    expect(() => svc.save(input({ scriptKey: undefined }))).toThrow(/scriptKey: a script key is required/);
    expect(() => svc.save(input({ scriptName: ' ' }))).toThrow(/scriptName: the script name is required/);
    svc.save(input());
    svc.save(input({ scriptKey: undefined, fetchIntervalS: 7 }));
    expect(svc.scriptKey()).toBe(KEY);
    expect(svc.view().fetchIntervalS).toBe(7);
    // No site: demo mode, the key stays for later.
    expect(svc.save(input({ site: null, scriptKey: undefined }))).toMatchObject({ site: null, demo: true, hasScriptKey: true });
  });

  it('refuses to store a key when the keychain is unavailable (nothing written in clear)', () => {
    const { svc, file } = service();
    fakeSafeStorage.available = false;
    expect(() => svc.save(input())).toThrow(/system keychain is not available/);
    expect(existsSync(path.join(base, `s${n}`, 'settings.json')) ? file() : '').not.toContain(KEY);
  });

  it('builds the engine config from the store: site, decrypted key, intervals, state and logs in the data folder', () => {
    const { svc, dir } = service();
    expect(svc.engineConfig()).toBeNull(); // no site: demo
    svc.save(input({ pluginPaths: [path.join(dir, 'plugins')] }));
    const c = svc.engineConfig()!;
    expect(c.shotgun).toMatchObject({ server: sandbox.url, name: 'events_app', key: KEY });
    expect(c.daemon).toMatchObject({ fetchIntervalMs: 2000, maxEventBatchSize: 100, backlogTimeoutMs: 60_000 });
    expect(c.daemon.stateFile).toBe(path.join(dir, 'shotgun-events.state.json'));
    expect(c.daemon.logFile).toBe(path.join(dir, 'logs', 'shotgun-events.log'));
    expect(c.plugins.paths).toEqual([path.join(dir, 'plugins')]);
  });

  it('imports a shotgunEventDaemon.conf: fills the store, key and SMTP password encrypted', () => {
    const { svc, dir, file } = service();
    mkdirSync(dir, { recursive: true });
    const conf = path.join(dir, 'shotgunEventDaemon.conf');
    writeFileSync(
      conf,
      [
        '[daemon]',
        'fetch_interval = 3',
        'max_event_batch_size = 250',
        '[shotgun]',
        `server = ${sandbox.url}`,
        'name = events_app',
        `key = ${KEY}`,
        '[plugins]',
        'paths = ./plugins, /opt/studio/plugins',
        '[emails]',
        'enabled = true',
        'server = smtp.studio.example',
        'from = daemon@studio.example',
        'to = td@studio.example, pipe@studio.example',
        'password = Smtp-Pa55word',
        '',
      ].join('\n'),
    );
    const view = svc.importFile(conf);
    expect(view).toMatchObject({
      site: sandbox.url,
      scriptName: 'events_app',
      hasScriptKey: true,
      fetchIntervalS: 3,
      maxEventBatchSize: 250,
      pluginPaths: [path.join(dir, 'plugins'), '/opt/studio/plugins'],
      emailTo: ['td@studio.example', 'pipe@studio.example'],
    });
    const onDisk = file();
    expect(onDisk).not.toContain(KEY);
    expect(onDisk).not.toContain('Smtp-Pa55word');
    expect(JSON.stringify(view)).not.toContain(KEY);
    expect(svc.engineConfig()!.emails).toMatchObject({
      server: 'smtp.studio.example',
      password: 'Smtp-Pa55word',
      to: ['td@studio.example', 'pipe@studio.example'],
    });
    // A bad file: one message naming the key.
    writeFileSync(conf, '[daemon]\nfetch_interval = soon\n');
    expect(() => svc.importFile(conf)).toThrow(/\[daemon\] fetch_interval: expected a number of seconds/);
    expect(() => svc.importFile(path.join(dir, 'nope.conf'))).toThrow(/no such file/);
  });
});

describe('testConnection (real sandbox over HTTP)', () => {
  it('ok with the right key: server version and newest event', async () => {
    const { svc } = service();
    const r = await svc.testConnection({ site: sandbox.url, scriptName: 'events_app', scriptKey: KEY });
    expect(r.ok).toBe(true);
    expect(r.serverVersion).toMatch(/^\d+\.\d+/);
    expect(r.message).toMatch(/Connected to .* as script 'events_app'; (the newest event is #\d+|no events yet)\./);
  });

  it('uses the stored key when none is given', async () => {
    const { svc } = service();
    expect((await svc.testConnection({ site: sandbox.url, scriptName: 'events_app' })).message).toMatch(/none stored/);
    svc.save(input());
    expect((await svc.testConnection({ site: sandbox.url, scriptName: 'events_app' })).ok).toBe(true);
  });

  it('fails readably with a wrong key or an unreachable site, never echoing the key', async () => {
    const { svc } = service();
    const bad = await svc.testConnection({ site: sandbox.url, scriptName: 'events_app', scriptKey: 'wrong-key-xyz' });
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/Reached .* but reading events as script 'events_app' failed/);
    expect(bad.message).not.toContain('wrong-key-xyz');
    const down = await svc.testConnection({ site: 'http://127.0.0.1:9', scriptName: 'events_app', scriptKey: KEY });
    expect(down.ok).toBe(false);
    expect(down.message).toMatch(/Cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});

describe('the app on a real engine', () => {
  it('starts in demo mode; saveSettings over IPC restarts on the site; the renderer never gets the key; quit stops the engine and saves state', async () => {
    resetFake();
    makeReady();
    const dataDir = path.join(base, 'app');
    const rendererRoot = path.join(base, 'renderer');
    mkdirSync(rendererRoot, { recursive: true });
    writeFileSync(path.join(rendererRoot, 'index.html'), '<!doctype html>');
    const logs: string[] = [];
    const handle = startApp({ dataDir, rendererRoot, preloadPath: '/x/index.cjs', signals: false, quitGraceMs: 2000, log: (m) => logs.push(m) })!;
    await handle.ready;
    const win = FakeBrowserWindow.all.at(-1)!;
    const ipc = (name: string, args: unknown) => fake.ipcMain.invoke(`sge:cmd:${name}`, win.webContents.ipcEvent(), args);
    // Starting means a sandbox and a worker per example plugin: slow on a loaded machine, so a
    // generous deadline; a failed start ends the wait at once with the host's logs.
    const waitRunning = async () => {
      const host = handle.host()!;
      const end = Date.now() + 120_000;
      while (host.state !== 'running' && host.state !== 'failed' && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(host.state, logs.join('\n')).toBe('running');
    };
    // No site configured: demo mode on the embedded sandbox with the example plugins, labelled.
    await waitRunning();
    const demo = (await ipc('snapshot', {})) as { engine: { demo: boolean; site: string }; plugins: Array<{ name: string }> };
    expect(demo.engine.demo).toBe(true);
    expect(demo.plugins.map((p) => p.name)).toContain('logArgs');
    expect(await ipc('getSettings', {})).toMatchObject({ site: null, demo: true, hasScriptKey: false });
    expect(logs.join('\n')).toMatch(/Demo mode: no ShotGrid site configured/);
    const saved = await ipc('saveSettings', input());
    expect(JSON.stringify(saved)).not.toContain(KEY);
    expect(saved).toMatchObject({ site: sandbox.url, hasScriptKey: true, demo: false });
    const host = handle.host()!;
    await waitRunning();
    const snap = (await ipc('snapshot', {})) as { engine: { site: string; demo: boolean } };
    expect(snap.engine).toMatchObject({ site: sandbox.url, demo: false });
    // Nothing the window received carries the key.
    expect(JSON.stringify(win.webContents.sent)).not.toContain(KEY);

    fake.app.quit();
    await handle.exited;
    expect(host.state).toBe('stopped');
    expect(fake.app.exitCalls).toEqual([0]);
    const stateFile = path.join(dataDir, 'shotgun-events.state.json');
    expect(existsSync(stateFile)).toBe(true);
    expect(readFileSync(stateFile, 'utf8')).not.toContain(KEY);
    expect(readFileSync(path.join(dataDir, 'settings.json'), 'utf8')).not.toContain(KEY);
    expect(logs.join('\n')).toMatch(/Engine stopped; state saved\./);
  }, 300_000);
});
