// `shotgun-events check`: everything `run` would refuse or trip over, without polling:
// the config, the engine's script against the site, every plugin (loaded in its worker,
// as the daemon would) and every callback's script, and the state file with its cursors
// against the site's newest event. Each problem is named; any problem exits 1.

import { Command } from 'commander';
import { loadConfig, type EngineConfig } from '../engine/config.js';
import { listPlugins, pluginName } from '../engine/discovery.js';
import { proxyUrl } from '../engine/engine.js';
import { describeMatch } from '../engine/match.js';
import { createPluginHost } from '../engine/python/host-factory.js';
import { compileCallbackMatch } from '../engine/python/python-match.js';
import { readStateFile, type StateData } from '../engine/state.js';
import { inertReason, loadWarning } from '../engine/inert-reason.js';
import { Shotgun } from '../shotgun/client.js';
import { configPath, CONFIG_SEARCH_TEXT } from '../demo/prepare.js';

export function checkCommand(): Command {
  return new Command('check')
    .description('validate the config, the site and its scripts, every plugin and the state file, without polling; exit 1 on any problem')
    .option('-c, --config <file>', 'daemon config (or set SHOTGUN_EVENTS_CONFIG)')
    .action(async (o: { config?: string }) => {
      const file = configPath(o.config);
      if (!file) throw new Error(`check needs a config: none given or found (looked at ${CONFIG_SEARCH_TEXT})`);
      const config = loadConfig(file);
      const site = config.shotgun!;
      const out = (s: string) => process.stdout.write(`${s}\n`);
      let problems = 0;
      const problem = (s: string) => {
        out(s);
        problems++;
      };
      out(`config ${config.path}: ok`);
      for (const w of config.warnings) out(`  warning: ${w}`);

      // The engine's own script: what every poll authenticates as. Its read also gives the head.
      let head: number | null = null;
      const auth = await authenticate(config, site.name, site.key);
      if (typeof auth === 'number') {
        head = auth;
        out(`site ${site.server} as script ${site.name}: ok (newest event ${head})`);
      } else {
        problem(`site ${site.server} as script ${site.name}: ERROR ${auth}`);
      }

      const files = listPlugins(config.plugins.paths);
      if (files.length === 0) problem(`no plugins found in ${config.plugins.paths.join(', ') || '(no [plugins] paths)'}`);
      const names = new Set<string>();
      const scripts = new Map<string, { key: string; users: string[] }>();
      for (const f of files) {
        const name = pluginName(f);
        if (names.has(name)) {
          problem(`plugin ${name} (${f}): ERROR another plugin has this name; the daemon would skip it`);
          continue;
        }
        names.add(name);
        let warned: string | null = null;
        const host = createPluginHost({
          file: f,
          name,
          python: config.plugins.python,
          shotgun: { server: site.server },
          callbackTimeoutMs: config.daemon.callbackTimeoutMs || 2_147_483_647,
          // WARNING and up: a plugin that registers nothing usually says why (inert-reason.ts).
          logLevel: 30,
          onLog: (l) => {
            warned = loadWarning(l) ?? warned;
            out(`    ${l.level.toUpperCase()}:${l.logger}: ${l.message}`);
          },
        });
        try {
          const r = await host.load();
          if (!r.ok) {
            problem(`plugin ${name} (${f}): ERROR ${r.error}`);
            continue;
          }
          out(`plugin ${name} (${f}): ${r.callbacks.length} callback(s)`);
          if (r.callbacks.length === 0) out(`    warning: ${inertReason(warned)}`);
          for (const cb of r.callbacks) {
            const filter = describeMatch(compileCallbackMatch(cb));
            out(`  - ${cb.name} as script ${cb.scriptName}; stopOnError=${cb.stopOnError}; timeout ${cb.timeoutMs / 1000} s`);
            out(`    matches: ${filter}`);
            const id = `${cb.scriptName}\0${cb.scriptKey ?? ''}`;
            const s = scripts.get(id) ?? { key: cb.scriptKey ?? '', users: [] };
            s.users.push(`${name}.${cb.name}`);
            scripts.set(id, s);
          }
        } finally {
          await host.close();
        }
      }

      // Every callback's script, once per name and key: a wrong one fails at its first event.
      for (const [id, s] of scripts) {
        const scriptName = id.split('\0')[0]!;
        const r = await authenticate(config, scriptName, s.key);
        if (typeof r === 'number') out(`script ${scriptName} (used by ${s.users.join(', ')}): ok`);
        else problem(`script ${scriptName} (used by ${s.users.join(', ')}): ERROR ${r}`);
      }

      problems += await checkState(config, head, out);
      if (problems) {
        out(`${problems} problem(s) found`);
        process.exitCode = 1;
      } else {
        out('all good');
      }
    });
}

/** The newest event id read as this script, or why it could not be read. */
async function authenticate(config: EngineConfig, scriptName: string, scriptKey: string): Promise<number | string> {
  const s = config.shotgun!;
  const sg = new Shotgun({
    server: s.server,
    credentials: { scriptName, scriptKey },
    apiVersion: s.apiVersion,
    proxy: s.proxyServer ? proxyUrl(s.proxyServer) : undefined,
    timeoutMs: s.timeoutMs,
    // One try: check reports, it does not wait out an outage.
    retry: { attempts: 1 },
  });
  try {
    const rows = await sg.find<{ id: number }>('EventLogEntry', [], ['id'], [{ field_name: 'id', direction: 'desc' }], 1);
    return rows[0]?.id ?? 0;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await sg.close();
  }
}

/** The state file: readable, and no cursor past the site's newest event. Returns the problem count. */
async function checkState(config: EngineConfig, head: number | null, out: (s: string) => void): Promise<number> {
  const file = config.daemon.stateFile;
  let data: StateData | null;
  try {
    data = await readStateFile(file);
  } catch (e) {
    out(`state ${file}: ERROR ${(e as Error).message}`);
    return 1;
  }
  if (!data) {
    out(`state ${file}: none yet (the first start begins at the newest event)`);
    return 0;
  }
  let problems = 0;
  const fix = `fix with: shotgun-events cursor --config ${config.path} --plugin NAME --to-latest (or --to-id N)`;
  const entries = Object.entries(data.plugins);
  if (head === null) {
    out(`state ${file}: ${entries.length} plugin(s); cursors not compared (the site could not be read)`);
    return 0;
  }
  for (const [name, p] of entries) {
    if (p.lastId > head) {
      out(
        `state ${file}: ERROR plugin ${name}: cursor ${p.lastId} is past the site's newest event ${head} (another site, or a restored backup?); ${fix}`,
      );
      problems++;
    }
  }
  if (!problems) out(`state ${file}: ok (${entries.length} plugin(s), cursors at or before the newest event ${head})`);
  return problems;
}
