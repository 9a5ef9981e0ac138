// The contract over WebSocket against a real Engine on the sandbox: snapshot on connect,
// batched updates, command round trips, readable errors, a fresh snapshot on reconnect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginView, Update, WireToClient } from '../../electron/contract.js';
import { until } from '../daemon/harness.js';
import { Backpressure } from '../../electron/headless/server.js';
import { startStack, WireClient, type Stack } from './helpers.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => s?.close());

const isSnapshot = (m: WireToClient): m is Extract<WireToClient, { type: 'snapshot' }> => m.type === 'snapshot';
const isUpdates = <M extends WireToClient>(m: M): m is Extract<M, { type: 'updates' }> => m.type === 'updates';
const pluginIn = (m: WireToClient, name: string, pred: (p: PluginView) => boolean) =>
  m.type === 'updates' && m.updates.some((u) => u.kind === 'plugin' && u.plugin.name === name && pred(u.plugin));

describe('headless UI: WebSocket contract', () => {
  it('sends a full snapshot first on connect', async () => {
    const c = await WireClient.open(s.wsUrl);
    const first = await c.waitFor(() => true, 'first message');
    expect(first.index).toBe(0);
    expect(first.type).toBe('snapshot');
    const snap = (first as Extract<WireToClient, { type: 'snapshot' }>).snapshot;
    expect(snap.engine.site).toBeTypeOf('string');
    expect(snap.plugins.map((p) => p.name)).toContain('rec');
    expect(Array.isArray(snap.events)).toBe(true);
    expect(Array.isArray(snap.logs)).toBe(true);
    await c.close();
  });

  it('batches updates: far fewer messages than updates, at most about one per 100 ms', async () => {
    const c = await WireClient.open(s.wsUrl);
    await c.waitFor(isSnapshot, 'snapshot');
    const from = c.messages.length;
    const t0 = Date.now();
    s.site.sandbox.traffic.setRate(200);
    try {
      await new Promise((r) => setTimeout(r, 2500));
    } finally {
      s.site.sandbox.traffic.setRate(0);
    }
    const elapsed = Date.now() - t0;
    const msgs = c.messages.slice(from).filter(isUpdates);
    const updates: Update[] = msgs.flatMap((m) => m.updates);
    const events = updates.flatMap((u) => (u.kind === 'events' ? u.events : []));
    const items =
      events.length + updates.filter((u) => u.kind === 'outcome').length + updates.flatMap((u) => (u.kind === 'logs' ? u.lines : [])).length;
    expect(events.length).toBeGreaterThan(100); // traffic got through
    expect(msgs.length).toBeGreaterThan(2);
    // ≤ 1 message per 100 ms (plus slack for the edges of the window).
    expect(msgs.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 3);
    expect(items).toBeGreaterThan(msgs.length * 5);
    // Events arrive in id order, once each.
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    await c.close();
  });

  it('round-trips commands: pause/resume a plugin and see its update', async () => {
    const c = await WireClient.open(s.wsUrl);
    await c.waitFor(isSnapshot, 'snapshot');
    let from = c.messages.length;
    const paused = await c.command('pause', { plugin: 'rec' });
    expect(paused).toMatchObject({ type: 'result', ok: true, result: null });
    await c.waitFor((m) => pluginIn(m, 'rec', (p) => p.paused && p.state === 'paused'), 'rec paused update', from);
    expect(s.engine.snapshot().plugins.find((p) => p.name === 'rec')!.paused).toBe(true);

    from = c.messages.length;
    const resumed = await c.command('resume', { plugin: 'rec' });
    expect(resumed).toMatchObject({ ok: true });
    await c.waitFor((m) => pluginIn(m, 'rec', (p) => !p.paused && p.state === 'running'), 'rec resumed update', from);

    // Commands with a result value.
    const snap = await c.command('snapshot');
    expect(snap.ok && (snap.result as { plugins: Array<{ name: string }> }).plugins.map((p) => p.name)).toEqual(['rec']);
    expect(JSON.stringify(snap)).not.toContain('daemon-key'); // never the script key
    const ev = await c.command('getEvent', { id: 999_999_999 });
    expect(ev).toMatchObject({ ok: true, result: { event: null, logs: [] } });
    await c.close();
  });

  it('answers invalid arguments, unknown commands and engine errors with readable errors', async () => {
    const c = await WireClient.open(s.wsUrl);
    await c.waitFor(isSnapshot, 'snapshot');
    const bad = await c.command('pause', { plugin: 5 });
    expect(bad.ok).toBe(false);
    expect(bad.ok === false && bad.error).toMatch(/bad arguments for pause/);
    expect(bad.ok === false && bad.error).toMatch(/plugin/);
    const extra = await c.command('setEnabled', { plugin: 'rec', enabled: 'yes' });
    expect(extra.ok === false && extra.error).toMatch(/bad arguments for setEnabled.*\n?.*enabled/s);
    const unknown = await c.command('explode', {});
    expect(unknown).toMatchObject({ ok: false, error: 'unknown command "explode"' });
    const inherited = await c.command('toString', {});
    expect(inherited).toMatchObject({ ok: false, error: 'unknown command "toString"' });
    const engineErr = await c.command('pause', { plugin: 'nope' });
    expect(engineErr.ok === false && engineErr.error).toMatch(/no plugin named 'nope'/);
    const needsPause = await c.command('setCursor', { plugin: 'rec', target: { kind: 'latest' } });
    expect(needsPause.ok === false && needsPause.error).toMatch(/pause rec before moving its cursor/);
    await c.close();
  });

  it('answers malformed messages with an error and keeps serving', async () => {
    const c = await WireClient.open(s.wsUrl);
    await c.waitFor(isSnapshot, 'snapshot');
    let from = c.messages.length;
    c.sendRaw('{not json');
    const notJson = await c.waitFor((m) => m.type === 'result', 'reply to bad JSON', from);
    expect(notJson).toMatchObject({ type: 'result', id: null, ok: false });
    expect((notJson as { error: string }).error).toMatch(/not JSON/);

    from = c.messages.length;
    c.sendRaw(JSON.stringify({ id: 7, name: 'pause', args: { plugin: 'rec' } }));
    const noType = await c.waitFor((m) => m.type === 'result', 'reply to envelope without type', from);
    expect(noType).toMatchObject({ id: 7, ok: false });
    expect((noType as { error: string }).error).toMatch(/malformed message.*type/);

    for (const raw of ['null', '42', '[]', '"command"', JSON.stringify({ type: 'command', id: {}, name: 'pause' })]) {
      from = c.messages.length;
      c.sendRaw(raw);
      const r = await c.waitFor((m) => m.type === 'result', `reply to ${raw}`, from);
      expect(r).toMatchObject({ id: null, ok: false });
    }
    from = c.messages.length;
    c.sendRaw(Buffer.from([1, 2, 3]), true);
    const bin = await c.waitFor((m) => m.type === 'result', 'reply to binary', from);
    expect((bin as { error: string }).error).toMatch(/binary/);

    // Still serving on the same connection.
    expect(await c.command('resume', { plugin: 'rec' })).toMatchObject({ ok: true });
    await c.close();
  });

  it('closes a connection that sends more than the message cap, and the server goes on', async () => {
    const c = await WireClient.open(s.wsUrl);
    await c.waitFor(isSnapshot, 'snapshot');
    c.sendRaw(JSON.stringify({ type: 'command', id: 1, name: 'pause', args: { plugin: 'x'.repeat(1024 * 1024 + 10) } }));
    expect((await c.closed).code).toBe(1009);
    const d = await WireClient.open(s.wsUrl);
    await d.waitFor(isSnapshot, 'snapshot after an oversized message');
    await d.close();
  });

  it('gives a reconnecting client a fresh snapshot reflecting the current state', async () => {
    const a = await WireClient.open(s.wsUrl);
    const snapA = await a.waitFor(isSnapshot, 'snapshot');
    expect(snapA.snapshot.plugins.find((p) => p.name === 'rec')!.paused).toBe(false);
    expect(await a.command('pause', { plugin: 'rec' })).toMatchObject({ ok: true });
    await a.close();

    const b = await WireClient.open(s.wsUrl);
    const snapB = await b.waitFor(isSnapshot, 'snapshot on reconnect');
    expect(snapB.index).toBe(0);
    expect(snapB.snapshot.plugins.find((p) => p.name === 'rec')!.paused).toBe(true);
    expect(await b.command('resume', { plugin: 'rec' })).toMatchObject({ ok: true });
    await b.close();
  });

  it('serves several windows at once, each with its own stream', async () => {
    const a = await WireClient.open(s.wsUrl);
    const b = await WireClient.open(s.wsUrl);
    await a.waitFor(isSnapshot, 'snapshot a');
    await b.waitFor(isSnapshot, 'snapshot b');
    const fa = a.messages.length;
    const fb = b.messages.length;
    expect(await a.command('pause', { plugin: 'rec' })).toMatchObject({ ok: true });
    await a.waitFor((m) => pluginIn(m, 'rec', (p) => p.paused), 'a sees pause', fa);
    await b.waitFor((m) => pluginIn(m, 'rec', (p) => p.paused), 'b sees pause', fb);
    // Results go only to the window that asked.
    expect(b.messages.slice(fb).some((m) => m.type === 'result')).toBe(false);
    await a.command('resume', { plugin: 'rec' });
    await a.close();
    await b.close();
  });

  it('drops stream items for a congested client but keeps sending state updates', async () => {
    // A server whose slow threshold is negative: every batch counts as congested.
    const { startUiServer } = await import('../../electron/headless/server.js');
    const ui = await startUiServer({ engine: s.engine, host: '127.0.0.1', port: 0, staticDir: s.www, slowBytes: -1 });
    try {
      const c = await WireClient.open(`ws://127.0.0.1:${ui.port}/ws`);
      await c.waitFor(isSnapshot, 'snapshot');
      const from = c.messages.length;
      s.site.sandbox.traffic.setRate(100);
      try {
        await c.command('pause', { plugin: 'rec' });
        await c.waitFor((m) => pluginIn(m, 'rec', (p) => p.paused), 'state update while congested', from);
        const head = s.engine.snapshot().engine.headId;
        await until(() => s.engine.snapshot().events.filter((e) => e.id > head).length > 20, 'traffic reaching the engine');
        await new Promise((r) => setTimeout(r, 600));
      } finally {
        s.site.sandbox.traffic.setRate(0);
      }
      const got = c.messages
        .slice(from)
        .filter(isUpdates)
        .flatMap((m) => m.updates);
      expect(got.some((u) => u.kind === 'events' || u.kind === 'outcome' || u.kind === 'logs')).toBe(false);
      await c.command('resume', { plugin: 'rec' });
      await c.close();
    } finally {
      await ui.close();
    }
  });
});

describe('headless UI: slow-client policy', () => {
  const ev = (id: number): Update => ({ kind: 'events', events: [{ id } as never] });
  const eng: Update = { kind: 'engine', engine: { headId: 1 } as never };
  const log: Update = { kind: 'logs', lines: [] };

  it('sends everything under the threshold, only state above it, a snapshot once drained, and disconnects past the cap', () => {
    const p = new Backpressure(1000, 5000);
    expect(p.decide([eng, ev(1)], 0)).toEqual({ action: 'send', updates: [eng, ev(1)] });
    expect(p.decide([eng, ev(2), log], 2000)).toEqual({ action: 'send', updates: [eng] });
    expect(p.decide([ev(3)], 1500)).toEqual({ action: 'send', updates: [] });
    expect(p.decide([eng, ev(4)], 10)).toEqual({ action: 'snapshot', dropped: 3 });
    expect(p.decide([ev(5)], 10)).toEqual({ action: 'send', updates: [ev(5)] });
    expect(p.decide([ev(6)], 6000)).toEqual({ action: 'disconnect' });
  });
});
