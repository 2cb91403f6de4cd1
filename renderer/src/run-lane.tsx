/** One run: event markers on a time axis with the gaps in ms, the five-event checklist, status. */
import { RUN_EVENT_TYPES } from '../../protocol/index.ts';
import type { RunLaneModel } from './run-model.ts';

const SHORT: Record<string, string> = {
  agent_started: 'start',
  agent_thinking: 'think',
  tool_executing: 'tool▶',
  tool_completed: 'tool✓',
  agent_completed: 'done',
};

export function RunLane({ lane }: { lane: RunLaneModel }) {
  const first = lane.events[0]?.at ?? 0;
  const last = lane.events[lane.events.length - 1]?.at ?? first;
  const span = Math.max(1, last - first);
  const bad = lane.status === 'failed' || lane.status === 'cancelled' || lane.status === 'interrupted';
  return (
    <div
      className={`run-lane status-${lane.status} ${bad ? 'bad' : ''}`}
      data-testid="run-lane"
      data-run-id={lane.runId}
      data-user={lane.userId}
      data-status={lane.status}
    >
      <div className="lane-head">
        <span className="tag">{lane.userId}</span>
        <code className="run-id">{lane.runId}</code>
        {lane.source === 'history' && <span className="muted">history</span>}
        <span className={`status-pill ${lane.status}`} data-testid="run-status">
          {lane.status}
        </span>
        <span className="muted">{span} ms</span>
      </div>
      <div className="axis">
        {lane.events.map(({ event, at }, i) => {
          const prev = lane.events[i - 1];
          // Markers keep their order evenly spaced (bursts stay readable), nudged by real time.
          const n = lane.events.length;
          const left = n === 1 ? 0 : (0.8 * i) / (n - 1) * 100 + ((at - first) / span) * 20;
          return (
            <div
              key={event.key}
              className={`marker m-${event.envelope.type}`}
              style={{ left: `${Math.min(100, left)}%` }}
              title={`${event.envelope.type} seq ${String(event.envelope.seq)} at +${at - first} ms`}
            >
              <span className="dot" />
              <span className="mlabel">{SHORT[event.envelope.type] ?? event.envelope.type}</span>
              {prev && <span className="gap">+{at - prev.at}ms</span>}
            </div>
          );
        })}
      </div>
      <div className="checklist">
        {RUN_EVENT_TYPES.map((t) => (
          <span key={t} className={lane.seen[t] ? 'yes' : 'no'} data-testid={`check-${t}`} data-ok={lane.seen[t] ? 'true' : 'false'}>
            {lane.seen[t] ? '✓' : '✗'} {t}
          </span>
        ))}
      </div>
      {(lane.response || lane.error) && (
        <div className={`final ${lane.error ? 'error-text' : ''}`} data-testid="run-response">
          {lane.error ?? lane.response}
        </div>
      )}
    </div>
  );
}
