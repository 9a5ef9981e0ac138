import { useVirtualizer } from '@tanstack/react-virtual';
import {
  memo,
  useEffect,
  useEffectEvent,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type FormEvent,
  type KeyboardEvent,
  type MouseEvent,
} from 'react';
import type { EventView } from '../../../electron/contract.js';
import { clock, count, dateTime, link, linkName, zoneName } from '../format.js';
import { nextSelection } from '../selection.js';
import {
  clearFilters,
  eventFilter,
  findEvent,
  lowerBound,
  selectEvent,
  setFilter,
  toast,
  useStore,
  type EventFilters,
  type OutcomeFilter,
} from '../store.js';
import { OutcomeChip, PluginOptions } from './common.js';
import { EventDetail } from './EventDetail.js';

const ROW_H = 30;
const OUTCOMES: OutcomeFilter[] = ['ok', 'failed', 'held', 'skipped', 'pending'];

export function EventsView() {
  const events = useStore((s) => s.events);
  const filters = useStore((s) => s.filters);
  const selected = useStore((s) => s.selectedEventId);
  const shown = useMemo(() => {
    const f = eventFilter(filters);
    return f ? events.filter(f) : events;
  }, [events, filters]);
  const [jump, setJump] = useState<{ id: number; n: number } | null>(null);
  // Asked from elsewhere (a held card's "Show event", a deep link): scroll to the row and select it.
  // (React's "state from previous renders" pattern: no effect, no cascading render.)
  const revealSeq = useStore((s) => s.revealSeq);
  // null: the first render reveals too (a deep link's selected event after a reload).
  const [revealed, setRevealed] = useState<number | null>(null);
  if (revealed !== revealSeq) {
    setRevealed(revealSeq);
    if (selected !== null) setJump({ id: selected, n: -revealSeq });
  }

  const jumpTo = (id: number) => {
    selectEvent(id);
    setJump((j) => ({ id, n: (j?.n ?? 0) + 1 }));
    const inBuffer = findEvent(events, id);
    if (inBuffer && !findEvent(shown, id)) toast(`Event ${id} is hidden by the filters; its details are shown.`);
  };

  return (
    <div className={`events-view${selected !== null ? ' with-detail' : ''}`}>
      <FilterBar events={events} filters={filters} shown={shown.length} onJump={jumpTo} />
      <EventTable events={shown} filtered={shown !== events} selected={selected} jump={jump} />
      {selected !== null && <EventDetail key={selected} id={selected} />}
    </div>
  );
}

function distinct(events: readonly EventView[], key: (e: EventView) => string | null | undefined): string[] {
  const set = new Set<string>();
  for (const e of events) {
    const k = key(e);
    if (k) set.add(k);
  }
  return [...set].sort();
}

