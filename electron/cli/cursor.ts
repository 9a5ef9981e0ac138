// `shotgun-events cursor`: show or move plugin cursors offline. It takes the state lock,
// so it refuses while a daemon runs (a running daemon would overwrite the change).

import { appendFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type { AuditEntry } from '../contract.js';
import { loadConfig, type EngineConfig } from '../engine/config.js';
import { listPlugins, pluginName } from '../engine/discovery.js';
import { proxyUrl } from '../engine/engine.js';
import { newPluginState, StateStore } from '../engine/state.js';
import { importPickleCommand } from './import-pickle.js';
import { Shotgun } from '../shotgun/client.js';
import { configPath } from '../demo/prepare.js';

interface CursorOptions {
  config?: string;
  plugin?: string;
  show?: boolean;
  toLatest?: boolean;
  toId?: number;
  toTime?: string;
  shift?: number;
  importPickle?: string;
}

const integer = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected a whole number, got '${v}'`);
  return n;
};

function site(config: EngineConfig): Shotgun {
  const s = config.shotgun;
  if (!s) throw new Error('this needs the site: the config has no [shotgun] server');
  return new Shotgun({
    server: s.server,
    credentials: { scriptName: s.name, scriptKey: s.key },
    apiVersion: s.apiVersion,
    proxy: s.proxyServer ? proxyUrl(s.proxyServer) : undefined,
  });
}

export function cursorCommand(): Command {
  return new Command('cursor')
    .description('show or move plugin cursors offline (refuses while a daemon holds the state)')
    .option('-c, --config <file>', 'daemon config (or set SHOTGUN_EVENTS_CONFIG)')
    .option('-p, --plugin <name>', 'only this plugin (default: every plugin in the state)')
    .option('--show', 'print cursors, open gaps and flags')
    .option('--to-latest', 'move to the newest event (skip everything pending)')
    .option('--to-id <id>', 'move to this event id (the last one considered processed)', integer)
    .option('--to-time <iso>', 'move so that events created at or after this time run again')
    .option('--shift <n>', 'move by n ids (negative: replay)', integer)
    .option('--import-pickle <file>', "set cursors from the original daemon's eventIdFile (pickle or single id; docs/migrating.md)")
    .action(async (o: CursorOptions) => {
      const file = configPath(o.config);
      if (!file) throw new Error('cursor needs --config FILE (or SHOTGUN_EVENTS_CONFIG)');
      if (o.importPickle !== undefined) return importPickleCommand(file, o.importPickle, o.plugin);
      const moves = [o.toLatest, o.toId !== undefined, o.toTime !== undefined, o.shift !== undefined].filter(Boolean).length;
      if (moves > 1) throw new Error('give one of --to-latest, --to-id, --to-time, --shift');
      if (moves === 0 && !o.show) throw new Error('nothing to do: give --show, --to-latest, --to-id N, --to-time ISO or --shift N');
      if (o.toTime !== undefined && Number.isNaN(Date.parse(o.toTime))) throw new Error(`--to-time: not an ISO 8601 date-time: '${o.toTime}'`);
      const config = loadConfig(file);
      const state = await StateStore.open(config.daemon.stateFile);
      const out = (s: string) => process.stdout.write(`${s}\n`);
      try {
        // An absolute move (--to-id, --to-latest, --to-time) also creates the entries of
        // plugins the state does not have yet (a fresh state: migrations, benchmarks), for
        // the plugins found in [plugins] paths.
        const absolute = moves > 0 && o.shift === undefined;
        const found = absolute ? listPlugins(config.plugins.paths).map((f) => pluginName(f)) : [];
        const names = o.plugin ? [o.plugin] : [...new Set([...Object.keys(state.data.plugins), ...found])].sort();
        const created = new Set(names.filter((n) => !state.plugin(n) && found.includes(n)));
        for (const n of names) {
          if (!state.plugin(n) && !created.has(n)) {
            const where = absolute ? ` or in ${config.plugins.paths.join(', ') || '(no [plugins] paths)'}` : '';
            throw new Error(
              `no plugin '${n}' in ${state.path}${where} (known: ${[...new Set([...Object.keys(state.data.plugins), ...found])].join(', ') || 'none'})`,
            );
          }
        }
        if (moves && names.length === 0)
          throw new Error(`no plugins in ${state.path} or in ${config.plugins.paths.join(', ') || '(no [plugins] paths)'}: nothing to move`);
        if (moves) {
          let target: number | null = null;
          if (o.toLatest || o.toTime !== undefined) {
            const sg = site(config);
            try {
              const rows = await sg.find<{ id: number }>(
                'EventLogEntry',
                o.toTime !== undefined ? [['created_at', 'less_than', new Date(o.toTime).toISOString()]] : [],
                ['id'],
                [{ field_name: 'id', direction: 'desc' }],
                1,
              );
              target = rows[0]?.id ?? 0;
            } finally {
              await sg.close();
            }
          } else if (o.toId !== undefined) {
            if (o.toId < 0) throw new Error('--to-id must be ≥ 0');
            target = o.toId;
          }
          const afterOf = (n: string) => target ?? Math.max(0, state.plugin(n)!.lastId + o.shift!);
          // Past the newest event the daemon has seen, a cursor would silently skip events
          // that do not exist yet. Checked for every plugin before any is moved.
          const newest = state.data.headId;
          for (const n of names) {
            if (!o.toLatest && newest !== undefined && afterOf(n) > newest) {
              throw new Error(`${n}: ${afterOf(n)} is past the newest event seen (${newest}); use --to-latest to skip everything pending`);
            }
          }
          for (const n of names) {
            const isNew = created.has(n);
            const p = isNew ? state.ensurePlugin(n, () => newPluginState(0)) : state.plugin(n)!;
            const before = p.lastId;
            const after = afterOf(n);
            p.lastId = after;
            p.gaps = p.gaps.filter((g) => g.id <= after);
            const entry: AuditEntry = {
              time: Date.now(),
              plugin: n,
              action:
                (isNew ? 'created, ' : '') +
                (o.toLatest
                  ? 'set to latest'
                  : o.toTime !== undefined
                    ? `set to time ${o.toTime}`
                    : o.toId !== undefined
                      ? `set to event id ${o.toId}`
                      : `shift by ${o.shift}`),
              before,
              after,
              replayCount: null,
              source: 'cli',
            };
            appendFileSync(`${state.path}.audit.jsonl`, `${JSON.stringify(entry)}\n`);
            out(isNew ? `${n}: new, starts after ${after}` : `${n}: ${before} -> ${after}`);
          }
          state.markDirty();
        }
        if (o.show) {
          out(`state ${state.path}${state.data.headId !== undefined ? ` (newest event seen ${state.data.headId})` : ''}`);
          for (const n of names) {
            const p = state.plugin(n)!;
            const flags = [p.enabled ? 'enabled' : 'disabled', p.paused ? 'paused' : null].filter(Boolean).join(', ');
            const gaps = p.gaps.length ? `; awaiting ${p.gaps.map((g) => g.id).join(', ')}` : '';
            out(`${n}: cursor ${p.lastId} (${flags}); ${p.failed.length} failed event(s)${gaps}`);
          }
        }
      } finally {
        await state.close();
      }
    });
}
