import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { LogLineView } from '../../../electron/contract.js';
import { ENGINE_SOURCE, LOG_CAP, logFilter, setLogFilter, useStore } from '../store.js';
import { PluginOptions } from './common.js';
import { LogMessage } from './LogMessage.js';

const LEVELS: Array<[number, string]> = [
  [0, 'All levels'],
  [10, 'DEBUG and up'],
  [20, 'INFO and up'],
  [30, 'WARNING and up'],
  [40, 'ERROR and up'],
  [50, 'CRITICAL'],
];

const LINE_H = 22;

export function LogsView() {
  const live = useStore((s) => s.logs);
  const filters = useStore((s) => s.logFilters);
  const pluginNames = useStore((s) => s.pluginNames);
  // "Pause view" freezes what is shown; lines keep arriving in the store.
  const [frozen, setFrozen] = useState<LogLineView[] | null>(null);
  const logs = frozen ?? live;
  const shown = useMemo(() => {
    const f = logFilter(filters);
    return f ? logs.filter(f) : logs;
  }, [logs, filters]);
  const behind = frozen ? live.length - frozen.length : 0;

  return (
    <div className="logs-view">
      <div className="toolbar" role="search" aria-label="Log filters">
        <label>
          Level
          <select value={filters.minLevel} onChange={(e) => setLogFilter('minLevel', Number(e.target.value))}>
            {LEVELS.map(([n, label]) => (
              <option key={n} value={n}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Source
          <select value={filters.plugin} onChange={(e) => setLogFilter('plugin', e.target.value)}>
            <option value="">All sources</option>
            <option value={ENGINE_SOURCE}>Engine (no plugin)</option>
            <PluginOptions names={pluginNames} />
          </select>
        </label>
        <label>
          Search logs
          <input type="search" placeholder="text or pattern*" value={filters.search} onChange={(e) => setLogFilter('search', e.target.value)} />
        </label>
        <button aria-pressed={frozen !== null} onClick={() => setFrozen(frozen ? null : live)}>
          {frozen ? 'Resume view' : 'Pause view'}
        </button>
        <span className="muted count" aria-label="Log lines shown">
          {shown.length} of {logs.length} lines (last {LOG_CAP} kept)
          {behind > 0 && ` · ${behind}+ new while paused`}
        </span>
      </div>
      <LogList lines={shown} filtered={shown !== logs} />
    </div>
  );
}

function LogList({ lines, filtered }: { lines: LogLineView[]; filtered: boolean }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const followRef = useRef(follow);
  followRef.current = follow;
  const v = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => LINE_H,
    overscan: 15,
  });

  // Rows are measured after they render: follow the total height too.
  const total = v.getTotalSize();
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [lines, follow, total]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < LINE_H;
    if (atBottom !== followRef.current) setFollow(atBottom);
  };

  return (
    <div className="log-list">
      <div className="scroll" ref={scrollRef} onScroll={onScroll} tabIndex={0} role="log" aria-label="Log lines" aria-live="off">
        {lines.length === 0 ? (
          <p className="empty">{filtered ? 'No log lines match the filters.' : 'No log lines yet.'}</p>
        ) : (
          <div style={{ height: total, position: 'relative' }}>
            {v.getVirtualItems().map((it) => (
              <div key={it.key} data-index={it.index} ref={v.measureElement} className="log-row" style={{ transform: `translateY(${it.start}px)` }}>
                <LogLine line={lines[it.index]!} />
              </div>
            ))}
          </div>
        )}
      </div>
      <div className="table-foot">
        {follow ? (
          <span className="muted">Following new lines</span>
        ) : (
          <button className="primary" aria-label="Jump to latest log line" onClick={() => setFollow(true)}>
            Jump to latest
          </button>
        )}
      </div>
    </div>
  );
}

const LogLine = memo(function LogLine({ line: l }: { line: LogLineView }) {
  return (
    <div className={`log-line lvl-${l.levelName.toLowerCase()}`} data-level={l.levelName} data-plugin={l.plugin ?? ''}>
      <LogMessage line={l} withEvent />
    </div>
  );
});
