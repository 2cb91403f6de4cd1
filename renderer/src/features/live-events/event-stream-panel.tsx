/**
 * Everything every connection received: filters by user, type, run, thread and text; pause;
 * a virtualized list capped at a configurable number of events (the dropped ones counted),
 * newest first, following the newest unless the user scrolled away ("N new" jumps back);
 * export of the log (JSON lines, HAR). Clear empties the list, not the timelines.
 */
import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { SERVER_EVENT_TYPES } from '../../../../protocol/index.ts';
import { getConnections, trafficLog, useConnections } from '../users/index.ts';
import { eventLogActions as actions, useEventLog } from './event-log-store.ts';
import type { StreamEvent } from './stream-event.ts';
import { collectIds, isFilterActive, runIdOf, shortId, type IdChoice } from './event-filter.ts';
import { FilteredRows, indexOfKey, listWindow, ROW_HEIGHT } from './list-rows.ts';
import { EventRow } from './event-row.tsx';
import { afterScroll, countNewer, FOLLOWING, unseenCount, type FollowState } from './follow.ts';
import { isRunInProgress, useRunsVersion } from './run-control.ts';
import './live-events.css';
import { useThrottled } from '../../ui/use-throttled.ts';
import { useScrollWindow } from '../../ui/use-scroll-window.ts';
import { downloadText, liveLogHar, liveLogJsonLines } from './live-log-export.ts';

/** A row's height: the line, and when expanded its JSON (at most the 320 px the style allows) and actions. */
export function rowHeight(e: StreamEvent, expanded: boolean): number {
  if (!expanded) return ROW_HEIGHT;
  const lines = JSON.stringify(e.envelope, null, 2).split('\n').length;
  return ROW_HEIGHT + 26 + Math.min(320, lines * 15 + 16) + 1;
}

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

const pickThread = (threadId: string) => actions.setEventFilter({ threadId });
const pickRun = (runId: string) => actions.setEventFilter({ runId });

/** A run or thread select (memoized: in a flood the list renders five times a second, its options need not). */
const IdSelect = memo(function IdSelect(props: {
  testId: string;
  label: string;
  allLabel: string;
  value: string;
  choices: IdChoice[];
  onPick(id: string): void;
  /** The user reaches for it (focus or press): its options are brought up to date first. */
  onEngage(): void;
}) {
  const { value } = props;
  return (
    <select
      data-testid={props.testId}
      onFocus={props.onEngage}
      onPointerDown={props.onEngage}
      className={`id-filter${value ? ' active' : ''}`}
      value={value}
      onChange={(e) => props.onPick(e.target.value)}
      aria-label={props.label}
      title={value || props.allLabel}
    >
      <option value="">{props.allLabel}</option>
      {props.choices.map((c) => (
        <option key={c.id} value={c.id}>
          {choiceLabel(c)}
        </option>
      ))}
    </select>
  );
});

