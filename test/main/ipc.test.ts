// Main-process IPC: every command of the contract has a handler on its own channel; the
// sender (window, top frame, app:// origin) and the arguments (zod) are checked before the
// engine is reached; pushes are batched on one channel.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { COMMAND_NAMES, type Update } from '../../electron/contract.js';
import { registerCommandIpc, WindowSink } from '../../electron/main/ipc.js';
import { fake, FakeWebContents, resetFake } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule());

function setup() {
  const wc = new FakeWebContents();
  wc.mainFrame.url = 'app://renderer/index.html';
  const dispatch = vi.fn(async (name: string, args: unknown) => ({ name, args }));
  const logs: string[] = [];
  const dispose = registerCommandIpc(fake.ipcMain as never, { trusted: () => wc as never, dispatch, log: (m) => logs.push(m) });
  return { wc, dispatch, logs, dispose };
}

describe('command handlers', () => {
  beforeEach(() => resetFake());

  it('registers exactly one handler per COMMAND_NAME (sge:cmd:<name>) and removes them', () => {
    const { dispose } = setup();
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(COMMAND_NAMES.map((n) => `sge:cmd:${n}`).sort());
    dispose();
    expect(fake.ipcMain.handlers.size).toBe(0);
  });

  it('passes validated arguments from the app window to the dispatcher', async () => {
    const { wc, dispatch } = setup();
    await expect(fake.ipcMain.invoke('sge:cmd:pause', wc.ipcEvent(), { plugin: 'logArgs' })).resolves.toEqual({
      name: 'pause',
      args: { plugin: 'logArgs' },
    });
    // Commands without arguments accept undefined (the bridge may send nothing).
    await fake.ipcMain.invoke('sge:cmd:snapshot', wc.ipcEvent(), undefined);
    await fake.ipcMain.invoke('sge:cmd:setCursor', wc.ipcEvent(), { plugin: 'p', target: { kind: 'time', time: '2024-01-02T03:04:05Z' } });
    expect(dispatch.mock.calls.map((c) => c[0])).toEqual(['pause', 'snapshot', 'setCursor']);
  });

  it('rejects bad arguments with a readable error, without calling the handler', async () => {
    const { wc, dispatch } = setup();
    const cases: Array<[string, unknown, RegExp]> = [
      ['pause', {}, /bad arguments for pause:[\s\S]*plugin/],
      ['pause', { plugin: 'x', extra: 1 }, /bad arguments for pause:[\s\S]*extra/],
      ['setEnabled', { plugin: 'x', enabled: 'yes' }, /bad arguments for setEnabled:[\s\S]*enabled/],
      ['setCursor', { plugin: 'x', target: { kind: 'id', id: -5 } }, /bad arguments for setCursor/],
      ['getEvent', { id: 'DROP TABLE' }, /bad arguments for getEvent:[\s\S]*id/],
      ['saveSettings', { site: 'not a url' }, /bad arguments for saveSettings/],
      ['testConnection', { site: 'https://x.example', scriptName: '' }, /bad arguments for testConnection:[\s\S]*scriptName/],
      ['snapshot', 'string args', /bad arguments for snapshot/],
    ];
    for (const [name, args, re] of cases) {
      await expect(fake.ipcMain.invoke(`sge:cmd:${name}`, wc.ipcEvent(), args)).rejects.toThrow(re);
    }
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('rejects foreign senders: other origins, sub-frames, other webContents, vanished frames', async () => {
    const { wc, dispatch, logs } = setup();
    const other = new FakeWebContents();
    other.mainFrame.url = 'app://renderer/index.html';
    const events = [
      wc.ipcEvent({ url: 'https://evil.example/index.html', parent: null }),
      wc.ipcEvent({ url: 'file:///work/main/dist/renderer/index.html', parent: null }),
      wc.ipcEvent({ url: 'app://renderer.evil.example/index.html', parent: null }),
      wc.ipcEvent({ url: 'app://other/index.html', parent: null }),
      wc.ipcEvent({ url: 'http://127.0.0.1:8080/', parent: null }),
      wc.ipcEvent({ url: 'app://renderer/frame.html', parent: wc.mainFrame }),
      wc.ipcEvent({ url: 'about:blank', parent: null }),
      { sender: wc, senderFrame: null },
      other.ipcEvent(),
    ];
    for (const e of events) {
      await expect(fake.ipcMain.invoke('sge:cmd:pauseAll', e, {})).rejects.toThrow(/pauseAll rejected: the sender is not the app window/);
    }
    expect(dispatch).not.toHaveBeenCalled();
    expect(logs).toHaveLength(events.length);
    // And once the window is gone nobody is trusted.
    wc.destroyed = true;
    await expect(fake.ipcMain.invoke('sge:cmd:pauseAll', wc.ipcEvent(), {})).rejects.toThrow(/rejected/);
  });
});

describe('pushes', () => {
  afterEach(() => vi.useRealTimers());

  const log = (i: number): Update => ({
    kind: 'logs',
    lines: [{ time: i, level: 20, levelName: 'INFO', logger: 'engine', message: `line ${i}` }],
  });

  it('sends updates on sge:updates at most every ~100 ms, in order, never one message per update', async () => {
    const wc = new FakeWebContents();
    const sink = new WindowSink(wc);
    const t0 = Date.now();
    let i = 0;
    while (Date.now() - t0 < 450) {
      for (let k = 0; k < 20; k++) sink.push(log(i++));
      await new Promise((r) => setTimeout(r, 5));
    }
    sink.snapshot({ engine: {} as never, plugins: [], events: [], logs: [], audit: [] });
    sink.close();
    const updates = wc.sent.filter((s) => s.channel === 'sge:updates');
    expect(new Set(wc.sent.map((s) => s.channel))).toEqual(new Set(['sge:updates', 'sge:snapshot']));
    expect(i).toBeGreaterThan(500);
    expect(updates.length).toBeGreaterThanOrEqual(3);
    expect(updates.length).toBeLessThanOrEqual(7);
    // Timer-driven sends are ~100 ms apart (the last one is the flush before the snapshot).
    for (let k = 1; k < updates.length - 1; k++) expect(updates[k]!.at - updates[k - 1]!.at).toBeGreaterThanOrEqual(90);
    // Nothing lost, order kept, snapshot after the pending updates.
    const lines = updates.flatMap((u) => (u.payload as Update[]).flatMap((x) => (x.kind === 'logs' ? x.lines.map((l) => l.time) : [])));
    expect(lines).toEqual([...Array(i).keys()]);
    expect(wc.sent.at(-1)!.channel).toBe('sge:snapshot');
  });

  it('coalesces engine and plugin views within a batch and sends nothing to a destroyed window', () => {
    vi.useFakeTimers();
    const wc = new FakeWebContents();
    const sink = new WindowSink(wc);
    for (let k = 0; k < 50; k++) sink.push({ kind: 'engine', engine: { headId: k } as never });
    vi.advanceTimersByTime(100);
    expect(wc.sent).toHaveLength(1);
    expect(wc.sent[0]!.payload).toEqual([{ kind: 'engine', engine: { headId: 49 } }]);
    wc.destroyed = true;
    sink.push(log(1));
    vi.advanceTimersByTime(200);
    expect(wc.sent).toHaveLength(1);
  });
});
