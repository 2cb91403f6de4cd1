/**
 * Messages sent, newest first, each with what became of it: acked (run id, queue position,
 * the server's id when the message had none), duplicate (the original run), pong, the error
 * code and its whole message (wrapped), a cancel's run (sent with no ack expected, then
 * cancelled, already finished or still running), or no answer (the connection closed, the page
 * was reloaded). Click a line to load its text back into the editor.
 */
import { eventLogActions as actions, shortId } from '../live-events/index.ts';
import { useSends } from './sends-store.ts';
import type { SentMessage } from './send-outcome.ts';
import { CopyButton } from '../../ui/copy-button.tsx';
import { formatClock } from '../../ui/time-format.ts';

function RunChip({ runId, userId, title }: { runId: string; userId: string; title: string }) {
  return (
    <button className="chip run-chip" title={title} onClick={(e) => (e.stopPropagation(), actions.toggleRunFocus(runId, userId))}>
      {shortId(runId)}
    </button>
  );
}

function cancelText(o: Extract<SentMessage['outcome'], { kind: 'cancel' }>): string {
  switch (o.result) {
    case 'sent':
      return 'waiting to see what becomes of the run';
    case 'running':
      return 'still running: cancel requested, waiting for its end';
    case 'cancelled':
      return 'cancelled';
    case 'finished':
      return o.endedBefore ? `had already finished (${o.status ?? '?'})` : `ended ${o.status ?? '?'} before the cancel took effect`;
  }
}

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
          {o.serverId && (
            <>
              {' '}
              · server id{' '}
              <span className="server-id" data-testid="sent-server-id">
                {o.serverId}
              </span>
            </>
          )}
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
          {after}
        </span>
      );
    case 'cancel':
      return (
        <span
          className={`outcome ${o.result === 'cancelled' ? 'ok' : o.result === 'finished' ? 'warn' : 'pending'}`}
          data-testid="sent-outcome"
          data-kind="cancel"
          data-result={o.result}
          data-run-id={o.runId}
        >
          sent, no ack expected · run <RunChip runId={o.runId} userId={s.userId} title={`${o.runId}: show only this run`} /> {cancelText(o)}
        </span>
      );
    case 'no-ack':
      return (
        <span className="outcome ok" data-testid="sent-outcome" data-kind="no-ack">
          sent, no ack expected (the run's events follow)
        </span>
      );
    case 'unanswered':
      return (
        <span className="outcome warn" data-testid="sent-outcome" data-kind="unanswered" data-reason={o.reason}>
          no answer: {o.reason === 'closed' ? 'the connection closed before it came' : 'the page was reloaded before it came'} (it may still have been accepted:
          see History)
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
