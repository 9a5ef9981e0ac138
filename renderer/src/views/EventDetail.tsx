import { useEffect, useEffectEvent, useState } from 'react';
import type { EventView, LogLineView, Outcome } from '../../../electron/contract.js';
import { invoke, run } from '../api.js';
import { dateTime, link, linkName, ms } from '../format.js';
import { findEvent, selectEvent, useStore } from '../store.js';
import { OutcomeChip, PluginOptions } from './common.js';
import { copyText, EventChanges, SiteLink } from './EventContext.js';
import { LogMessage } from './LogMessage.js';

interface Fetched {
  event: EventView | null;
  logs: LogLineView[];
}

/** The side panel for one event: what it is, what each plugin made of it, its log lines, replay. */
export function EventDetail({ id }: { id: number }) {
  const live = useStore((s) => findEvent(s.events, id));
  const pluginNames = useStore((s) => s.pluginNames);
  const [fetched, setFetched] = useState<Fetched | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const [replayTo, setReplayTo] = useState('');
  const [replayResult, setReplayResult] = useState<{ plugin: string; outcome: Outcome } | null>(null);
  const [replaying, setReplaying] = useState(false);

  // Load the event's log lines (and the event itself when it left the live buffer); again
  // shortly after its outcomes change, since handling it logs.
  const outcomesKey = live ? JSON.stringify(live.outcomes) : '';
  // A reload (not the first load) waits a little, for the log lines of the new outcome.
  const loadDelay = useEffectEvent(() => (fetched ? 400 : 0));
  useEffect(() => {
    let cancelled = false;
    const t = setTimeout(() => {
      invoke('getEvent', { id }).then(
        (r) => {
          if (cancelled) return;
          setFetched(r);
          setError(null);
        },
        (e: Error) => !cancelled && setError(e.message),
      );
    }, loadDelay());
    return () => {
      cancelled = true;
      clearTimeout(t);
    };
  }, [id, outcomesKey, reloads]);

  const event = live ?? fetched?.event ?? null;
  // Default: a plugin that already handled this event, else the first one that is loaded.
  const firstLoaded = useStore((s) => s.pluginNames.find((n) => s.plugins[n]?.state !== 'load_error'));
  const handled = live ? pluginNames.find((n) => live.outcomes[n]) : undefined;
  const target = replayTo || handled || firstLoaded || pluginNames[0] || '';

  const replay = async () => {
    if (!target) return;
    setReplaying(true);
    const r = await run('replayEvent', { plugin: target, eventId: id }, (o) => `Replayed event ${id} to ${target}: ${o.status}`);
    setReplaying(false);
    if (r) {
      setReplayResult({ plugin: target, outcome: r });
      setReloads((n) => n + 1);
    }
  };

  const outcomes = event ? Object.entries(event.outcomes).sort(([a], [b]) => a.localeCompare(b)) : [];

  return (
    <aside className="detail" aria-label={`Event ${id} details`}>
      <div className="detail-head">
        <h2>Event #{id}</h2>
        <button className="small" aria-label={`Copy event id ${id}`} onClick={() => void copyText(String(id), `event id ${id}`)}>
          Copy id
        </button>
        {event && (
          <button
            className="small"
            aria-label="Copy event JSON"
            onClick={() => void copyText(JSON.stringify(event, null, 2), `the JSON of event ${id}`)}
          >
            Copy JSON
          </button>
        )}
        <button className="icon" aria-label="Close event details" onClick={() => selectEvent(null)}>
          ×
        </button>
      </div>
      {!event ? (
        <p className={error ? 'error-text' : 'muted'}>{error ?? (fetched ? `Event ${id} was not found.` : 'Loading…')}</p>
      ) : (
        <>
          {!live && <p className="muted">Not in the live buffer: loaded from the engine.</p>}
          <dl className="facts">
            <dt>Type</dt>
            <dd>{event.event_type}</dd>
            <dt>Created</dt>
            <dd>{dateTime(event.created_at)}</dd>
            <dt>Entity</dt>
            <dd>{event.entity ? <SiteLink to={event.entity} text={link(event.entity)} /> : '–'}</dd>
            <dt>Attribute</dt>
            <dd>{event.attribute_name ?? '–'}</dd>
            <dt>User</dt>
            <dd>{event.user ? <SiteLink to={event.user} text={linkName(event.user)} /> : '–'}</dd>
            <dt>Project</dt>
            <dd>{event.project ? <SiteLink to={event.project} text={linkName(event.project)} /> : '–'}</dd>
            {event.late && (
              <>
                <dt>Late</dt>
                <dd>arrived after later events (filled a gap)</dd>
              </>
            )}
          </dl>

          <EventChanges meta={event.meta} />

          <section aria-label="Plugin outcomes">
            <h3>Plugin outcomes</h3>
            {outcomes.length === 0 ? (
              <p className="muted">No plugin has handled this event (yet).</p>
            ) : (
              <table className="outcomes">
                <thead>
                  <tr>
                    <th scope="col">Plugin</th>
                    <th scope="col">Duration</th>
                    <th scope="col">Attempt</th>
                  </tr>
                </thead>
                <tbody>
                  {outcomes.map(([p, o]) => (
                    <tr key={p} data-plugin={p}>
                      <td>
                        <OutcomeChip plugin={p} outcome={o} />
                        {o.late && <span className="badge badge-late">late</span>}
                        {o.error && <pre className="error-text">{o.error}</pre>}
                      </td>
                      <td>{ms(o.durationMs)}</td>
                      <td>{o.attempt ?? 1}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section aria-label="Replay">
            <h3>Replay</h3>
            <div className="inline-form">
              <label>
                Plugin to replay to
                <select value={target} onChange={(e) => setReplayTo(e.target.value)}>
                  <PluginOptions names={pluginNames} />
                </select>
              </label>
              <button onClick={replay} disabled={!target || replaying}>
                {replaying ? 'Replaying…' : 'Replay to plugin'}
              </button>
            </div>
            {replayResult && (
              <p className="muted" role="status">
                Last replay to {replayResult.plugin}: <OutcomeChip plugin={replayResult.plugin} outcome={replayResult.outcome} />{' '}
                {ms(replayResult.outcome.durationMs)}
                {replayResult.outcome.error && <span className="error-text"> {replayResult.outcome.error}</span>}
              </p>
            )}
          </section>

          <section aria-label="Event log lines">
            <div className="section-head">
              <h3>Log lines</h3>
              <button className="small" onClick={() => setReloads((n) => n + 1)}>
                Reload event logs
              </button>
            </div>
            {!fetched ? (
              <p className="muted">Loading…</p>
            ) : fetched.logs.length === 0 ? (
              <p className="muted">No log lines for this event.</p>
            ) : (
              <ol className="log-lines">
                {fetched.logs.map((l, i) => (
                  <li key={i} className={`log-line lvl-${l.levelName.toLowerCase()}`}>
                    <LogMessage line={l} />
                  </li>
                ))}
              </ol>
            )}
          </section>

          <details className="json" open>
            <summary>Event JSON</summary>
            <pre tabIndex={0} aria-label="Event JSON">
              {JSON.stringify(event, null, 2)}
            </pre>
          </details>
        </>
      )}
    </aside>
  );
}
