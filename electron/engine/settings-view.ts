// A daemon's settings as a UI may see them (contract.ts `SettingsView`): read from its config
// file, never editable from the UI, and never a script key or a password.

import type { SettingsView } from '../contract.js';
import type { EngineConfig } from './config.js';

export function configSettingsView(c: EngineConfig, demo: boolean): SettingsView {
  return {
    source: 'config',
    editable: false,
    configPath: demo ? null : c.path,
    site: c.shotgun?.server ?? null,
    scriptName: c.shotgun?.name ?? null,
    hasScriptKey: Boolean(c.shotgun?.key),
    pluginPaths: c.plugins.paths,
    fetchIntervalS: c.daemon.fetchIntervalMs / 1000,
    maxEventBatchSize: c.daemon.maxEventBatchSize,
    backlogTimeoutS: c.daemon.backlogTimeoutMs / 1000,
    emailTo: c.emails?.to ?? [],
    demo,
  };
}
