import { useMemo, useState } from 'react';
import { dateTime } from '../format.js';
import { useStore } from '../store.js';
import { replayText } from './RewindWizard.js';
import { PluginOptions } from './common.js';

/** Every user action (cursor moves, skips, pause, resume, enable, disable, retry, reload), newest first, with who did it. */
export function AuditView() {
  const audit = useStore((s) => s.audit);
  const pluginNames = useStore((s) => s.pluginNames);
  const [plugin, setPlugin] = useState('');
  const rows = useMemo(() => audit.filter((a) => !plugin || a.plugin === plugin).reverse(), [audit, plugin]);
  return (
    <div className="audit-view">
      <div className="toolbar">
        <label>
          Audit plugin
          <select value={plugin} onChange={(e) => setPlugin(e.target.value)}>
            <option value="">All plugins</option>
            <PluginOptions names={pluginNames} />
          </select>
        </label>
        <span className="muted count">{rows.length} actions</span>
      </div>
      {rows.length === 0 ? (
        <p className="empty">
          No actions yet. Every pause, resume, enable, disable, retry, skip, reload and cursor move is recorded here, with who did it.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="audit" aria-label="Audit log">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Plugin</th>
                <th scope="col">Action</th>
                <th scope="col">Cursor</th>
                <th scope="col">Effect</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a, i) => (
                <tr key={`${a.time}-${a.plugin}-${i}`} data-plugin={a.plugin}>
                  <td>{dateTime(a.time)}</td>
                  <td>{a.plugin === '*' ? 'all plugins' : a.plugin}</td>
                  <td>{a.action}</td>
                  <td className="num">
                    {a.before === a.after ? <span className="muted">{a.plugin === '*' ? '–' : `at ${a.after}`}</span> : `${a.before} → ${a.after}`}
                  </td>
                  <td>{a.replayCount === null ? '–' : replayText(a.replayCount)}</td>
                  <td>{a.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
