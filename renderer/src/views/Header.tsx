import { useEffect, useState } from 'react';
import { reconnectNow, run } from '../api.js';
import { count } from '../format.js';
import { useStore } from '../store.js';

function useNow(everyMs: number, enabled: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!enabled) return;
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs, enabled]);
  return now;
}

/** The page's own link to the engine (WebSocket or preload). */
function LinkState() {
  const link = useStore((s) => s.link);
  const now = useNow(1000, link.state === 'reconnecting');
  let text: string;
  let tone: string;
  if (link.state === 'open') {
    text = 'Live';
    tone = 'ok';
  } else if (link.state === 'connecting') {
    text = 'Connecting…';
    tone = 'warn';
  } else {
    const wait = link.retryAt ? Math.max(0, Math.ceil((link.retryAt - now) / 1000)) : 0;
    text = wait > 0 ? `Disconnected, retrying in ${wait} s` : 'Reconnecting…';
    tone = 'bad';
  }
  return (
    <span className="link-state">
      <span className={`pill pill-${tone}`} role="status" aria-label={`UI connection: ${text}`} title={link.error ?? undefined} data-link={link.state}>
        <span className="dot" aria-hidden="true" />
        {text}
      </span>
      {link.state === 'reconnecting' && (
        <button className="small" onClick={reconnectNow}>
          Reconnect now
        </button>
      )}
    </span>
  );
}

const SG_TEXT = { connecting: 'connecting', connected: 'connected', retrying: 'retrying', error: 'error' } as const;
const SG_TONE = { connecting: 'warn', connected: 'ok', retrying: 'warn', error: 'bad' } as const;

export function Header() {
  const engine = useStore((s) => s.engine);
  return (
    <header className="header">
      <div className="brand">
        <h1>Shotgun Events</h1>
        {engine?.demo && (
          <span className="badge badge-demo" title="No site is configured: running on the embedded sandbox with the example plugins">
            Demo
          </span>
        )}
      </div>
      <dl className="header-facts">
        <div>
          <dt>Site</dt>
          <dd className="site" title={engine?.site}>
            {engine?.site ?? '–'}
          </dd>
        </div>
        <div>
          <dt>ShotGrid</dt>
          <dd>
            {engine ? (
              <span
                className={`pill pill-${SG_TONE[engine.connection]}`}
                aria-label={`ShotGrid connection: ${SG_TEXT[engine.connection]}`}
                title={engine.connectionError ?? undefined}
                data-connection={engine.connection}
              >
                <span className="dot" aria-hidden="true" />
                {SG_TEXT[engine.connection]}
              </span>
            ) : (
              '–'
            )}
          </dd>
        </div>
        <div>
          <dt>Head</dt>
          <dd aria-label="Head event id" data-testid="head-id">
            {engine ? `#${engine.headId}` : '–'}
          </dd>
        </div>
        <div>
          <dt>Rate</dt>
          <dd aria-label="Events per second">{engine ? `${count(engine.eventsPerSecond)} ev/s` : '–'}</dd>
        </div>
        {engine && engine.openGaps > 0 && (
          <div>
            <dt>Gaps</dt>
            <dd title="Event ids skipped by ShotGrid, still awaited (open transactions)">{engine.openGaps}</dd>
          </div>
        )}
        <div>
          <dt>UI</dt>
          <dd>
            <LinkState />
          </dd>
        </div>
      </dl>
      <div className="header-actions">
        {engine?.paused && <span className="badge badge-warn">All plugins paused</span>}
        <button onClick={() => run('pauseAll', {}, 'All plugins paused')} disabled={!engine}>
          Pause all
        </button>
        <button onClick={() => run('resumeAll', {}, 'All plugins resumed')} disabled={!engine}>
          Resume all
        </button>
      </div>
      {engine?.connectionError && engine.connection !== 'connected' && (
        <p className="header-error" role="alert">
          {engine.connectionError}
        </p>
      )}
    </header>
  );
}
