/**
 * One received envelope: a summary line (the server's time with milliseconds, the delta since
 * the previous event of its run by server time; the receive time in the tooltip and the
 * details), expanded to its JSON by a click anywhere on the row; its run chip keeps its own
 * action (focus the stream on that run), and a run in progress has Cancel.
 */
import { memo } from 'react';
import type { StreamEvent } from './stream-event.ts';
import { CopyButton } from '../../ui/copy-button.tsx';
import { CancelRunButton } from './cancel-button.tsx';
import { runIdOf, shortId, threadIdOf } from './event-filter.ts';
import { serverTimeOf } from './event-time.ts';
import { summarize } from './event-summary.ts';
import { formatClock, formatGap } from '../../ui/time-format.ts';

interface Props {
  event: StreamEvent;
  expanded: boolean;
  /** Expands or folds the row (given the event's key). */
  onToggle(key: number): void;
  /** The run the stream is filtered to ('' for none). */
  focusedRun?: string;
  /** Show only this run (or all runs again when it is the focused one), for its user. */
  onFocusRun?(runId: string, userId: string): void;
  /** The event's run is in progress (the row offers Cancel). */
  running?: boolean;
  /** Where the row sits in the virtualized list (px from the top) and its height: the row is its own slot. */
  top: number;
  height: number;
  /** Its index in the list (the virtualizer's). */
  index: number;
}

/** Memoized: in a flood the list re-renders every few frames, and the rows that did not change are skipped. */
export const EventRow = memo(function EventRow({ event, expanded, onToggle, focusedRun, onFocusRun, running = false, top, height, index }: Props) {
  const env = event.envelope;
  const serverAt = event.serverAt === undefined ? serverTimeOf(env) : event.serverAt;
  const timeTitle =
    serverAt === null
      ? `received ${formatClock(event.receivedAt)} (the event has no server timestamp)`
      : `server ${formatClock(serverAt)} · received ${formatClock(event.receivedAt)} (${event.receivedAt - serverAt} ms later)`;
  const code = env.type === 'error' ? String((env.payload as { code?: unknown } | undefined)?.code ?? '') : undefined;
  const runId = runIdOf(env);
  const focused = runId !== null && runId === focusedRun;
  return (
    <div
      // the row is the list's slot (one element fewer per row, each row made anew at every render of a flood)
      className={`event-slot event-row${expanded ? ' expanded' : ''}`}
      style={{ height, transform: `translateY(${top}px)` }}
      data-index={index}
      data-testid="event-row"
      data-user={event.userId}
      data-type={env.type}
      data-code={code}
      data-run-id={runId ?? undefined}
      data-thread-id={threadIdOf(env) ?? undefined}
      data-expanded={expanded ? 'true' : 'false'}
      onClick={() => onToggle(event.key)}
    >
      <div className="event-line">
        <span className="caret">{expanded ? '▾' : '▸'}</span>
        <span className="time" data-testid="event-time" title={timeTitle} data-server-at={serverAt ?? undefined} data-received-at={event.receivedAt}>
          {formatClock(serverAt ?? event.receivedAt)}
        </span>
        <span className="delta" data-testid="event-delta" title="since the previous event of this run, by server time">
          {event.deltaMs !== undefined ? formatGap(event.deltaMs) : ''}
        </span>
        <span className="tag" title={event.userId}>
          {event.userId}
        </span>
        {/* the type's colour on the type alone: a class on the row would restyle the whole row when its type changes */}
        <span className={`etype type-${env.type}`}>{env.type}</span>
        {runId !== null && onFocusRun && (
          <button
            className={`chip run-chip${focused ? ' active' : ''}`}
            data-testid="event-run-filter"
            title={focused ? `${runId}: show all runs` : `${runId}: show only this run`}
            onClick={(e) => {
              e.stopPropagation();
              onFocusRun(runId, event.userId);
            }}
          >
            {shortId(runId)}
          </button>
        )}
        <span className="summary">{summarize(env)}</span>
        {running && runId !== null && <CancelRunButton userId={event.userId} runId={runId} testId="event-cancel-run" />}
      </div>
      {expanded && (
        <div className="event-detail" onClick={(e) => e.stopPropagation()}>
          <div className="event-actions">
            <CopyButton text={() => JSON.stringify(env, null, 2)} label="Copy JSON" testId="copy-event-json" />
            {runId && <CopyButton text={runId} label="Copy run id" testId="copy-run-id" />}
            <span className="muted" data-testid="event-received">
              {timeTitle}
            </span>
          </div>
          <pre className="event-json">{JSON.stringify(env, null, 2)}</pre>
        </div>
      )}
    </div>
  );
});
