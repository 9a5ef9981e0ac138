// Moving a plugin's cursor, the way Kafka UIs reset a consumer group's offset: the plugin
// must be paused (or disabled); pick a strategy; preview before → after and how many events
// that replays (or skips); confirm. The engine writes every change to the audit log.

import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { CursorPreview, CursorTarget } from '../../../electron/contract.js';
import { invoke, run } from '../api.js';
import { localStamp, parseLocalTime, zoneName } from '../format.js';
import { toast, useStore } from '../store.js';

type Kind = CursorTarget['kind'];

const STRATEGIES: Array<{ kind: Kind; label: string; hint: string }> = [
  { kind: 'latest', label: 'Latest', hint: 'Skip everything up to the newest event: nothing is replayed.' },
  { kind: 'id', label: 'Event id', hint: 'The cursor is the last event considered processed: events after this id are processed (again).' },
  { kind: 'time', label: 'Timestamp', hint: 'Every event created at or after this time is processed (again).' },
  { kind: 'shift', label: 'Shift by N', hint: 'Move the cursor by N event ids: negative rewinds, positive skips ahead.' },
];

function parseTarget(kind: Kind, idText: string, timeText: string, shiftText: string): CursorTarget | string {
  switch (kind) {
    case 'latest':
      return { kind: 'latest' };
    case 'id': {
      const id = Number(idText.trim());
      return Number.isInteger(id) && id >= 0 ? { kind: 'id', id } : 'The event id must be a whole number (0 or more).';
    }
    case 'time': {
      // Local time, as every time in the UI (or ISO 8601 with its own zone).
      const t = parseLocalTime(timeText);
      return t === null
        ? `Give the local time as YYYY-MM-DD HH:MM[:SS] (${zoneName()}), e.g. ${localStamp(Date.now())}.`
        : { kind: 'time', time: new Date(t).toISOString() };
    }
    case 'shift': {
      const by = Number(shiftText.trim());
      return Number.isInteger(by) && by !== 0 ? { kind: 'shift', by } : 'Shift by a whole number of events, not 0 (negative rewinds).';
    }
  }
}

export function replayText(n: number): string {
  if (n < 0) return `${-n} ${n === -1 ? 'event' : 'events'} will be skipped`;
  return `${n} ${n === 1 ? 'event' : 'events'} will be replayed`;
}

