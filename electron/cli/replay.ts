// `shotgun-events replay --config FILE --plugin NAME --event ID`: run one event through one
// plugin now (in its worker, as the daemon would), print its log lines and each callback's
// outcome. It never reads or writes the state, so it works while a daemon runs.
// Exit 0 when every callback run succeeded, 1 when one failed (or nothing could run).

import { Command } from 'commander';
import { loadConfig } from '../engine/config.js';
import { listPlugins, pluginName } from '../engine/discovery.js';
import { compileCallbackMatch } from '../engine/python/python-match.js';
import { describeEvent, formatLog, loadEvent, loopProtection, makeHost } from './plugin-tools.js';
import { configPath } from '../demo/prepare.js';

export function replayCommand(): Command {
  return new Command('replay')
    .description('run one event through one plugin now and print its log lines; cursors and state are not touched')
    .option('-c, --config <file>', 'daemon config (or set SHOTGUN_EVENTS_CONFIG)')
    .requiredOption('-p, --plugin <name>', 'the plugin (its file name without extension)')
    .requiredOption('-e, --event <id|file.json>', 'an event id on the configured site, or a JSON file of an EventLogEntry')
    .option('-f, --force', 'run every callback, even those whose matchEvents do not accept the event')
    .option('--late', 'deliver it as a late event (ctx.late = true)')
    .action(async (o: { config?: string; plugin: string; event: string; force?: boolean; late?: boolean }) => {
      const file = configPath(o.config);
      if (!file) throw new Error('replay needs --config FILE (or SHOTGUN_EVENTS_CONFIG)');
      const config = loadConfig(file);
      const out = (s: string) => process.stdout.write(`${s}\n`);
      const files = listPlugins(config.plugins.paths);
      const pluginFile = files.find((f) => pluginName(f) === o.plugin);
      if (!pluginFile) {
        throw new Error(
          `no plugin '${o.plugin}' in ${config.plugins.paths.join(', ') || '(no [plugins] paths)'} (found: ${files.map(pluginName).join(', ') || 'none'})`,
        );
      }
      const event = await loadEvent(config, o.event);
      out(describeEvent(event));
      const host = makeHost(config, pluginFile, o.plugin, (l) => out(`  ${formatLog(l)}`));
      try {
        const loaded = await host.load();
        if (!loaded.ok) throw new Error(`plugin ${o.plugin} failed to load: ${loaded.error}`);
        const own = new Set<string>(config.shotgun ? [config.shotgun.name] : []);
        for (const cb of loaded.callbacks) own.add(cb.scriptName);
        const dropped = loopProtection(config, event, own);
        if (dropped) out(`note: the daemon would not deliver it (${dropped}); replaying anyway`);
        const indexes: number[] = [];
        for (const cb of loaded.callbacks) {
          const v = compileCallbackMatch(cb).explain(event);
          if (v.matched || o.force) indexes.push(cb.index);
          out(`callback ${cb.name}: ${v.matched ? 'matches' : o.force ? 'does not match, run anyway (--force)' : 'skipped'} — ${v.reason}`);
        }
        if (indexes.length === 0) {
          out(`no callback of ${o.plugin} accepts event ${event.id}; nothing ran (use --force to run them anyway)`);
          return;
        }
        const [result] = await host.runBatch([{ event, callbackIndexes: indexes, late: o.late === true }]);
        let failed = 0;
        for (const oc of result?.outcomes ?? []) {
          if (oc.ok) out(`${oc.name}: ok (${oc.durationMs.toFixed(0)} ms)`);
          else {
            failed++;
            out(
              `${oc.name}: FAILED (${oc.durationMs.toFixed(0)} ms): ${oc.error?.name ? `${oc.error.name}: ` : ''}${oc.error?.message ?? 'unknown error'}`,
            );
            if (oc.error?.stack)
              out(
                oc.error.stack
                  .split('\n')
                  .map((l) => `    ${l}`)
                  .join('\n'),
              );
          }
        }
        const ran = new Set((result?.outcomes ?? []).map((x) => x.index));
        const notRun = indexes.filter((i) => !ran.has(i)).map((i) => loaded.callbacks[i]!.name);
        if (result?.crashed) {
          failed++;
          out(`the plugin worker stopped: ${result.crashed}`);
        }
        if (notRun.length) out(`not run (an earlier stopOnError callback failed): ${notRun.join(', ')}`);
        out(failed ? `${failed} failure(s)` : 'done: every callback succeeded');
        if (failed) process.exitCode = 1;
      } finally {
        await host.close();
      }
    });
}
