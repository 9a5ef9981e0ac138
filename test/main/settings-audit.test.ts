// Settings changes in the desktop app are audited like engine actions (electron/main/settings-audit.ts):
// saveSettings and importConfig through the real EngineHost and SettingsService (electron
// mocked, a fake engine) each append one entry with the OS user to `<state file>.audit.jsonl`
// and send it to the UI.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { AuditEntry, Snapshot, Update } from '../../electron/contract.js';
import { parseConfig } from '../../electron/engine/config.js';
import type { EngineLike } from '../../electron/engine/engine.js';
import { EngineHost } from '../../electron/main/host.js';
import { openSettingsStore, SettingsService } from '../../electron/main/settings.js';
import { fakeSafeStorage } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule());

const base = mkdtempSync(path.join(tmpdir(), 'sge-settings-audit-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const engine = (): EngineLike => ({
  start: async () => {},
  stop: async () => {},
  subscribe: () => () => {},
  snapshot: () => ({}) as Snapshot,
  command: async () => undefined as never,
});

const readAudit = (file: string): AuditEntry[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEntry);

describe('desktop settings changes go to the audit log', () => {
  it('saveSettings and importConfig each append an entry with the OS user and reach the UI', async () => {
    const backend = openSettingsStore({ cwd: base });
    const settings = new SettingsService({ backend, secrets: fakeSafeStorage, dataDir: base });
    const updates: Update[] = [];
    const logs: string[] = [];
    const host = new EngineHost({
      settings,
      restartGraceMs: 10,
      events: { update: (u) => updates.push(u), log: (m) => logs.push(m) },
      prepareDemo: async () => ({ config: parseConfig('', { path: path.join(base, 'demo.conf') }), demo: true, cleanup: async () => {} }),
      createEngine: async () => engine(),
    });
    await host.start();

    await host.command('saveSettings', {
      site: 'http://127.0.0.1:9',
      scriptName: 'events_app',
      scriptKey: 'Secret-Key-42',
      pluginPaths: [],
      fetchIntervalS: 2,
      maxEventBatchSize: 100,
      backlogTimeoutS: 60,
      emailTo: [],
    });
    const stateFile = settings.engineConfig()!.daemon.stateFile;
    const auditFile = `${stateFile}.audit.jsonl`;
    expect(existsSync(auditFile)).toBe(true);
    const [saved] = readAudit(auditFile);
    expect(saved).toMatchObject({ plugin: '*', source: userInfo().username, replayCount: null });
    expect(saved!.action).toMatch(/^saved settings: site, scriptName, scriptKey, fetchIntervalS, maxEventBatchSize/);
    expect(readFileSync(auditFile, 'utf8')).not.toContain('Secret-Key-42');
    expect(updates).toContainEqual({ kind: 'audit', entry: saved });

    const conf = path.join(base, 'studio.conf');
    writeFileSync(
      conf,
      ['[shotgun]', 'server = http://127.0.0.1:9', 'name = events_app', 'key = Secret-Key-42', '[daemon]', 'fetch_interval = 7', ''].join('\n'),
    );
    await host.command('importConfig', { path: conf });
    const entries = readAudit(auditFile);
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({ plugin: '*', source: userInfo().username });
    // The file sets fetch_interval and leaves the rest at the config defaults.
    expect(entries[1]!.action.startsWith(`imported settings from ${conf}: fetchIntervalS`)).toBe(true);
    expect(logs.filter((l) => l.startsWith('Audit: '))).toHaveLength(2);
    expect(logs.filter((l) => l.startsWith('ERROR'))).toEqual([]);
    await host.stop(10);
  });
});