export function RewindWizard({ plugin, onClose }: { plugin: string; onClose: () => void }) {
  const p = useStore((s) => s.plugins[plugin]);
  const dialog = useRef<HTMLDialogElement>(null);
  const uid = useId();
  const [kind, setKind] = useState<Kind>('id');
  // Until edited, the id field shows the live cursor (it moves until the plugin is paused).
  const [idEdited, setIdEdited] = useState<string | null>(null);
  const idText = idEdited ?? String(p?.cursor ?? '');
  const [timeText, setTimeText] = useState(() => localStamp(Date.now() - 10 * 60_000));
  const [shiftText, setShiftText] = useState('-10');
  const [preview, setPreview] = useState<{ key: string; result: CursorPreview } | null>(null);
  const [busy, setBusy] = useState<'preview' | 'apply' | 'pause' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [resumeAfter, setResumeAfter] = useState(false);

  useEffect(() => {
    const d = dialog.current;
    // No close() on unmount: removing the element closes it, and a `close` event from
    // StrictMode's effect replay would end the wizard at once.
    if (d && !d.open) d.showModal();
  }, []);

  const target = parseTarget(kind, idText, timeText, shiftText);
  const key = typeof target === 'string' ? '' : `${JSON.stringify(target)}@${p?.cursor}`;
  const current = preview && preview.key === key ? preview.result : null;
  const stopped = !!p && (p.paused || !p.enabled);

  if (!p) return null;

  const doPreview = async (e?: FormEvent) => {
    e?.preventDefault();
    if (typeof target === 'string') {
      setError(target);
      return;
    }
    setBusy('preview');
    setError(null);
    try {
      setPreview({ key, result: await invoke('previewCursor', { plugin, target }) });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const apply = async () => {
    if (typeof target === 'string' || !current) return;
    setBusy('apply');
    setError(null);
    try {
      const r = await invoke('setCursor', { plugin, target });
      toast(`Cursor of ${plugin} moved ${r.before} → ${r.after}: ${replayText(r.replayCount)}.`);
      if (resumeAfter) await run('resume', { plugin });
      onClose();
    } catch (err) {
      setError((err as Error).message);
      setBusy(null);
    }
  };

  const pauseNow = async () => {
    setBusy('pause');
    await run('pause', { plugin });
    setBusy(null);
  };

  return (
    <dialog ref={dialog} className="wizard" aria-labelledby={`${uid}-title`} onClose={onClose}>
      <form onSubmit={doPreview}>
        <h2 id={`${uid}-title`}>Move the cursor of {plugin}</h2>
        <p className="muted">
          Current cursor: <strong data-testid="wizard-cursor">{p.cursor}</strong> (last event considered processed)
        </p>

        {!stopped && (
          <div className="notice" role="alert">
            <p>Pause {plugin} first: its cursor cannot move while it is processing events.</p>
            <button type="button" className="primary" onClick={pauseNow} disabled={busy !== null}>
              Pause {plugin} now
            </button>
          </div>
        )}

        <fieldset disabled={!stopped || busy === 'apply'}>
          <legend>Strategy</legend>
          {STRATEGIES.map((s) => (
            <label key={s.kind} className="radio">
              <input
                type="radio"
                name={`${uid}-kind`}
                value={s.kind}
                checked={kind === s.kind}
                onChange={() => setKind(s.kind)}
                aria-describedby={`${uid}-hint`}
              />
              {s.label}
            </label>
          ))}
          <p id={`${uid}-hint`} className="muted hint">
            {STRATEGIES.find((s) => s.kind === kind)!.hint}
          </p>
          {kind === 'id' && (
            <label>
              Target event id
              <input inputMode="numeric" value={idText} onChange={(e) => setIdEdited(e.target.value)} autoFocus />
            </label>
          )}
          {kind === 'time' && (
            <label>
              Target time ({zoneName()})
              <input value={timeText} onChange={(e) => setTimeText(e.target.value)} placeholder="YYYY-MM-DD HH:MM:SS" autoFocus />
            </label>
          )}
          {kind === 'shift' && (
            <label>
              Shift amount
              <input inputMode="numeric" value={shiftText} onChange={(e) => setShiftText(e.target.value)} autoFocus />
            </label>
          )}
        </fieldset>

        <div className="actions">
          <button type="submit" disabled={!stopped || busy !== null}>
            {busy === 'preview' ? 'Previewing…' : 'Preview'}
          </button>
        </div>

        <output className="preview" aria-label="Cursor preview" aria-live="polite">
          {current ? (
            <>
              <span className="before-after">
                <span data-testid="preview-before">{current.before}</span> → <span data-testid="preview-after">{current.after}</span>
              </span>
              <span data-testid="preview-count" data-count={current.replayCount}>
                {replayText(current.replayCount)}
              </span>
            </>
          ) : preview ? (
            <span className="muted">The choice changed: preview again.</span>
          ) : (
            <span className="muted">Preview to see the cursor before → after and how many events will be replayed.</span>
          )}
        </output>

        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}

        <label className="checkbox">
          <input type="checkbox" checked={resumeAfter} onChange={(e) => setResumeAfter(e.target.checked)} disabled={!p.enabled} />
          Resume {plugin} afterwards
        </label>

        <div className="actions end">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" onClick={apply} disabled={!current || !stopped || busy !== null}>
            {busy === 'apply' ? 'Applying…' : 'Confirm'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
