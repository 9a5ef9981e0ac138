import { useEffect, useState, type FormEvent } from 'react';
import type { SettingsInput, SettingsView } from '../../../electron/contract.js';
import { invoke, run } from '../api.js';

export function SettingsPanel() {
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  useEffect(() => {
    let cancelled = false;
    invoke('getSettings', {}).then(
      (s) => !cancelled && (setSettings(s), setError(null)),
      (e: Error) => !cancelled && setError(e.message),
    );
    return () => {
      cancelled = true;
    };
  }, [reloads]);

  if (error)
    return (
      <div className="settings">
        <p className="error-text" role="alert">
          Cannot load the settings: {error}
        </p>
        <button onClick={() => setReloads((n) => n + 1)}>Try again</button>
      </div>
    );
  if (!settings) return <p className="empty">Loading settings…</p>;
  return settings.editable ? <SettingsForm initial={settings} onSaved={setSettings} /> : <ReadOnlySettings s={settings} />;
}

function ReadOnlySettings({ s }: { s: SettingsView }) {
  return (
    <div className="settings">
      <h2>Settings</h2>
      <p className="notice">
        {s.demo
          ? 'Demo mode: no site is configured, so the daemon runs on the embedded sandbox with the example plugins.'
          : `These settings come from the config file${s.configPath ? ` ${s.configPath}` : ''}. Edit it and restart the daemon to change them.`}
      </p>
      <dl className="facts settings-facts" aria-label="Current settings">
        <dt>Site</dt>
        <dd>{s.site ?? '–'}</dd>
        <dt>Script name</dt>
        <dd>{s.scriptName ?? '–'}</dd>
        <dt>Script key</dt>
        <dd>{s.hasScriptKey ? 'set (never shown)' : 'not set'}</dd>
        <dt>Plugin paths</dt>
        <dd>
          {s.pluginPaths.length ? (
            <ul className="plain">
              {s.pluginPaths.map((p) => (
                <li key={p}>
                  <code>{p}</code>
                </li>
              ))}
            </ul>
          ) : (
            '–'
          )}
        </dd>
        <dt>Poll interval</dt>
        <dd>{s.fetchIntervalS} s</dd>
        <dt>Max event batch size</dt>
        <dd>{s.maxEventBatchSize}</dd>
        <dt>Backlog timeout</dt>
        <dd>{s.backlogTimeoutS} s</dd>
        <dt>Email alerts to</dt>
        <dd>{s.emailTo.length ? s.emailTo.join(', ') : '–'}</dd>
        {s.configPath && (
          <>
            <dt>Config file</dt>
            <dd>
              <code>{s.configPath}</code>
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}

const lines = (s: string) =>
  s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);

function SettingsForm({ initial, onSaved }: { initial: SettingsView; onSaved: (s: SettingsView) => void }) {
  const [site, setSite] = useState(initial.site ?? '');
  const [scriptName, setScriptName] = useState(initial.scriptName ?? '');
  const [scriptKey, setScriptKey] = useState('');
  const [pluginPaths, setPluginPaths] = useState(initial.pluginPaths.join('\n'));
  const [fetchIntervalS, setFetchIntervalS] = useState(String(initial.fetchIntervalS));
  const [maxEventBatchSize, setMaxEventBatchSize] = useState(String(initial.maxEventBatchSize));
  const [backlogTimeoutS, setBacklogTimeoutS] = useState(String(initial.backlogTimeoutS));
  const [emailTo, setEmailTo] = useState(initial.emailTo.join(', '));
  const [importPath, setImportPath] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [testResult, setTestResult] = useState<{ ok: boolean; message: string } | null>(null);

  const reset = (s: SettingsView) => {
    setSite(s.site ?? '');
    setScriptName(s.scriptName ?? '');
    setScriptKey('');
    setPluginPaths(s.pluginPaths.join('\n'));
    setFetchIntervalS(String(s.fetchIntervalS));
    setMaxEventBatchSize(String(s.maxEventBatchSize));
    setBacklogTimeoutS(String(s.backlogTimeoutS));
    setEmailTo(s.emailTo.join(', '));
    onSaved(s);
  };

  const input = (): SettingsInput => ({
    site: site.trim() || null,
    scriptName: scriptName.trim() || null,
    ...(scriptKey ? { scriptKey } : {}),
    pluginPaths: lines(pluginPaths),
    fetchIntervalS: Number(fetchIntervalS),
    maxEventBatchSize: Number(maxEventBatchSize),
    backlogTimeoutS: Number(backlogTimeoutS),
    emailTo: lines(emailTo),
  });

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy('save');
    const r = await run('saveSettings', input(), 'Settings saved');
    setBusy(null);
    if (r) reset(r);
  };

  const test = async () => {
    setBusy('test');
    setTestResult(null);
    try {
      const r = await invoke('testConnection', { site: site.trim(), scriptName: scriptName.trim(), ...(scriptKey ? { scriptKey } : {}) });
      setTestResult({ ok: r.ok, message: r.serverVersion ? `${r.message} (server ${r.serverVersion})` : r.message });
    } catch (err) {
      setTestResult({ ok: false, message: (err as Error).message });
    }
    setBusy(null);
  };

  const importConf = async (e: FormEvent) => {
    e.preventDefault();
    setBusy('import');
    const r = await run('importConfig', { path: importPath.trim() }, `Imported ${importPath.trim()}`);
    setBusy(null);
    if (r) reset(r);
  };

  return (
    <div className="settings">
      <h2>Settings</h2>
      {initial.demo && (
        <p className="notice">Demo mode: no site is configured yet, so the app runs on the embedded sandbox. Enter your site to connect.</p>
      )}
      <form className="settings-form" onSubmit={save}>
        <label>
          Site URL
          <input type="url" value={site} onChange={(e) => setSite(e.target.value)} placeholder="https://studio.shotgrid.autodesk.com" />
        </label>
        <label>
          Script name
          <input value={scriptName} onChange={(e) => setScriptName(e.target.value)} autoComplete="off" />
        </label>
        <label>
          Script key
          <input
            type="password"
            value={scriptKey}
            onChange={(e) => setScriptKey(e.target.value)}
            autoComplete="new-password"
            placeholder={initial.hasScriptKey ? 'stored (leave empty to keep it)' : 'not set'}
          />
        </label>
        <label>
          Plugin paths (one per line)
          <textarea rows={3} value={pluginPaths} onChange={(e) => setPluginPaths(e.target.value)} />
        </label>
        <div className="row-fields">
          <label>
            Poll interval (s)
            <input type="number" min={0.1} max={3600} step="any" value={fetchIntervalS} onChange={(e) => setFetchIntervalS(e.target.value)} />
          </label>
          <label>
            Max event batch size
            <input type="number" min={1} max={5000} step={1} value={maxEventBatchSize} onChange={(e) => setMaxEventBatchSize(e.target.value)} />
          </label>
          <label>
            Backlog timeout (s)
            <input type="number" min={0} max={86400} step="any" value={backlogTimeoutS} onChange={(e) => setBacklogTimeoutS(e.target.value)} />
          </label>
        </div>
        <label>
          Email alerts to (comma separated)
          <input value={emailTo} onChange={(e) => setEmailTo(e.target.value)} />
        </label>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy !== null}>
            Save settings
          </button>
          <button type="button" onClick={test} disabled={busy !== null || !site.trim() || !scriptName.trim()}>
            {busy === 'test' ? 'Testing…' : 'Test connection'}
          </button>
        </div>
        {testResult && (
          <p className={testResult.ok ? 'ok-text' : 'error-text'} role="status">
            {testResult.ok ? '✓ ' : '✗ '}
            {testResult.message}
          </p>
        )}
      </form>
      <form className="inline-form import" onSubmit={importConf}>
        <label>
          shotgunEventDaemon.conf path
          <input value={importPath} onChange={(e) => setImportPath(e.target.value)} placeholder="/etc/shotgunEventDaemon.conf" />
        </label>
        <button type="submit" disabled={busy !== null || !importPath.trim()}>
          Import config
        </button>
      </form>
    </div>
  );
}
