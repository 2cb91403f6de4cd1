/**
 * Messages sent from the composer, newest first, each with what became of it: acked (run id,
 * queue position), duplicate (the original run), pong, or the error code and its whole
 * message (wrapped). Click a line to load its text back into the editor.
 */
import { eventLogActions as actions, shortId } from '../live-events/index.ts';
import { useSends } from './sends-store.ts';
import type { SentMessage } from './send-outcome.ts';
import { CopyButton } from '../../ui/copy-button.tsx';
import { formatClock } from '../../ui/time-format.ts';

function Outcome({ s }: { s: SentMessage }) {
  const o = s.outcome;
  const after = s.answeredAt !== undefined ? ` · ${s.answeredAt - s.sentAt} ms` : '';
  switch (o.kind) {
    case 'pending':
      return (
        <span className="outcome pending" data-testid="sent-outcome" data-kind="pending">
          waiting…
        </span>
      );
    case 'acked':
      return (
        <span className="outcome ok" data-testid="sent-outcome" data-kind="acked" data-run-id={o.runId}>
          acked · run{' '}
          <button
            className="chip run-chip"
            title={`${o.runId}: show only this run`}
            onClick={(e) => (e.stopPropagation(), actions.toggleRunFocus(o.runId, s.userId))}
          >
            {shortId(o.runId)}
          </button>{' '}
          · queue {o.queuePosition}
          {after}
        </span>
      );
    case 'duplicate':
      return (
        <span className="outcome warn" data-testid="sent-outcome" data-kind="duplicate" data-run-id={o.runId}>
          duplicate of run{' '}
          <button
            className="chip run-chip"
            title={`${o.runId}: the original run`}
            onClick={(e) => (e.stopPropagation(), actions.toggleRunFocus(o.runId, s.userId))}
          >
            {shortId(o.runId)}
          </button>{' '}
          (not run again)
        </span>
      );
    case 'pong':
      return (
        <span className="outcome ok" data-testid="sent-outcome" data-kind="pong">
          pong{after}
        </span>
      );
    case 'error':
      return (
        <span className="outcome bad" data-testid="sent-outcome" data-kind="error" data-code={o.code}>
          <code>{o.code}</code> {o.message}
        </span>
      );
  }
}

export function SentHistory({ onLoad }: { onLoad(text: string): void }) {
  const sent = useSends((s) => s.sent);
  if (sent.length === 0) return null;
  return (
    <ul className="sent-history" data-testid="sent-history">
      {sent.map((s) => (
        <li key={s.key} data-testid="sent-line" data-message-id={s.messageId ?? undefined} onClick={() => onLoad(s.text)} title="load into editor">
          <div className="sent-head">
            <span className="time">{formatClock(s.sentAt)}</span>
            <span className="tag">{s.userId}</span>
            <code className="sent-text">{s.text.replace(/\s+/g, ' ').slice(0, 90)}</code>
            {s.messageId && <CopyButton text={s.messageId} label="id" title={`copy message_id ${s.messageId}`} testId="copy-message-id" />}
          </div>
          <Outcome s={s} />
        </li>
      ))}
    </ul>
  );
}
