// The testing helper (shotgun-events/testing): a sandbox in-process, one plugin in a real
// worker, a small in-order dispatcher.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testPlugin } from '../../electron/testing/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sge-testing-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PLUGIN = `
export function registerCallbacks(reg) {
  reg.logger.info('registering');
  reg.registerCallback('stamp_script', 'stamp-key', onStatus, { field: 'description', prefix: 'status' },
    { matchEvents: { Shotgun_Shot_Change: ['sg_status_list'] } });
  reg.registerCallback('stamp_script', 'stamp-key', onCustom, null,
    { matchEvents: { Custom_Boom: null }, stopOnError: false });
}
async function onStatus(sg, event, args, ctx) {
  ctx.logger.info('shot %d is now %s', event.entity.id, event.meta.new_value);
  await sg.update('Shot', event.entity.id, { [args.field]: args.prefix + ' ' + event.meta.new_value });
}
async function onCustom(sg, event, args, ctx) {
  ctx.logger.warning('custom %s', event.meta && event.meta.label);
  if (event.meta && event.meta.fail) throw new Error('boom failed');
}
`;

describe('testPlugin', () => {
  it('runs a real write through the plugin, which writes back through its own script', async () => {
    const file = path.join(dir, 'stamp.mjs');
    writeFileSync(file, PLUGIN);
    const t = await testPlugin({ file });
    try {
      expect(t.callbacks.map((c) => c.name)).toEqual(['onStatus', 'onCustom']);
      const shot = (await t.sg.findOne<{ id: number }>('Shot', [['sg_status_list', 'is_not', 'hld']], ['id']))!;
      await t.sg.update('Shot', shot.id, { sg_status_list: 'hld' });
      await t.settle();
      expect(t.errors).toEqual([]);
      expect(t.outcomes.map((o) => o.name)).toEqual(['onStatus']);
      expect(t.messages()).toContain(`shot ${shot.id} is now hld`);
      expect(t.messages()).toContain('registering');
      const back = await t.sg.findOne<{ description: string }>('Shot', [['id', 'is', shot.id]], ['description']);
      expect(back?.description).toBe('status hld');
      // the plugin's script has generate_event_log_entries off (as on a real site): no loop
      const own = await t.sg.find('EventLogEntry', [['user.ApiUser.firstname', 'is', 'stamp_script']], ['id']);
      expect(own).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('injects custom events, records failures and keeps going in order', async () => {
    const file = path.join(dir, 'stamp2.mjs');
    writeFileSync(file, PLUGIN);
    const t = await testPlugin({ file });
    try {
      const a = await t.inject({ event_type: 'Custom_Boom', meta: { label: 'first', fail: true } });
      const b = await t.inject({ event_type: 'Custom_Boom', meta: { label: 'second' } });
      expect(b.id).toBeGreaterThan(a.id);
      expect(t.events.map((e) => e.id)).toEqual([a.id, b.id]);
      expect(t.errors).toHaveLength(1);
      expect(t.errors[0]).toMatchObject({ eventId: a.id, name: 'onCustom', error: { message: 'boom failed' } });
      expect(t.outcomes.map((o) => [o.eventId, o.ok])).toEqual([
        [a.id, false],
        [b.id, true],
      ]);
      expect(t.logs.filter((l) => l.level === 'warning').map((l) => l.message)).toEqual(['custom first', 'custom second']);
    } finally {
      await t.close();
    }
  });

  it('replaces the args for a test, and loads TypeScript plugins', async () => {
    const file = path.join(dir, 'stamp3.ts');
    writeFileSync(
      file,
      PLUGIN.replace(
        'async function onStatus(sg, event, args, ctx)',
        'async function onStatus(sg: any, event: any, args: { field: string; prefix: string }, ctx: any)',
      ),
    );
    const t = await testPlugin({ file, args: { field: 'description', prefix: 'now' } });
    try {
      const shot = (await t.sg.findOne<{ id: number }>('Shot', [['sg_status_list', 'is_not', 'fin']], ['id']))!;
      await t.sg.update('Shot', shot.id, { sg_status_list: 'fin' });
      await t.settle();
      expect(t.errors).toEqual([]);
      const back = await t.sg.findOne<{ description: string }>('Shot', [['id', 'is', shot.id]], ['description']);
      expect(back?.description).toBe('now fin');
    } finally {
      await t.close();
    }
  });

  it('with generateEvents, the plugin sees its own writes and settle() waits for them too', async () => {
    const file = path.join(dir, 'echo.mjs');
    writeFileSync(
      file,
      `export function registerCallbacks(reg) {
  reg.registerCallback('echo_script', 'echo-key', async (sg, event, args, ctx) => {
    ctx.logger.info('saw %s by %s', event.meta.new_value, event.user.name);
    // a guard against looping on its own write
    if (event.meta.new_value !== 'echoed') await sg.update('Shot', event.entity.id, { description: 'echoed' });
  }, null, { matchEvents: { Shotgun_Shot_Change: 'description' } });
}
`,
    );
    const t = await testPlugin({ file, generateEvents: true });
    try {
      const shot = (await t.sg.findOne<{ id: number }>('Shot', [], ['id']))!;
      await t.sg.update('Shot', shot.id, { description: 'by hand' });
      await t.settle();
      expect(t.errors).toEqual([]);
      expect(t.messages().filter((m) => m.startsWith('saw'))).toEqual(['saw by hand by Admin User', 'saw echoed by echo_script']);
    } finally {
      await t.close();
    }
  });

  it('a crashing worker is an error outcome, and the next event runs in a restarted worker', async () => {
    const file = path.join(dir, 'exiter.mjs');
    writeFileSync(
      file,
      `export function registerCallbacks(reg) {
  reg.registerCallback('x', 'k', (sg, event) => { if (event.meta.exit) process.exit(3); }, null, { matchEvents: { Custom_Exit: null } });
}
`,
    );
    const t = await testPlugin({ file });
    try {
      const a = await t.inject({ event_type: 'Custom_Exit', meta: { exit: true } });
      const b = await t.inject({ event_type: 'Custom_Exit', meta: { exit: false } });
      expect(t.outcomes.map((o) => [o.eventId, o.ok])).toEqual([
        [a.id, false],
        [b.id, true],
      ]);
      expect(t.errors[0]!.error?.message).toMatch(/exited with code 3/);
    } finally {
      await t.close();
    }
  });

  it('a plugin that fails to load is a clear error', async () => {
    const file = path.join(dir, 'broken.mjs');
    writeFileSync(file, 'export const nothing = 1;\n');
    await expect(testPlugin({ file })).rejects.toThrow(/registerCallbacks/);
  });
});
