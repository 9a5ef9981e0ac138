import { useEffect, useState } from 'react';
import { reconnectNow, run } from '../api.js';
import { count } from '../format.js';
import { setPluginTable, setView, useStore } from '../store.js';
import { health } from '../triage.js';
import { TrendChart } from './charts.js';

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
      <span
        className={`pill pill-${tone}`}
        role="status"
        aria-label={`UI connection: ${text}`}
        title={link.error ?? undefined}
        data-link={link.state}
      >
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

/** Amber for plugins in trouble, red for the site or the state file; a click goes to the list. */
function HealthBadge() {
  const engine = useStore((s) => s.engine);
  const linkState = useStore((s) => s.link.state);
  const plugins = useStore((s) => s.plugins);
  const h = health(engine, linkState, Object.values(plugins));
  const go = () => {
    if (h.target === 'plugins') {
      setPluginTable({ state: 'attention' });
      setView('plugins');
    } else if (h.target) setView(h.target);
  };
  return (
    <button
      className={`health health-${h.tone}`}
      data-testid="health"
      data-tone={h.tone}
      aria-label={`Health: ${h.text}`}
      title={h.target ? `${h.text} (click to see them)` : h.text}
      onClick={go}
      disabled={!h.target}
    >
      <span className="dot" aria-hidden="true" />
      {h.tone === 'ok' ? 'Healthy' : h.tone === 'unknown' ? 'Unknown' : h.tone === 'warn' ? `${h.count} need attention` : h.text}
    </button>
  );
}

export function Header() {
  const engine = useStore((s) => s.engine);
  // While the page's own link is down, what the engine said last is not news: say so.
  const live = useStore((s) => s.link.state === 'open');
  const tone = useStore((s) => health(s.engine, s.link.state, Object.values(s.plugins)).tone);
  return (
    <header className={`header header-${tone}`} data-health={tone}>
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
            {engine && !live ? (
              <span className="pill pill-muted" aria-label="ShotGrid connection: unknown (not connected to the daemon)" data-connection="unknown">
                <span className="dot" aria-hidden="true" />
                unknown
              </span>
            ) : engine ? (
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
          <dd aria-label="Events per second">{engine && live ? `${count(engine.eventsPerSecond)} ev/s` : '–'}</dd>
        </div>
        <div>
          <dt>Trend</dt>
          <dd>
            <TrendChart />
          </dd>
        </div>
        <div>
          <dt>Health</dt>
          <dd>
            <HealthBadge />
          </dd>
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
      {engine?.stateError && (
        <p className="header-error" role="alert" data-testid="state-error">
          The state file cannot be written: {engine.stateError}
        </p>
      )}
      {engine?.problems?.map((p) => (
        <p key={p} className="header-error" role="alert" data-testid="engine-problem">
          {p}
        </p>
      ))}
      {engine?.connectionError && engine.connection !== 'connected' && (
        <p className="header-error" role="alert">
          {engine.connectionError}
        </p>
      )}
    </header>
  );
}
