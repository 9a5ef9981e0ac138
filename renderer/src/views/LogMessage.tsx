// One log line, structured: time, level, logger and message, where a JSON payload in the
// message is folded ({…} with its size; click to open it pretty-printed) instead of a wall
// of text. Shared by the Logs view and the event detail.

import { memo, useState } from 'react';
import type { LogLineView } from '../../../electron/contract.js';
import { clockMs } from '../format.js';
import { splitJson } from '../log-json.js';
import { showEvent } from '../store.js';

function size(json: unknown): string {
  if (Array.isArray(json)) return `[…] ${json.length} items`;
  return `{…} ${Object.keys(json as object).length} keys`;
}

/** Short payloads stay inline. */
const FOLD_OVER = 80;
/** Longer plain messages (tracebacks) show 3 lines until clicked. */
const LONG = 320;

function LongText({ text }: { text: string }) {
  const [open, setOpen] = useState(false);
  return (
    <span
      className={`msg long${open ? '' : ' clamped'}`}
      role="button"
      tabIndex={0}
      aria-expanded={open}
      title={open ? 'Click to fold' : 'Click to show the whole message'}
      onClick={() => setOpen(!open)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          setOpen(!open);
        }
      }}
    >
      {text}
    </span>
  );
}

export const LogMessage = memo(function LogMessage({ line: l, withEvent = false }: { line: LogLineView; withEvent?: boolean }) {
  const split = l.message.length > FOLD_OVER ? splitJson(l.message) : null;
  return (
    <>
      <span className="muted time">{clockMs(l.time)}</span>
      <span className="lvl">{l.levelName}</span>
      <span className="src logger" title={l.logger}>
        {l.plugin ? (l.callback ? `${l.plugin}.${l.callback}` : l.plugin) : l.logger}
      </span>
      {withEvent &&
        (l.eventId !== undefined && l.eventId !== null ? (
          <button className="link small evt" aria-label={`Show event ${l.eventId}`} onClick={() => showEvent(l.eventId!)}>
            #{l.eventId}
          </button>
        ) : (
          <span className="evt" />
        ))}
      {split ? (
        <span className="msg">
          {split.text && `${split.text} `}
          <details className="json-fold" data-testid="json-fold">
            <summary>{size(split.json)}</summary>
            <pre>{JSON.stringify(split.json, null, 2)}</pre>
          </details>
        </span>
      ) : l.message.length > LONG || l.message.split('\n', 4).length > 3 ? (
        <LongText text={l.message} />
      ) : (
        <span className="msg">{l.message}</span>
      )}
    </>
  );
});
