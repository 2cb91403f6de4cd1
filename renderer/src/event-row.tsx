/** One received envelope: a summary line, expandable to its JSON. */
import type { StreamEvent } from './console-store.ts';
import { summarize } from './event-summary.ts';

interface Props {
  event: StreamEvent;
  expanded: boolean;
  onToggle(): void;
}

export function EventRow({ event, expanded, onToggle }: Props) {
  const env = event.envelope;
  const code = env.type === 'error' ? String((env.payload as { code?: unknown } | undefined)?.code ?? '') : undefined;
  return (
    <div className={`event-row type-${env.type}`} data-testid="event-row" data-user={event.userId} data-type={env.type} data-code={code}>
      <div className="event-line" onClick={onToggle}>
        <span className="caret">{expanded ? '▾' : '▸'}</span>
        <span className="time">{new Date(event.receivedAt).toLocaleTimeString()}</span>
        <span className="tag">{event.userId}</span>
        <span className="etype">{env.type}</span>
        <span className="summary">{summarize(env)}</span>
      </div>
      {expanded && <pre className="event-json">{JSON.stringify(env, null, 2)}</pre>}
    </div>
  );
}
