// The desktop app's settings are saved by the host (electron/main/host.ts), not by the
// engine, so the host audits them itself: one entry per saveSettings/importConfig, with the
// OS user, appended to the same audit log as the engine's actions (`<state file>.audit.jsonl`,
// docs/engine.md) and sent to the UI as an `audit` update.

import { appendFile } from 'node:fs/promises';
import type { AuditEntry, SettingsView, Update } from '../contract.js';

const FIELDS: Array<keyof SettingsView> = [
  'site',
  'scriptName',
  'hasScriptKey',
  'pluginPaths',
  'fetchIntervalS',
  'maxEventBatchSize',
  'backlogTimeoutS',
  'emailTo',
];

/** What the change did, in words: the fields that differ (never a key's value). */
export function describeSettingsChange(before: SettingsView, after: SettingsView, importedFrom?: string): string {
  const changed = FIELDS.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f])).map((f) => (f === 'hasScriptKey' ? 'scriptKey' : f));
  const what = changed.length > 0 ? `: ${changed.join(', ')}` : ' (no field changed)';
  return importedFrom ? `imported settings from ${importedFrom}${what}` : `saved settings${what}`;
}

export interface SettingsAuditSink {
  /** The engine's state file (the audit log sits beside it); null when none is known. */
  stateFile: string | null;
  update?: (u: Update) => void;
  log?: (message: string) => void;
}

/** Appends the entry to the audit log and tells the UI; a write failure is logged as an error, never dropped silently. */
export async function auditSettingsChange(action: string, source: string, sink: SettingsAuditSink): Promise<AuditEntry> {
  const entry: AuditEntry = { time: Date.now(), plugin: '*', action, before: 0, after: 0, replayCount: null, source };
  sink.update?.({ kind: 'audit', entry });
  sink.log?.(`Audit: all plugins ${action} by ${source}`);
  if (!sink.stateFile) {
    sink.log?.(`ERROR: Cannot write the audit log: no engine state file is known (the engine did not start), entry: ${JSON.stringify(entry)}`);
    return entry;
  }
  const file = `${sink.stateFile}.audit.jsonl`;
  try {
    await appendFile(file, `${JSON.stringify(entry)}\n`);
  } catch (e) {
    sink.log?.(`ERROR: Cannot write the audit log ${file}: ${(e as Error).message}`);
  }
  return entry;
}
