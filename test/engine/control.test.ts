// The engine's commands (electron/engine/control.ts) in-process, against a sandbox over
// HTTP: every user action is audited with who did it (the update stream, a WARNING and the
// audit file), a cursor moves only on a paused plugin with its replay count, a plugin that
// does not exist is named with the loaded ones, and a daemon refuses settings commands.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditEntry, Update } from '../../electron/contract.js';
import { loadConfig } from '../../electron/engine/config.js';
import { recorderPlugin, until } from '../daemon/harness.js';
import { shotId, writeCut } from '../daemon/helpers.js';
import { inProcess } from './in-process.js';

const run = inProcess();

describe('engine commands', () => {
  it('audit every action with who did it, move a paused cursor with its replay count, and name what is wrong', async () => {
    const s = await run.site();
    s.writeConfig();
    s.writePlugin('a.mjs', recorderPlugin(s.recordsDir, 'a'));
    s.writePlugin('b.mjs', recorderPlugin(s.recordsDir, 'b'));
    const config = loadConfig(s.configPath);
    const { engine: e, logged } = await run.engine(s);
    const audit: AuditEntry[] = [];
    e.subscribe((u: Update) => {
      if (u.kind === 'audit') audit.push(u.entry);
    });
    const shot = await shotId(s);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push(await writeCut(s, shot, 100 + i));
    await until(() => s.records('a').length === 3 && s.records('b').length === 3, 'both plugins got the 3 events');
    const cursorOf = (name: string) => e.snapshot().plugins.find((p) => p.name === name)!.cursor;
    await until(() => cursorOf('a') === ids[2], "a's cursor at the last event");

    // A plugin action: audited in the stream, at WARNING, and in the audit file, with who.
    await e.command('pause', { plugin: 'a' }, 'alice');
    expect(audit.at(-1)).toMatchObject({ plugin: 'a', action: 'paused', source: 'alice', before: ids[2], after: ids[2], replayCount: null });
    expect(logged(/^Audit: a paused by alice$/, 'WARNING')).toBe(true);
    const auditFile = `${config.daemon.stateFile}.audit.jsonl`;
    await until(() => existsSync(auditFile) && readFileSync(auditFile, 'utf8').includes('"source":"alice"'), 'the audit file line');

    // A running plugin's cursor does not move; a paused one's does, with what it replays.
    await expect(e.command('setCursor', { plugin: 'b', target: { kind: 'shift', by: -2 } }, 'alice')).rejects.toThrow(
      'pause b before moving its cursor',
    );
    const preview = await e.command('previewCursor', { plugin: 'a', target: { kind: 'shift', by: -2 } }, 'alice');
    expect(preview).toEqual({ plugin: 'a', before: ids[2], after: ids[0], replayCount: 2 });
    const moved = await e.command('setCursor', { plugin: 'a', target: { kind: 'shift', by: -2 } }, 'carol');
    expect(moved).toEqual(preview);
    expect(audit.at(-1)).toMatchObject({ plugin: 'a', action: 'set to shift by -2', before: ids[2], after: ids[0], replayCount: 2, source: 'carol' });
    expect(cursorOf('a')).toBe(ids[0]);

    // Resumed, the plugin takes the two events again.
    await e.command('resume', { plugin: 'a' }, 'carol');
    expect(audit.at(-1)).toMatchObject({ plugin: 'a', action: 'resumed', source: 'carol' });
    await until(() => s.records('a').length === 5, 'a replayed 2 events');
    expect(s.records('a').map((r) => r.id)).toEqual([...ids, ids[1], ids[2]]);

    await e.command('pauseAll', {}, 'dave');
    expect(audit.at(-1)).toMatchObject({ plugin: '*', action: 'paused all plugins', source: 'dave' });
    expect(e.engineView().paused).toBe(true);

    // Bad input is named: the plugin, with the loaded ones; a daemon's settings are its config file.
    await expect(e.command('pause', { plugin: 'nope' }, 'alice')).rejects.toThrow("no plugin named 'nope' (loaded: a, b)");
    await expect(e.command('importConfig', { path: '/tmp/x.conf' }, 'alice')).rejects.toThrow(
      `importConfig is not available here: this daemon's settings come from ${config.path}`,
    );
    const settings = await e.command('getSettings', {}, 'alice');
    expect(settings).toMatchObject({
      source: 'config',
      editable: false,
      configPath: config.path,
      scriptName: config.shotgun!.name,
      hasScriptKey: true,
    });
    expect(JSON.stringify(settings)).not.toContain(config.shotgun!.key);

    const got = await e.command('getEvent', { id: ids[1]! }, 'alice');
    expect(got.event).toMatchObject({ id: ids[1], event_type: 'Shotgun_Shot_Change' });
  }, 90_000);
});
