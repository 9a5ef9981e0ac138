// `shotgun-events check`: validate the config and load every plugin (in its worker, as
// the daemon would) without polling; print each plugin's callbacks and filters.

import { Command } from 'commander';
import { loadConfig } from '../engine/config.js';
import { listPlugins, pluginName } from '../engine/discovery.js';
import { describeMatch } from '../engine/match.js';
import { createPluginHost } from '../engine/python/host-factory.js';
import { compileCallbackMatch } from '../engine/python/python-match.js';
import { configPath } from './run.js';

export function checkCommand(): Command {
  return new Command('check')
    .description('validate the config and load every plugin without polling; exit 1 on any problem')
    .option('-c, --config <file>', 'daemon config (or set SHOTGUN_EVENTS_CONFIG)')
    .action(async (o: { config?: string }) => {
      const file = configPath(o.config);
      if (!file) throw new Error('check needs --config FILE (or SHOTGUN_EVENTS_CONFIG)');
      const config = loadConfig(file);
      const out = (s: string) => process.stdout.write(`${s}\n`);
      let problems = 0;
      out(`config ${config.path}: ok`);
      out(`  site: ${config.shotgun ? `${config.shotgun.server} as script ${config.shotgun.name}` : 'none (run would use the built-in sandbox)'}`);
      out(`  state: ${config.daemon.stateFile}`);
      for (const w of config.warnings) out(`  warning: ${w}`);
      const files = listPlugins(config.plugins.paths);
      if (files.length === 0) {
        out(`no plugins found in ${config.plugins.paths.join(', ') || '(no [plugins] paths)'}`);
        problems++;
      }
      const names = new Set<string>();
      for (const f of files) {
        const name = pluginName(f);
        if (names.has(name)) {
          out(`plugin ${name} (${f}): ERROR another plugin has this name; the daemon would skip it`);
          problems++;
          continue;
        }
        names.add(name);
        const host = createPluginHost({
          file: f,
          name,
          python: config.plugins.python,
          shotgun: { server: config.shotgun?.server ?? 'http://127.0.0.1:0' },
          callbackTimeoutMs: config.daemon.callbackTimeoutMs || 2_147_483_647,
          logLevel: 40,
          onLog: (l) => out(`    ${l.level.toUpperCase()}:${l.logger}: ${l.message}`),
        });
        try {
          const r = await host.load();
          if (!r.ok) {
            out(`plugin ${name} (${f}): ERROR ${r.error}`);
            problems++;
            continue;
          }
          out(`plugin ${name} (${f}): ${r.callbacks.length} callback(s)`);
          if (r.callbacks.length === 0) out('    warning: registerCallbacks registered no callback');
          for (const cb of r.callbacks) {
            const filter = describeMatch(compileCallbackMatch(cb));
            out(`  - ${cb.name} as script ${cb.scriptName}; stopOnError=${cb.stopOnError}; timeout ${cb.timeoutMs / 1000} s`);
            out(`    matches: ${filter}`);
          }
        } finally {
          await host.close();
        }
      }
      if (problems) {
        out(`${problems} problem(s) found`);
        process.exitCode = 1;
      } else {
        out('all good');
      }
    });
}
