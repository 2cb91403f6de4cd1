/**
 * Everything every connection received: filters by user, type, run, thread and text; pause;
 * a virtualized list capped at a configurable number of events (the dropped ones counted),
 * newest first, following the newest unless the user scrolled away ("N new" jumps back);
 * export of the log (JSON lines, HAR). Clear empties the list, not the timelines.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { SERVER_EVENT_TYPES } from '../../../../protocol/index.ts';
import { getConnections, trafficLog, useConnections } from '../users/index.ts';
import { eventLogActions as actions, useEventLog } from './event-log-store.ts';
import type { StreamEvent } from './stream-event.ts';
import { collectIds, filterEvents, isFilterActive, runIdOf, shortId, type IdChoice } from './event-filter.ts';
import { EventRow } from './event-row.tsx';
import { afterScroll, countNewer, FOLLOWING, unseenCount, type FollowState } from './follow.ts';
import { isRunInProgress, useRunsVersion } from './run-control.ts';
import './live-events.css';
import { useThrottled } from '../../ui/use-throttled.ts';
import { downloadText, liveLogHar, liveLogJsonLines } from './live-log-export.ts';

/** A row's height: the line, and when expanded its JSON (at most the 320 px the style allows) and actions. */
export function rowHeight(e: StreamEvent, expanded: boolean): number {
  if (!expanded) return ROW_HEIGHT;
  const lines = JSON.stringify(e.envelope, null, 2).split('\n').length;
  return ROW_HEIGHT + 26 + Math.min(320, lines * 15 + 16) + 1;
}
const ROW_HEIGHT = 27;

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);

/** A select lists at most this many ids, most recently active first (the rest stay reachable by clicking). */
const MAX_CHOICES = 200;

/** The choices for an id select, keeping the current selection listed even once its events are gone. */
function withSelected(choices: IdChoice[], selected: string): IdChoice[] {
  const shown = choices.length > MAX_CHOICES ? choices.slice(0, MAX_CHOICES) : choices;
  if (!selected || shown.some((c) => c.id === selected)) return shown;
  return [choices.find((c) => c.id === selected) ?? { id: selected, userId: '', count: 0 }, ...shown];
}

function choiceLabel(c: IdChoice): string {
  return `${shortId(c.id)}${c.userId ? ` · ${c.userId}` : ''} · ${c.count}`;
}

