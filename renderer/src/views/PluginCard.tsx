// One plugin in detail (the Plugins view's table row opened): its numbers, its hold with
// Retry/Skip, its controls (what Pause and Disable each do is said on the card), its
// failed list with "Retry all", its callbacks.

import { memo, useState } from 'react';
import type { FailedEvent, PluginView } from '../../../electron/contract.js';
import { run } from '../api.js';
import { clock, dateTime, ms, plural, seconds } from '../format.js';
import { selectPlugin, showEvent, toast, useStore } from '../store.js';
import { lagStalled, shownState, type ShownState } from '../triage.js';

export const STATE_LABEL: Record<ShownState, string> = {
  loading: 'Loading',
  running: 'Running',
  paused: 'Paused',
  disabled: 'Disabled',
  holding: 'Holding on error',
  load_error: 'Load error',
  unloaded: 'Unloaded',
  inert: 'Inert',
};

export const STATE_TONE: Record<ShownState, string> = {
  loading: 'warn',
  running: 'ok',
  paused: 'warn',
  disabled: 'muted',
  holding: 'bad',
  load_error: 'bad',
  unloaded: 'muted',
  inert: 'muted',
};

/** What each control does, said where the TD decides. */
export const PAUSE_HINT =
  'Pause: stop taking events for now. The cursor stays put and new events wait; on Resume it catches up on everything it missed.';
export const DISABLE_HINT =
  'Disable: switch the plugin off. It takes no events and drops its hold and retries; on Enable it catches up from its cursor.';

/** Runs a command while marking the control busy (no double clicks). */
/** After a lag in events: how far behind in time, and "stalled" (with why) when it is not consuming. */
export function LagAge({ p }: { p: PluginView }) {
  if (p.lagEvents <= 0) return null;
  const stalled = lagStalled(p);
  return (
    <>
      <span className="muted"> · {seconds(p.lagSeconds)}</span>
      {stalled && (
        <span className="lag-stalled" data-testid="lag-stalled" title={stalled}>
          {' '}
          · stalled
        </span>
      )}
    </>
  );
}

export function useBusy(): [string | null, (key: string, fn: () => Promise<unknown>) => void] {
  const [busy, setBusy] = useState<string | null>(null);
  const go = (key: string, fn: () => Promise<unknown>) => {
    setBusy(key);
    void fn().finally(() => setBusy((b) => (b === key ? null : b)));
  };
  return [busy, go];
}

