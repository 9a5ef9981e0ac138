// `shotgun-events cursor --import-pickle FILE`: set every plugin's cursor (and awaited
// backlog ids) from the original daemon's eventIdFile, offline, under the state lock.

import { appendFileSync, existsSync } from 'node:fs';
import type { AuditEntry } from '../contract.js';
import { loadConfig } from '../engine/config.js';
import { listPlugins, pluginName } from '../engine/discovery.js';
import { importOriginalCursors, readOriginalState } from '../engine/pickle-import.js';
import { StateStore } from '../engine/state.js';

export async function importPickleCommand(configFile: string, pickleFile: string, only?: string): Promise<void> {
  if (!existsSync(pickleFile)) throw new Error(`--import-pickle: no such file '${pickleFile}'`);
  const config = loadConfig(configFile);
  const original = readOriginalState(pickleFile);
  let files = listPlugins(config.plugins.paths);
  if (only) {
    files = files.filter((f) => pluginName(f) === only);
    if (files.length === 0) throw new Error(`no plugin '${only}' in ${config.plugins.paths.join(', ') || '(no [plugins] paths)'}`);
  }
  const state = await StateStore.open(config.daemon.stateFile);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  try {
    const before = new Map(files.map((f) => [pluginName(f), state.plugin(pluginName(f))?.lastId ?? null]));
    const done = importOriginalCursors(state, original, files, out, { overwrite: true });
    for (const d of done) {
      const entry: AuditEntry = {
        time: Date.now(),
        plugin: d.name,
        action: `import pickle ${pickleFile}`,
        before: before.get(d.name) ?? 0,
        after: d.lastId,
        replayCount: null,
        source: 'cli',
      };
      appendFileSync(`${state.path}.audit.jsonl`, `${JSON.stringify(entry)}\n`);
    }
    const missing = files.map(pluginName).filter((n) => !done.some((d) => d.name === n));
    for (const n of missing) out(`${n}: not in ${pickleFile}; left as it was`);
    if (done.length === 0) throw new Error(`${pickleFile} has no cursor for any plugin in ${config.plugins.paths.join(', ')}`);
    out(`imported ${done.length} cursor(s) into ${state.path}`);
  } finally {
    await state.close();
  }
}
