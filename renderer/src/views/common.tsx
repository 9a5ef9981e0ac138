// Small pieces shared by several views.

import type { Outcome } from '../../../electron/contract.js';
import { ms } from '../format.js';

// Held is drawn in CSS (.icon-held): the pause glyph ⏸ is missing from common fonts and
// showed as an empty box.
const STATUS_ICON: Record<Outcome['status'], string | null> = { ok: '✓', failed: '✗', held: null, skipped: '↷' };

function outcomeTitle(plugin: string, o: Outcome): string {
  return `${plugin}: ${o.status}${o.durationMs !== undefined ? ` in ${ms(o.durationMs)}` : ''}${o.attempt && o.attempt > 1 ? ` (attempt ${o.attempt})` : ''}${o.late ? ', late' : ''}${o.error ? `\n${o.error}` : ''}`;
}

export function OutcomeChip({ plugin, outcome }: { plugin: string; outcome: Outcome }) {
  return (
    <span className={`chip chip-${outcome.status}`} title={outcomeTitle(plugin, outcome)} data-plugin={plugin} data-status={outcome.status}>
      {STATUS_ICON[outcome.status] === null ? (
        <span className="icon-held" aria-hidden="true" />
      ) : (
        <span aria-hidden="true">{STATUS_ICON[outcome.status]}</span>
      )}{' '}
      {plugin}
      <span className="sr-only"> {outcome.status}</span>
    </span>
  );
}

/** One <option> per plugin name, for the plugin pickers of several views. */
export function PluginOptions({ names }: { names: readonly string[] }) {
  return (
    <>
      {names.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </>
  );
}
