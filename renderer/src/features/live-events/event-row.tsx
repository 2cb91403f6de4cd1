/**
 * One received envelope: a summary line (time with milliseconds, the delta since the previous
 * event of its run), expanded to its JSON by a click anywhere on the row; its run chip keeps
 * its own action (focus the stream on that run).
 */
import type { StreamEvent } from './stream-event.ts';
import { CopyButton } from '../../ui/copy-button.tsx';
import { runIdOf, shortId, threadIdOf } from './event-filter.ts';
import { summarize } from './event-summary.ts';
import { formatClock, formatDelta } from '../../ui/time-format.ts';

interface Props {
  event: StreamEvent;
  expanded: boolean;
  onToggle(): void;
  /** The run the stream is filtered to ('' for none). */
  focusedRun?: string;
  /** Show only this run (or all runs again when it is the focused one). */
  onFocusRun?(runId: string): void;
}

export function EventRow({ event, expanded, onToggle, focusedRun, onFocusRun }: Props) {
  const env = event.envelope;
  const code = env.type === 'error' ? String((env.payload as { code?: unknown } | undefined)?.code ?? '') : undefined;
  const runId = runIdOf(env);
  const focused = runId !== null && runId === focusedRun;
  return (
    <div
      className={`event-row type-${env.type}${expanded ? ' expanded' : ''}`}
      data-testid="event-row"
      data-user={event.userId}
      data-type={env.type}
      data-code={code}
      data-run-id={runId ?? undefined}
      data-thread-id={threadIdOf(env) ?? undefined}
      data-expanded={expanded ? 'true' : 'false'}
      onClick={onToggle}
    >
      <div className="event-line">
        <span className="caret">{expanded ? '▾' : '▸'}</span>
        <span className="time" data-testid="event-time">
          {formatClock(event.receivedAt)}
        </span>
        <span className="delta" data-testid="event-delta">
          {event.deltaMs !== undefined ? formatDelta(event.deltaMs) : ''}
        </span>
        <span className="tag">{event.userId}</span>
        <span className="etype">{env.type}</span>
        {runId !== null && onFocusRun && (
          <button
            className={`chip run-chip${focused ? ' active' : ''}`}
            data-testid="event-run-filter"
            title={focused ? `${runId}: show all runs` : `${runId}: show only this run`}
            onClick={(e) => {
              e.stopPropagation();
              onFocusRun(runId);
            }}
          >
            {shortId(runId)}
          </button>
        )}
        <span className="summary">{summarize(env)}</span>
      </div>
      {expanded && (
        <div className="event-detail" onClick={(e) => e.stopPropagation()}>
          <div className="event-actions">
            <CopyButton text={() => JSON.stringify(env, null, 2)} label="Copy JSON" testId="copy-event-json" />
            {runId && <CopyButton text={runId} label="Copy run id" testId="copy-run-id" />}
          </div>
          <pre className="event-json">{JSON.stringify(env, null, 2)}</pre>
        </div>
      )}
    </div>
  );
}
