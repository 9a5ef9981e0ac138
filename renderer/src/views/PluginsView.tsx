// The Plugins view: a dense table (sortable, searchable, filtered by state, failing plugins
// first, a sparkline per plugin), bulk Retry/Skip for held plugins, and the selected
// plugin's card as the detail (`#plugins/NAME`).

import { memo, useMemo, useState } from 'react';
import type { PluginView } from '../../../electron/contract.js';
import { invoke } from '../api.js';
import { count, ms, plural } from '../format.js';
import { selectPlugin, setPluginTable, toast, useStore, type PluginSortKey, type PluginStateFilter } from '../store.js';
import { needsAttention, shownState, tableRows } from '../triage.js';
import { Sparkline } from './charts.js';
import { LagAge, PluginCard, STATE_LABEL, STATE_TONE } from './PluginCard.js';
import { RewindWizard } from './RewindWizard.js';

const STATE_FILTERS: Array<[PluginStateFilter, string]> = [
  ['', 'All states'],
  ['attention', 'Needs attention'],
  ['holding', 'Holding on error'],
  ['load_error', 'Load error'],
  ['running', 'Running'],
  ['paused', 'Paused'],
  ['disabled', 'Disabled'],
  ['inert', 'Inert'],
];

const COLUMNS: Array<[PluginSortKey, string]> = [
  ['name', 'Name'],
  ['state', 'State'],
  ['lag', 'Lag'],
  ['processed', 'Processed'],
  ['failed', 'Failed'],
  ['p50', 'p50'],
  ['p95', 'p95'],
];

export function PluginsView() {
  const plugins = useStore((s) => s.plugins);
  const table = useStore((s) => s.pluginTable);
  const selected = useStore((s) => s.selectedPlugin);
  const [rewinding, setRewinding] = useState<string | null>(null);
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const all = useMemo(() => Object.values(plugins), [plugins]);
  const rows = useMemo(() => tableRows(all, table), [all, table]);
  const held = rows.filter((p) => p.held);
  const picked = held.filter((p) => checked.has(p.name));

  const toggle = (name: string) =>
    setChecked((c) => {
      const n = new Set(c);
      if (n.has(name)) n.delete(name);
      else n.add(name);
      return n;
    });

  const bulk = async (name: 'retryHeld' | 'skipHeld') => {
    const results = await Promise.allSettled(picked.map((p) => invoke(name, { plugin: p.name })));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${picked[i]!.name}: ${(r.reason as Error).message}`] : []));
    const verb = name === 'retryHeld' ? 'Retrying' : 'Skipped';
    if (failed.length) toast(`${verb} ${picked.length - failed.length} of ${picked.length}; failed: ${failed.join('; ')}`, 'error');
    else toast(`${verb} the held event of ${plural(picked.length, 'plugin')}`);
    setChecked(new Set());
  };

  return (
    <div className={`plugins-view${selected ? ' with-detail' : ''}`}>
      <div className="toolbar" role="search" aria-label="Plugin filters">
        <label>
          Search plugins
          <input type="search" placeholder="name or file" value={table.query} onChange={(e) => setPluginTable({ query: e.target.value })} />
        </label>
        <label>
          Plugin state
          <select value={table.state} onChange={(e) => setPluginTable({ state: e.target.value as PluginStateFilter })}>
            {STATE_FILTERS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <span className="muted count" aria-label="Plugins shown">
          {rows.length === all.length ? plural(all.length, 'plugin') : `${rows.length} of ${all.length} plugins`}
        </span>
        <span className="spacer" />
        <button disabled={picked.length === 0} onClick={() => void bulk('retryHeld')} title="Retry the held event of each checked plugin now">
          Retry selected{picked.length ? ` (${picked.length})` : ''}
        </button>
        <button
          disabled={picked.length === 0}
          onClick={() => void bulk('skipHeld')}
          title="Skip the held event of each checked plugin: it goes to that plugin's failed list"
        >
          Skip selected{picked.length ? ` (${picked.length})` : ''}
        </button>
      </div>
      {all.length === 0 ? (
        <p className="empty">No plugins loaded. Check the plugin paths in the settings.</p>
      ) : (
        <div className="table-wrap plugin-table-wrap">
          <table className="plugin-table" aria-label="Plugins">
            <thead>
              <tr>
                <th scope="col" className="c-check">
                  <input
                    type="checkbox"
                    aria-label="Select every held plugin"
                    checked={held.length > 0 && picked.length === held.length}
                    disabled={held.length === 0}
                    onChange={(e) => setChecked(new Set(e.target.checked ? held.map((p) => p.name) : []))}
                  />
                </th>
                {COLUMNS.map(([key, label]) => (
                  <th key={key} scope="col" aria-sort={table.sort === key ? (table.desc ? 'descending' : 'ascending') : undefined}>
                    <button
                      className="sort"
                      onClick={() =>
                        setPluginTable(table.sort === key ? { desc: !table.desc } : { sort: key, desc: key !== 'name' && key !== 'state' })
                      }
                    >
                      {label}
                      {table.sort === key ? (table.desc ? ' ↓' : ' ↑') : ''}
                    </button>
                  </th>
                ))}
                <th scope="col">Last hour</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 ? (
                <tr>
                  <td colSpan={COLUMNS.length + 2} className="empty">
                    No plugin matches.
                  </td>
                </tr>
              ) : (
                rows.map((p) => <PluginRow key={p.name} p={p} selected={p.name === selected} checked={checked.has(p.name)} onCheck={toggle} />)
              )}
            </tbody>
          </table>
        </div>
      )}
      {selected && plugins[selected] && (
        <div className="plugin-detail">
          <PluginCard key={selected} name={selected} onRewind={setRewinding} />
        </div>
      )}
      {rewinding && <RewindWizard plugin={rewinding} onClose={() => setRewinding(null)} />}
    </div>
  );
}

const PluginRow = memo(function PluginRow(props: { p: PluginView; selected: boolean; checked: boolean; onCheck: (name: string) => void }) {
  const { p, selected, checked, onCheck } = props;
  const shown = shownState(p);
  return (
    <tr
      className={`${selected ? 'selected' : ''}${needsAttention(p) ? ' attention' : ''}`}
      data-plugin={p.name}
      data-state={p.state}
      aria-selected={selected}
    >
      <td className="c-check">
        {p.held && <input type="checkbox" aria-label={`Select held plugin ${p.name}`} checked={checked} onChange={() => onCheck(p.name)} />}
      </td>
      <td>
        <button className="link" aria-label={`Show plugin ${p.name}`} onClick={() => selectPlugin(selected ? null : p.name)}>
          {p.name}
        </button>
      </td>
      <td>
        <span className={`pill pill-${STATE_TONE[shown]}`} title={p.inert ?? p.error ?? undefined} data-testid="row-state">
          <span className="dot" aria-hidden="true" />
          {STATE_LABEL[shown]}
        </span>
      </td>
      <td className="num" data-testid="row-lag" title="Head event id minus cursor; age of the oldest event not processed yet">
        {count(p.lagEvents)}
        <LagAge p={p} />
      </td>
      <td className="num">{count(p.processed)}</td>
      <td className={`num${p.failed ? ' error-text' : ''}`}>{count(p.failed)}</td>
      <td className="num">{ms(p.p50Ms)}</td>
      <td className="num">{ms(p.p95Ms)}</td>
      <td>
        <Sparkline plugin={p.name} />
      </td>
    </tr>
  );
});
