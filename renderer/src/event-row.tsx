/** One received envelope: a summary line, expandable to its JSON; its run id focuses the stream on that run. */
import type { StreamEvent } from './console-store.ts';
import { runIdOf, shortId, threadIdOf } from './event-filter.ts';
import { summarize } from './event-summary.ts';

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
      className={`event-row type-${env.type}`}
      data-testid="event-row"
      data-user={event.userId}
      data-type={env.type}
      data-code={code}
      data-run-id={runId ?? undefined}
      data-thread-id={threadIdOf(env) ?? undefined}
    >
      <div className="event-line" onClick={onToggle}>
        <span className="caret">{expanded ? '▾' : '▸'}</span>
        <span className="time">{new Date(event.receivedAt).toLocaleTimeString()}</span>
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
      {expanded && <pre className="event-json">{JSON.stringify(env, null, 2)}</pre>}
    </div>
  );
}
