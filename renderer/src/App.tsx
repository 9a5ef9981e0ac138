import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { parseHash, toHash } from './router.js';
import { Shortcuts, useShortcuts } from './views/Shortcuts.js';
import { AuditView } from './views/AuditView.js';
import { EventsView } from './views/EventsView.js';
import { Header } from './views/Header.js';
import { LogsView } from './views/LogsView.js';
import { PluginsView } from './views/PluginsView.js';
import { SettingsPanel } from './views/SettingsPanel.js';
import { needsAttention } from './triage.js';
import { dismissToast, setView, useStore, VIEWS, type ViewName } from './store.js';

const LABELS: Record<ViewName, string> = {
  events: 'Events',
  plugins: 'Plugins',
  logs: 'Logs',
  audit: 'Audit',
  settings: 'Settings',
};

/** Deep links (router.ts): the view, its filters and selection live in the URL's hash. */
function fromHash(): void {
  const patch = parseHash(window.location.hash);
  if (patch) useStore.setState((st) => ({ ...patch, revealSeq: st.revealSeq + 1 }));
}

// Read the link before the first render, so the first render already shows that view (the
// effect below would otherwise write the default view's hash over it first).
fromHash();

function useHashRouting(): void {
  const hash = useStore((s) => toHash(s));
  useEffect(() => {
    window.addEventListener('hashchange', fromHash);
    return () => window.removeEventListener('hashchange', fromHash);
  }, []);
  useEffect(() => {
    if (window.location.hash !== hash) history.replaceState(null, '', hash);
  }, [hash]);
}

function Tabs() {
  const view = useStore((s) => s.view);
  const failing = useStore(
    (s) =>
      s.pluginNames.filter((n) => {
        const p = s.plugins[n];
        return p && needsAttention(p);
      }).length,
  );
  const refs = useRef<Partial<Record<ViewName, HTMLButtonElement | null>>>({});
  const onKey = (e: KeyboardEvent) => {
    const i = VIEWS.indexOf(view);
    let next: ViewName | undefined;
    if (e.key === 'ArrowRight') next = VIEWS[(i + 1) % VIEWS.length];
    else if (e.key === 'ArrowLeft') next = VIEWS[(i + VIEWS.length - 1) % VIEWS.length];
    else if (e.key === 'Home') next = VIEWS[0];
    else if (e.key === 'End') next = VIEWS[VIEWS.length - 1];
    if (!next) return;
    e.preventDefault();
    setView(next);
    refs.current[next]?.focus();
  };
  return (
    <nav className="tabs" role="tablist" aria-label="Views" onKeyDown={onKey}>
      {VIEWS.map((v) => (
        <button
          key={v}
          ref={(el) => {
            refs.current[v] = el;
          }}
          role="tab"
          id={`tab-${v}`}
          aria-selected={view === v}
          aria-controls={`panel-${v}`}
          tabIndex={view === v ? 0 : -1}
          onClick={() => setView(v)}
        >
          {LABELS[v]}
          {v === 'plugins' && failing > 0 && (
            <span className="tab-badge" aria-hidden="true" title={`${failing} need attention`}>
              {failing}
            </span>
          )}
        </button>
      ))}
    </nav>
  );
}

function Toasts() {
  const toasts = useStore((s) => s.toasts);
  return (
    <div className="toasts" role="status" aria-live="polite" aria-label="Notifications">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : undefined}>
          <span>{t.text}</span>
          <button className="icon" aria-label="Dismiss notification" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function App() {
  useHashRouting();
  const [help, setHelp] = useState(false);
  useShortcuts(useCallback(() => setHelp(true), []));
  const view = useStore((s) => s.view);
  const ready = useStore((s) => s.ready);
  const linkDown = useStore((s) => s.link.state !== 'open');
  return (
    <div className="app">
      <Header />
      {ready && linkDown && (
        <p className="stale-banner" role="status">
          The connection to the daemon is lost: what you see may be out of date.
        </p>
      )}
      <Tabs />
      <main className="panel" role="tabpanel" id={`panel-${view}`} aria-labelledby={`tab-${view}`}>
        {!ready && view !== 'settings' ? (
          <p className="empty" aria-live="polite">
            Waiting for the engine…
          </p>
        ) : view === 'events' ? (
          <EventsView />
        ) : view === 'plugins' ? (
          <PluginsView />
        ) : view === 'logs' ? (
          <LogsView />
        ) : view === 'audit' ? (
          <AuditView />
        ) : (
          <SettingsPanel />
        )}
      </main>
      <Toasts />
      {help && <Shortcuts onClose={() => setHelp(false)} />}
    </div>
  );
}