export const PluginCard = memo(function PluginCard({ name, onRewind }: { name: string; onRewind: (name: string) => void }) {
  const p = useStore((s) => s.plugins[name]);
  const [busy, go] = useBusy();
  // The lag of the previous render, for the trend arrow (React's "state from previous renders" pattern).
  const [lag, setLag] = useState<{ value: number; trend: number }>({ value: p?.lagEvents ?? 0, trend: 0 });
  if (p && p.lagEvents !== lag.value) setLag({ value: p.lagEvents, trend: Math.sign(p.lagEvents - lag.value) });
  if (!p) return null;
  const trend = p.lagEvents === 0 ? '' : lag.trend > 0 ? ' ▲' : lag.trend < 0 ? ' ▼' : '';
  const headingId = `plugin-${name.replace(/[^\w-]/g, '_')}`;
  const loaded = p.state !== 'load_error' && p.state !== 'loading' && p.state !== 'unloaded';
  const shown = shownState(p);

  return (
    <section className={`card plugin state-${shown}`} aria-labelledby={headingId} data-plugin={name} data-state={p.state}>
      <div className="card-head">
        <h2 id={headingId} aria-label={`Plugin ${name}`}>
          {name}
        </h2>
        <span
          className={`pill pill-${STATE_TONE[shown]}`}
          data-testid="plugin-state"
          aria-label={`State: ${STATE_LABEL[shown]}`}
          title={p.inert ?? undefined}
        >
          <span className="dot" aria-hidden="true" />
          {STATE_LABEL[shown]}
        </span>
        <button className="icon" aria-label="Close plugin details" onClick={() => selectPlugin(null)}>
          ×
        </button>
      </div>
      <p className="muted file" title={p.file}>
        {p.file}
      </p>
      {p.inert && (
        <p className="notice" data-testid="plugin-inert">
          Inert: {p.inert}. It loads, but no event will ever reach it.
        </p>
      )}

      <dl className="stats">
        <div>
          <dt>Cursor</dt>
          <dd data-testid="plugin-cursor">{p.cursor}</dd>
        </div>
        <div>
          <dt>Lag</dt>
          <dd data-testid="plugin-lag" title="Head event id minus cursor, and how far behind in time">
            {plural(p.lagEvents, 'event')}
            {trend}
            <LagAge p={p} />
          </dd>
        </div>
        <div>
          <dt>Processed</dt>
          <dd data-testid="plugin-processed">{p.processed}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd data-testid="plugin-failed" className={p.failed ? 'error-text' : undefined}>
            {p.failed}
          </dd>
        </div>
        <div>
          <dt>p50 / p95</dt>
          <dd>
            {ms(p.p50Ms)} / {ms(p.p95Ms)}
          </dd>
        </div>
      </dl>
      {p.gaps.length > 0 && (
        <p className="muted" title="Event ids this plugin walked past that ShotGrid may still commit">
          Awaiting {plural(p.gaps.length, 'gap')}: {p.gaps.slice(0, 8).join(', ')}
          {p.gaps.length > 8 ? '…' : ''}
        </p>
      )}

      {p.error && p.error !== p.held?.error && (
        <div className="error-box" data-testid="plugin-error">
          <strong>{p.state === 'load_error' ? 'Load error' : 'Last error'}</strong>
          <pre>{p.error}</pre>
        </div>
      )}

      {p.held && (
        <div className="held-box" role="group" aria-label={`Held event of plugin ${name}`}>
          <p>
            <strong>Holding on event #{p.held.eventId}</strong> ({p.held.callback}, attempt {p.held.attempt}).{' '}
            {p.held.nextRetryAt ? `Next automatic retry at ${clock(p.held.nextRetryAt)}.` : 'Automatic retries used up: waiting for you.'}
          </p>
          <pre className="error-text">{p.held.error}</pre>
          <div className="actions">
            <button
              aria-label={`Retry held event for plugin ${name}`}
              disabled={busy !== null}
              onClick={() => go('retryHeld', () => run('retryHeld', { plugin: name }, `Retrying event ${p.held?.eventId} for ${name}`))}
            >
              Retry now
            </button>
            <button
              aria-label={`Skip held event for plugin ${name}`}
              disabled={busy !== null}
              onClick={() => go('skipHeld', () => run('skipHeld', { plugin: name }, `Skipped event ${p.held?.eventId} for ${name}`))}
            >
              Skip event
            </button>
            <button className="link" aria-label={`Show held event ${p.held.eventId}`} onClick={() => showEvent(p.held!.eventId)}>
              Show event
            </button>
          </div>
        </div>
      )}

      <div className="actions">
        {p.paused ? (
          <button
            className="primary"
            aria-label={`Resume plugin ${name}`}
            disabled={busy !== null || !loaded}
            onClick={() => go('resume', () => run('resume', { plugin: name }))}
          >
            Resume
          </button>
        ) : (
          <button
            aria-label={`Pause plugin ${name}`}
            disabled={busy !== null || !loaded}
            onClick={() => go('pause', () => run('pause', { plugin: name }))}
          >
            Pause
          </button>
        )}
        <button
          aria-label={`${p.enabled ? 'Disable' : 'Enable'} plugin ${name}`}
          disabled={busy !== null || !loaded}
          onClick={() => go('enable', () => run('setEnabled', { plugin: name, enabled: !p.enabled }))}
        >
          {p.enabled ? 'Disable' : 'Enable'}
        </button>
        <button
          aria-label={`Move cursor of plugin ${name}`}
          disabled={!loaded}
          onClick={() => onRewind(name)}
          title="Move this plugin's cursor (pause it first)"
        >
          Move cursor…
        </button>
        <button
          aria-label={`Reload plugin ${name}`}
          disabled={busy !== null}
          onClick={() => go('reload', () => run('reload', { plugin: name }, `Reloaded ${name}`))}
        >
          Reload
        </button>
      </div>
      <ul className="hints muted">
        <li>{PAUSE_HINT}</li>
        <li>{DISABLE_HINT}</li>
      </ul>

      {p.failedEvents.length > 0 && <FailedEvents plugin={name} failed={p.failedEvents} />}

      {p.callbacks.length > 0 && (
        <details className="callbacks">
          <summary>{plural(p.callbacks.length, 'callback')}</summary>
          <ul>
            {p.callbacks.map((c) => (
              <li key={c.name}>
                <code>{c.name}</code> <span className="muted">{c.filter}</span>
                {c.stopOnError ? '' : <span className="muted"> · continues on error</span>}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
});

const FAILED_SHOWN = 20;

function FailedEvents({ plugin, failed }: { plugin: string; failed: FailedEvent[] }) {
  const [busy, go] = useBusy();
  const shown = failed.slice(-FAILED_SHOWN).reverse();
  const retryAll = async () => {
    // One at a time: each retry runs the callbacks now, in the plugin's worker.
    let ok = 0;
    const ids = [...new Set(failed.map((f) => f.eventId))];
    for (const id of ids) {
      const o = await run('retryFailed', { plugin, eventId: id });
      if (o?.status === 'ok') ok++;
    }
    toast(
      `Retried ${plural(ids.length, 'failed event')} of ${plugin}: ${ok} succeeded, ${ids.length - ok} still failing.`,
      ok === ids.length ? 'info' : 'error',
    );
  };
  return (
    <div className="failed-list" role="group" aria-label={`Failed events of plugin ${plugin}`}>
      <div className="section-head">
        <h3>
          Failed events <span className="muted">({failed.length})</span>
        </h3>
        <button
          className="small"
          aria-label={`Retry all failed events of plugin ${plugin}`}
          disabled={busy !== null}
          onClick={() => go('all', retryAll)}
        >
          {busy === 'all' ? 'Retrying…' : 'Retry all'}
        </button>
      </div>
      <ul>
        {shown.map((f) => (
          <li key={`${f.eventId}:${f.callback}`} data-event-id={f.eventId}>
            <div className="failed-head">
              <button className="link" aria-label={`Show failed event ${f.eventId}`} onClick={() => showEvent(f.eventId)}>
                #{f.eventId}
              </button>
              <span className="muted">
                {f.callback} · {plural(f.attempts, 'attempt')} · {dateTime(f.at)}
              </span>
              <span className="spacer" />
              <button
                className="small"
                aria-label={`Retry event ${f.eventId} for plugin ${plugin}`}
                disabled={busy !== null}
                onClick={() =>
                  go(`r${f.eventId}`, () =>
                    run('retryFailed', { plugin, eventId: f.eventId }, (o) => `Retried event ${f.eventId} for ${plugin}: ${o.status}`),
                  )
                }
              >
                Retry
              </button>
              <button
                className="small"
                aria-label={`Dismiss event ${f.eventId} for plugin ${plugin}`}
                disabled={busy !== null}
                onClick={() => go(`d${f.eventId}`, () => run('dismissFailed', { plugin, eventId: f.eventId }))}
              >
                Dismiss
              </button>
            </div>
            <pre className="error-text">{f.error}</pre>
          </li>
        ))}
      </ul>
      {failed.length > FAILED_SHOWN && <p className="muted">…and {failed.length - FAILED_SHOWN} older ones.</p>}
    </div>
  );
}