function FilterBar(props: { events: EventView[]; filters: EventFilters; shown: number; onJump: (id: number) => void }) {
  const { events, filters, shown } = props;
  const pluginNames = useStore((s) => s.pluginNames);
  const types = useMemo(() => distinct(events, (e) => e.event_type), [events]);
  const entities = useMemo(() => distinct(events, (e) => e.entity?.type), [events]);
  const projects = useMemo(() => distinct(events, (e) => e.project?.name), [events]);
  const [jumpText, setJumpText] = useState('');
  const active = Object.values(filters).some((v) => v !== '');

  const submitJump = (e: FormEvent) => {
    e.preventDefault();
    const id = Number(jumpText.trim().replace(/^#/, ''));
    if (!Number.isInteger(id) || id <= 0) {
      toast(`"${jumpText}" is not an event id`, 'error');
      return;
    }
    props.onJump(id);
  };

  return (
    <div className="toolbar" role="search" aria-label="Event filters">
      <label>
        Event type
        <input
          type="search"
          list="dl-event-types"
          placeholder="e.g. Shotgun_Task_*"
          value={filters.eventType}
          onChange={(e) => setFilter('eventType', e.target.value)}
        />
      </label>
      <label>
        Entity type
        <input
          type="search"
          list="dl-entity-types"
          placeholder="e.g. Task"
          value={filters.entityType}
          onChange={(e) => setFilter('entityType', e.target.value)}
        />
      </label>
      <label>
        Project
        <input type="search" list="dl-projects" placeholder="any" value={filters.project} onChange={(e) => setFilter('project', e.target.value)} />
      </label>
      <label>
        Plugin
        <select value={filters.plugin} onChange={(e) => setFilter('plugin', e.target.value)}>
          <option value="">All plugins</option>
          <PluginOptions names={pluginNames} />
        </select>
      </label>
      <label>
        Outcome
        <select value={filters.outcome} onChange={(e) => setFilter('outcome', e.target.value as OutcomeFilter)}>
          <option value="">Any outcome</option>
          {OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      </label>
      <button onClick={clearFilters} disabled={!active}>
        Clear filters
      </button>
      <span className="muted count" aria-label="Events shown">
        {active ? `${count(shown)} of ${count(events.length)}` : `${count(events.length)} events`}
      </span>
      <form className="jump" onSubmit={submitJump}>
        <label>
          Jump to event id
          <input inputMode="numeric" size={9} placeholder="id" value={jumpText} onChange={(e) => setJumpText(e.target.value)} />
        </label>
        <button type="submit">Jump</button>
      </form>
      <datalist id="dl-event-types">
        {types.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <datalist id="dl-entity-types">
        {entities.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <datalist id="dl-projects">
        {projects.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
    </div>
  );
}

function EventTable(props: { events: EventView[]; filtered: boolean; selected: number | null; jump: { id: number; n: number } | null }) {
  const { events, filtered, selected, jump } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const followRef = useRef(follow);
  followRef.current = follow;
  const prevRef = useRef<{ events: EventView[]; scrollTop: number }>({ events, scrollTop: 0 });
  const newestSeen = useRef(0);

  const v = useVirtualizer({
    count: events.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    getItemKey: (i) => events[i]!.id,
    overscan: 12,
  });

  // Follow the tail, or keep the rows the user looks at in place while old ones drop off.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const prev = prevRef.current;
    if (follow) {
      el.scrollTop = el.scrollHeight;
      newestSeen.current = events[events.length - 1]?.id ?? 0;
    } else if (prev.events !== events && prev.events.length && events.length) {
      const topIndex = Math.floor(prev.scrollTop / ROW_H);
      const topEvent = prev.events[Math.min(topIndex, prev.events.length - 1)];
      if (topEvent) {
        const now = lowerBound(events, topEvent.id);
        if (now !== topIndex) el.scrollTop = prev.scrollTop + (now - topIndex) * ROW_H;
      }
    }
    prevRef.current = { events, scrollTop: el.scrollTop };
  }, [events, follow]);

  // "Jump to id": show the row (stop following). Only when asked, not on every batch.
  const showJumped = useEffectEvent((id: number) => {
    const i = lowerBound(events, id);
    if (events[i]?.id !== id) return;
    setFollow(false);
    requestAnimationFrame(() => v.scrollToIndex(i, { align: 'center' }));
  });
  useEffect(() => {
    if (jump) showJumped(jump.id);
  }, [jump]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    prevRef.current = { events, scrollTop: el.scrollTop };
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_H / 2 + 1;
    if (atBottom !== followRef.current) setFollow(atBottom);
  };

  const moveSelection = (delta: number | 'first' | 'last') => {
    const i = nextSelection(events, selected, delta);
    if (i < 0) return;
    selectEvent(events[i]!.id);
    if (i < events.length - 1) setFollow(false);
    v.scrollToIndex(i, { align: 'auto' });
  };

  // One handler for all rows (they stay cheap to render). Picking a row stops following,
  // or it would scroll away.
  const onClick = (e: MouseEvent) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('[data-event-id]');
    if (!row) return;
    const id = Number(row.dataset.eventId);
    selectEvent(id === selected ? null : id);
    if (id !== selected) setFollow(false);
  };

  const onKey = (e: KeyboardEvent) => {
    const map: Record<string, number | 'first' | 'last'> = { ArrowDown: 1, ArrowUp: -1, PageDown: 20, PageUp: -20, Home: 'first', End: 'last' };
    const d = map[e.key];
    if (d !== undefined) {
      e.preventDefault();
      moveSelection(d);
    } else if (e.key === 'Escape' && selected !== null) {
      e.preventDefault();
      selectEvent(null);
    }
  };

  const newCount = follow ? 0 : events.length - lowerBound(events, newestSeen.current + 1);
  const items = v.getVirtualItems();
  const activeRow = selected !== null && items.some((it) => events[it.index]?.id === selected) ? `event-row-${selected}` : undefined;

  return (
    <div
      className="event-table"
      role="grid"
      aria-label="Events"
      aria-readonly="true"
      aria-rowcount={events.length + 1}
      tabIndex={0}
      onKeyDown={onKey}
      aria-activedescendant={activeRow}
      aria-describedby="events-keys"
    >
      <span id="events-keys" className="sr-only">
        Arrow keys select an event, Escape closes its details.
      </span>
      <div className="row head" role="row" aria-rowindex={1}>
        <span role="columnheader">Id</span>
        <span role="columnheader" title="Local time">
          Time ({zoneName()})
        </span>
        <span role="columnheader">Type</span>
        <span role="columnheader">Entity</span>
        <span role="columnheader" className="c-attr">
          Attribute
        </span>
        <span role="columnheader" className="c-user">
          User
        </span>
        <span role="columnheader">Project</span>
        <span role="columnheader">Plugins</span>
      </div>
      <div className="scroll" ref={scrollRef} onScroll={onScroll} onClick={onClick} role="rowgroup">
        {events.length === 0 ? (
          <p className="empty">{filtered ? 'No events match the filters.' : 'No events yet.'}</p>
        ) : (
          <div style={{ height: v.getTotalSize(), position: 'relative' }}>
            {items.map((it) => {
              const e = events[it.index]!;
              return <EventRow key={e.id} event={e} index={it.index} top={it.start} selected={e.id === selected} />;
            })}
          </div>
        )}
      </div>
      <div className="table-foot">
        {follow ? (
          <span className="muted">Following new events</span>
        ) : (
          <button className="primary" aria-label="Jump to latest" onClick={() => setFollow(true)}>
            Jump to latest{newCount > 0 ? ` (${count(newCount)} new)` : ''}
          </button>
        )}
      </div>
    </div>
  );
}

const EventRow = memo(function EventRow(props: { event: EventView; index: number; top: number; selected: boolean }) {
  const { event: e, index, top, selected } = props;
  const outcomes = Object.entries(e.outcomes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div
      id={`event-row-${e.id}`}
      className={`row${selected ? ' selected' : ''}${index % 2 ? ' odd' : ''}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-event-id={e.id}
      style={{ transform: `translateY(${top}px)` }}
    >
      <span role="gridcell" className="num">
        {e.id}
        {e.late && (
          <span className="badge badge-late" title="Arrived after later events (filled a gap)">
            late
          </span>
        )}
      </span>
      <span role="gridcell" title={dateTime(e.created_at)}>
        {clock(e.created_at)}
      </span>
      <span role="gridcell" title={e.event_type}>
        {e.event_type}
      </span>
      <span role="gridcell" title={link(e.entity)}>
        {link(e.entity)}
      </span>
      <span role="gridcell" className="c-attr">
        {e.attribute_name ?? ''}
      </span>
      <span role="gridcell" className="c-user">
        {linkName(e.user)}
      </span>
      <span role="gridcell">{linkName(e.project)}</span>
      <span role="gridcell" className="chips">
        {outcomes.map(([p, o]) => (
          <OutcomeChip key={p} plugin={p} outcome={o} />
        ))}
      </span>
    </div>
  );
});
