// `shotgun-events explain --config FILE --event ID|FILE.json`: which plugins and callbacks
// would get this event, and why or why not (Matcher.explain words each filter's verdict).
// Loads every plugin in its worker, as `check` does; runs nothing and never polls.

import { Command } from 'commander';
import { loadConfig } from '../engine/config.js';
import { listPlugins, pluginName } from '../engine/discovery.js';
import { describeMatch } from '../engine/match.js';
import { compileCallbackMatch } from '../engine/python/python-match.js';
import type { CallbackInfo } from '../engine/plugin-host.js';
import { describeEvent, formatLog, loadEvent, loopProtection, makeHost } from './plugin-tools.js';
import { configPath } from '../demo/prepare.js';

interface Loaded {
  name: string;
  file: string;
  callbacks: CallbackInfo[] | null;
  error?: string;
}

export function explainCommand(): Command {
  return new Command('explain')
    .description('say which plugins and callbacks would get an event, and why or why not (loads the plugins, runs nothing)')
    .option('-c, --config <file>', 'daemon config (or set SHOTGUN_EVENTS_CONFIG)')
    .requiredOption('-e, --event <id|file.json>', 'an event id on the configured site, or a JSON file of an EventLogEntry')
    .action(async (o: { config?: string; event: string }) => {
      const file = configPath(o.config);
      if (!file) throw new Error('explain needs --config FILE (or SHOTGUN_EVENTS_CONFIG)');
      const config = loadConfig(file);
      // The verdict comes first (one line a TD reads without scrolling); the details follow.
      const body: string[] = [];
      const out = (s: string) => void body.push(s);
      const event = await loadEvent(config, o.event);
      out(describeEvent(event));

      let problems = 0;
      const plugins: Loaded[] = [];
      const names = new Set<string>();
      const files = listPlugins(config.plugins.paths);
      if (files.length === 0) {
        out(`no plugins found in ${config.plugins.paths.join(', ') || '(no [plugins] paths)'}`);
        problems++;
      }
      for (const f of files) {
        const name = pluginName(f);
        if (names.has(name)) {
          plugins.push({ name, file: f, callbacks: null, error: 'another plugin has this name; the daemon would skip it' });
          problems++;
          continue;
        }
        names.add(name);
        const host = makeHost(config, f, name, (l) => out(`    ${formatLog(l)}`), 40);
        try {
          const r = await host.load();
          if (r.ok) plugins.push({ name, file: f, callbacks: r.callbacks });
          else {
            plugins.push({ name, file: f, callbacks: null, error: r.error });
            problems++;
          }
        } finally {
          await host.close();
        }
      }

      // Loop protection: the engine's script plus every callback's script (as the daemon counts them).
      const own = new Set<string>(config.shotgun ? [config.shotgun.name] : []);
      for (const p of plugins) for (const cb of p.callbacks ?? []) own.add(cb.scriptName);
      const dropped = loopProtection(config, event, own);
      if (dropped) out(`loop protection: ${dropped}`);
      else if (event.user?.type === 'ApiUser' && own.has(String(event.user.name))) {
        out(`loop protection: made by the daemon's own script ${String(event.user.name)}, but [daemon] ignore_own_events is off: delivered`);
      }

      let receivers = 0;
      for (const p of plugins) {
        if (!p.callbacks) {
          out(`plugin ${p.name} (${p.file}): LOAD ERROR ${p.error}`);
          continue;
        }
        const verdicts = p.callbacks.map((cb) => ({ cb, v: compileCallbackMatch(cb).explain(event) }));
        const gets = !dropped && verdicts.some((x) => x.v.matched);
        if (gets) receivers++;
        out(`plugin ${p.name}: ${gets ? 'WOULD GET the event' : 'would not get the event'}`);
        if (p.callbacks.length === 0) out('  (registers no callback)');
        for (const { cb, v } of verdicts) {
          const yes = v.matched && !dropped;
          out(
            `  - ${cb.name} (script ${cb.scriptName}): ${yes ? 'yes' : 'no'} — ${v.reason}${v.matched && dropped ? ' (but loop protection drops it)' : ''}`,
          );
          out(`      matchEvents: ${describeMatch(compileCallbackMatch(cb))}`);
        }
      }
      const summary = `${receivers} plugin(s) of ${plugins.length} would get event ${event.id}${problems ? `; ${problems} problem(s) loading plugins` : ''}`;
      process.stdout.write(`${summary}\n${body.join('\n')}\n`);
      if (problems) process.exitCode = 1;
    });
}
