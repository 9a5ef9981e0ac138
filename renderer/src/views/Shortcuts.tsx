// Keyboard shortcuts for the whole page (`/` search, `?` this list, 1–5 the views) and the
// dialog that lists them. Keys typed into a field are left alone.

import { useEffect, useRef } from 'react';
import { setView, VIEWS } from '../store.js';

export const SHORTCUTS: Array<[string, string]> = [
  ['/', "Focus the current view's search or first filter"],
  ['?', 'Show this list'],
  ['1 – 5', 'Events, Plugins, Logs, Audit, Settings'],
  ['↑ ↓ Home End', 'Move through the events (in the table)'],
  ['Esc', 'Close the event details or a dialog'],
];

function typing(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

export function useShortcuts(showHelp: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || document.querySelector('dialog[open]')) return;
      if (e.key === '/') {
        const search = document.querySelector<HTMLInputElement>(
          'main.panel input[type=search], main.panel input:not([type=checkbox]):not([type=radio])',
        );
        if (search) {
          e.preventDefault();
          search.focus();
          search.select();
        }
      } else if (e.key === '?') {
        e.preventDefault();
        showHelp();
      } else if (/^[1-5]$/.test(e.key)) {
        setView(VIEWS[Number(e.key) - 1]!);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [showHelp]);
}

export function Shortcuts({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={dialog} className="wizard shortcuts" aria-labelledby="shortcuts-title" onClose={onClose}>
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table aria-label="Keyboard shortcuts">
        <tbody>
          {SHORTCUTS.map(([k, what]) => (
            <tr key={k}>
              <th scope="row">
                <kbd>{k}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions end">
        <button className="primary" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
    </dialog>
  );
}