export function EventStreamPanel() {
  const { events, eventFilter: filter, dropped, eventCap } = useEventLog((s) => s);
  const users = useConnections((s) => s.users);
  const [frozen, setFrozen] = useState<StreamEvent[] | null>(null);
  const [expanded, setExpanded] = useState<Set<number>>(() => new Set());
  const scroller = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState<FollowState>(FOLLOWING);
  const runsVersion = useRunsVersion();

  const source = frozen ?? events;
  const rows = useMemo(() => filterEvents(source, filter), [source, filter]);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const followRef = useRef(follow);
  followRef.current = follow;
  /** The newest row's key at the last render: the rows above it are the ones that arrived since. */
  const topKey = useRef<number | null>(null);
  const unseen = unseenCount(rows, follow);
  const { userId, threadId } = filter;
  // The id selects are refreshed at most every 500 ms: hundreds of options relabelled on every
  // frame of a flood would cost more than the whole list.
  const idSource = useThrottled(source, 500);
  const ids = useMemo(() => collectIds(idSource, { userId, threadId }), [idSource, userId, threadId]);
  const runChoices = withSelected(ids.runs, filter.runId);
  const threadChoices = withSelected(ids.threads, filter.threadId);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    // Sizes are computed, never measured: measuring each row forces a layout per row per frame.
    estimateSize: (i) => rowHeight(rows[i]!, expanded.has(rows[i]!.key)),
    // a few rows beyond the view: in a flood every row in view is replaced each render, and
    // each row more is DOM, style and layout work on every one of them
    overscan: 4,
    getItemKey: (i) => rows[i]!.key,
  });

  // the sizes are computed from `expanded`: a toggle changes them
  useEffect(() => virtualizer.measure(), [expanded]);

  // Scrolled away: the rows in view stay in view as new ones arrive above them (following, the
  // list stays at the top, where the newest event is).
  useLayoutEffect(() => {
    const previous = topKey.current;
    topKey.current = rows[0]?.key ?? null;
    const el = scroller.current;
    if (!el || followRef.current.following) return;
    const added = countNewer(rows, previous);
    if (added > 0) el.scrollTop += added * ROW_HEIGHT;
  }, [rows]);

  // Another filter shows other rows: back to the newest.
  useLayoutEffect(() => {
    setFollow(FOLLOWING);
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [filter]);

  const jumpToNewest = () => {
    setFollow(FOLLOWING);
    if (scroller.current) scroller.current.scrollTop = 0;
  };

  const toggle = useCallback(
    (key: number) =>
      setExpanded((prev) => {
        const next = new Set(prev);
        if (next.has(key)) next.delete(key);
        else next.add(key);
        return next;
      }),
    [],
  );

  // Cancel on one row per run in progress, its newest (rows are newest first): on every row it
  // would crowd out the summaries of a busy run.
  const cancelRowOf = useMemo(() => {
    const newest = new Map<string, number>();
    for (const row of rows) {
      if (row.source !== 'live') continue;
      const runId = runIdOf(row.envelope);
      if (runId !== null && !newest.has(runId) && isRunInProgress(runId)) newest.set(runId, row.key);
    }
    return newest;
    // runsVersion: a run starting or ending changes which runs are in progress
  }, [rows, runsVersion]);
  return (
    <section className="panel events-panel" data-testid="event-stream">
      <header className="panel-head">
        <h2>
          Live events{' '}
          <span className="count">
            {rows.length}/{events.length}
          </span>
          {dropped > 0 && (
            <span className="dropped" data-testid="events-dropped" data-dropped={dropped} title={`the live list keeps the newest ${eventCap} events`}>
              {dropped} dropped
            </span>
          )}
        </h2>
        <div className="filters">
          <select
            data-testid="filter-user"
            value={filter.userId}
            onChange={(e) => actions.setEventFilter({ userId: e.target.value })}
            aria-label="filter by user"
          >
            <option value="">all users</option>
            {users.map((u) => (
              <option key={u.userId} value={u.userId}>
                {u.userId}
              </option>
            ))}
          </select>
          <select data-testid="filter-type" value={filter.type} onChange={(e) => actions.setEventFilter({ type: e.target.value })} aria-label="filter by type">
            <option value="">all types</option>
            {[...SERVER_EVENT_TYPES, '(unparseable)'].map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <select
            data-testid="filter-thread"
            className={`id-filter${filter.threadId ? ' active' : ''}`}
            value={filter.threadId}
            onChange={(e) => actions.setEventFilter({ threadId: e.target.value })}
            aria-label="filter by thread"
            title={filter.threadId || 'all threads'}
          >
            <option value="">all threads</option>
            {threadChoices.map((c) => (
              <option key={c.id} value={c.id}>
                {choiceLabel(c)}
              </option>
            ))}
          </select>
          <select
            data-testid="filter-run"
            className={`id-filter${filter.runId ? ' active' : ''}`}
            value={filter.runId}
            onChange={(e) => actions.setEventFilter({ runId: e.target.value })}
            aria-label="filter by run"
            title={filter.runId || 'all runs'}
          >
            <option value="">all runs</option>
            {runChoices.map((c) => (
              <option key={c.id} value={c.id}>
                {choiceLabel(c)}
              </option>
            ))}
          </select>
          <input data-testid="filter-text" placeholder="search…" value={filter.query} onChange={(e) => actions.setEventFilter({ query: e.target.value })} />
          <button data-testid="pause-toggle" className={frozen ? 'warn' : ''} onClick={() => setFrozen(frozen ? null : events)}>
            {frozen ? 'Resume' : 'Pause'}
          </button>
          {isFilterActive(filter) && (
            <button data-testid="filter-reset" className="ghost" onClick={() => actions.resetEventFilter()} title="show every event">
              Reset filters
            </button>
          )}
          <button
            className="ghost"
            data-testid="events-clear"
            onClick={() => actions.clearEvents()}
            title="empty the live list (the timelines keep their runs)"
          >
            Clear
          </button>
          <label className="cap" title="events kept in the live list; older ones are dropped (and counted)">
            keep
            <input
              data-testid="event-cap"
              type="number"
              min={100}
              step={1000}
              defaultValue={eventCap}
              onBlur={(e) => actions.setEventCap(Number(e.target.value))}
              onKeyDown={(e) => {
                if (e.key === 'Enter') actions.setEventCap(Number((e.target as HTMLInputElement).value));
              }}
            />
          </label>
          <button
            data-testid="export-jsonl"
            title="download what was sent and received, one JSON object per line"
            onClick={() => downloadText(liveLogJsonLines(trafficLog()), `flowscope-live-${stamp()}.jsonl`, 'application/x-ndjson')}
          >
            JSONL
          </button>
          <button
            data-testid="export-har"
            title="download what was sent and received as a HAR file (opens in DevTools, imports as a scenario)"
            onClick={() => {
              const { baseUrl, users: list } = getConnections();
              const transportOf = (id: string) => list.find((u) => u.userId === id)?.transport ?? 'socketio';
              downloadText(liveLogHar(trafficLog(), baseUrl, transportOf), `flowscope-live-${stamp()}.har`, 'application/json');
            }}
          >
            HAR
          </button>
        </div>
      </header>
      {unseen > 0 && (
        <button className="events-new" data-testid="events-new" data-count={unseen} onClick={jumpToNewest} title="back to the newest event">
          ↑ {unseen} new
        </button>
      )}
      <div
        className="event-list"
        data-testid="event-list"
        data-following={follow.following ? 'true' : 'false'}
        ref={scroller}
        onScroll={(e) => {
          const next = afterScroll(followRef.current, e.currentTarget.scrollTop, rowsRef.current[0]?.key ?? null);
          if (next !== followRef.current) setFollow(next);
        }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const e = rows[item.index]!;
            return (
              <div
                // Following, every row in view is a new event at each render of a flood: keyed by
                // position, the row elements are updated in place instead of made anew (no DOM
                // churn, no style for new elements). Scrolled away, the rows in view stay the same
                // events and keep their elements by event.
                key={follow.following ? `at-${item.index}` : item.key}
                data-index={item.index}
                className="event-slot"
                style={{ position: 'absolute', top: 0, left: 0, width: '100%', height: item.size, transform: `translateY(${item.start}px)` }}
              >
                <EventRow
                  event={e}
                  expanded={expanded.has(e.key)}
                  onToggle={toggle}
                  focusedRun={filter.runId}
                  onFocusRun={actions.toggleRunFocus}
                  running={cancelRowOf.get(runIdOf(e.envelope) ?? '') === e.key}
                />
              </div>
            );
          })}
        </div>
        {rows.length === 0 && <div className="muted pad">No events{frozen ? ' (paused)' : ''}.</div>}
      </div>
    </section>
  );
}