export function EventStreamPanel() {
  const { events, eventFilter: filter, dropped, eventCap, flooding } = useEventLog((s) => s);
  const users = useConnections((s) => s.users);
  const [frozen, setFrozen] = useState<StreamEvent[] | null>(null);
  const [expanded, setExpanded] = useState<Set<number>>(() => new Set());
  const scroller = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState<FollowState>(FOLLOWING);
  // re-renders when a live run starts or ends: which rows offer Cancel is decided at each render
  useRunsVersion();

  const source = frozen ?? events;
  // the rows, newest first, kept across updates (list-rows.ts): no pass over the whole log per update
  const filtered = useRef<FilteredRows | null>(null);
  filtered.current ??= new FilteredRows();
  const rows = filtered.current.rows(source, filter);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const followRef = useRef(follow);
  followRef.current = follow;
  /** The newest row's key at the last render: the rows above it are the ones that arrived since. */
  const topKey = useRef<number | null>(null);
  const unseen = unseenCount(rows, follow);
  const { userId, threadId } = filter;
  // The id selects are refreshed at most every 500 ms: hundreds of options relabelled on every
  // frame of a flood would cost more than the whole list. In a flood they hold still (each
  // refresh re-sorts and relabels up to 400 options, a long frame of its own) until the user
  // reaches for one of them (focus or press: the options are brought up to date before it opens).
  const throttled = useThrottled(source, 500);
  const heldIds = useRef(throttled);
  if (!flooding) heldIds.current = throttled;
  const [, setEngaged] = useState(0);
  const sourceRef = useRef(source);
  sourceRef.current = source;
  const engage = useCallback(() => {
    heldIds.current = sourceRef.current;
    setEngaged((n) => n + 1);
  }, []);
  const idSource = flooding ? heldIds.current : throttled;
  const ids = useMemo(() => collectIds(idSource, { userId, threadId }), [idSource, userId, threadId]);
  // the same arrays until the ids or the selection change: the selects (up to 200 options each)
  // are then not rendered again with the list
  const runChoices = useMemo(() => withSelected(ids.runs, filter.runId), [ids, filter.runId]);
  const threadChoices = useMemo(() => withSelected(ids.threads, filter.threadId), [ids, filter.threadId]);

  // The window in view, from the scroll position and the viewport's height (sizes are computed,
  // never measured: measuring each row forces a layout per row per frame). One row beyond the
  // view each side: in a flood every row in view is replaced each render, and each row more is
  // DOM, style, layout and paint work on every one of them.
  const { scrollTop, setScrollTop, viewport } = useScrollWindow(scroller);
  const tall: Array<{ index: number; height: number }> = [];
  for (const key of expanded) {
    const index = indexOfKey(rows, key);
    if (index >= 0) tall.push({ index, height: rowHeight(rows.at(index)!, true) });
  }
  tall.sort((a, b) => a.index - b.index);
  const view = listWindow(rows.length, tall, scrollTop, viewport, 1);
  const shown = view.items.map((item) => rows.at(item.index)!);

  // Scrolled away: the rows in view stay in view as new ones arrive above them (following, the
  // list stays at the top, where the newest event is).
  useLayoutEffect(() => {
    const previous = topKey.current;
    topKey.current = rows.at(0)?.key ?? null;
    const el = scroller.current;
    if (!el || followRef.current.following) return;
    const added = countNewer(rows, previous);
    if (added > 0) {
      el.scrollTop += added * ROW_HEIGHT;
      setScrollTop(el.scrollTop);
    }
  }, [rows]);

  // Another filter shows other rows: back to the newest.
  useLayoutEffect(() => {
    setFollow(FOLLOWING);
    setScrollTop(0);
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [filter]);

  const jumpToNewest = () => {
    setFollow(FOLLOWING);
    setScrollTop(0);
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
  // would crowd out the summaries of a busy run. Only the rows in view are asked, each against
  // the rows above it (following, the window is at the top: a few dozen rows).
  const firstInView = view.items[0]?.index ?? 0;
  const newest = new Map<string, number>();
  const consider = (row: StreamEvent) => {
    if (row.source !== 'live') return;
    const runId = runIdOf(row.envelope);
    if (runId !== null && !newest.has(runId) && isRunInProgress(runId)) newest.set(runId, row.key);
  };
  for (let i = 0; i < firstInView; i++) consider(rows.at(i)!);
  for (const row of shown) consider(row);
  const cancelRowOf = newest;
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
          <IdSelect
            testId="filter-thread"
            label="filter by thread"
            allLabel="all threads"
            value={filter.threadId}
            choices={threadChoices}
            onPick={pickThread}
            onEngage={engage}
          />
          <IdSelect
            testId="filter-run"
            label="filter by run"
            allLabel="all runs"
            value={filter.runId}
            choices={runChoices}
            onPick={pickRun}
            onEngage={engage}
          />
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
          const top = e.currentTarget.scrollTop;
          setScrollTop(top);
          const next = afterScroll(followRef.current, top, rowsRef.current.at(0)?.key ?? null);
          if (next !== followRef.current) setFollow(next);
        }}
      >
        <div className="event-rows" style={{ height: view.total, position: 'relative' }}>
          {view.items.map((item, slot) => {
            const e = shown[slot]!;
            return (
              <EventRow
                // Following, every row in view is a new event at each render of a flood: keyed by
                // position, the row elements are updated in place instead of made anew (no DOM
                // churn, no style for new elements). Scrolled away, the rows in view stay the same
                // events and keep their elements by event.
                key={follow.following ? `at-${item.index}` : e.key}
                index={item.index}
                top={item.top}
                height={item.height}
                event={e}
                expanded={expanded.has(e.key)}
                onToggle={toggle}
                focusedRun={filter.runId}
                onFocusRun={actions.toggleRunFocus}
                running={cancelRowOf.get(runIdOf(e.envelope) ?? '') === e.key}
              />
            );
          })}
        </div>
        {rows.length === 0 && <div className="muted pad">No events{frozen ? ' (paused)' : ''}.</div>}
      </div>
    </section>
  );
}
