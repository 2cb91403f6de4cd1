/** History over REST: a user's threads, their messages, and a run's events into the timeline. */
import { useState } from 'react';
import type { MessageRecordDto, ThreadSummary } from '../../protocol/index.ts';
import type { ReceivedEnvelope } from '../../client/flowscope-connection.ts';
import { actions, rest, useConsole } from './console-store.ts';

export function HistoryPanel() {
  const { users } = useConsole();
  const [userId, setUserId] = useState('');
  const [threads, setThreads] = useState<ThreadSummary[] | null>(null);
  const [openThread, setOpenThread] = useState<string | null>(null);
  const [messages, setMessages] = useState<MessageRecordDto[]>([]);
  const [error, setError] = useState<string | null>(null);
  const user = users.find((u) => u.userId === userId) ?? users[0];

  const guard = async (fn: () => Promise<void>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const loadThreads = () =>
    guard(async () => {
      if (!user) return;
      setThreads(await rest().listThreads(user.token));
      setOpenThread(null);
    });
  const loadMessages = (threadId: string) =>
    guard(async () => {
      if (!user) return;
      setOpenThread(threadId);
      setMessages(await rest().listMessages(user.token, threadId));
    });
  const loadRun = (runId: string) =>
    guard(async () => {
      if (!user) return;
      const events = await rest().getRunEvents(user.token, runId);
      actions.loadRun(user.userId, runId, events as unknown as ReceivedEnvelope[]);
    });

  return (
    <section className="panel history-panel" data-testid="history-panel">
      <header className="panel-head">
        <h2>History</h2>
        <div className="filters">
          <select data-testid="history-user" value={user?.userId ?? ''} onChange={(e) => setUserId(e.target.value)} aria-label="history user">
            {users.map((u) => (
              <option key={u.userId} value={u.userId}>
                {u.userId}
              </option>
            ))}
          </select>
          <button data-testid="history-load" onClick={() => void loadThreads()} disabled={!user}>
            Load threads
          </button>
        </div>
      </header>
      {error && <div className="error-text">{error}</div>}
      <ul className="threads">
        {threads?.length === 0 && <li className="muted">No threads.</li>}
        {threads?.map((t) => (
          <li key={t.id} data-testid="history-thread" data-thread-id={t.id}>
            <div className={`thread-line ${openThread === t.id ? 'open' : ''}`} onClick={() => void loadMessages(t.id)}>
              <span className="title">{t.title}</span>
              <span className="muted">
                {t.message_count} msg · {new Date(t.updated_at).toLocaleTimeString()}
              </span>
            </div>
            {openThread === t.id && (
              <ul className="messages">
                {messages.map((m) => (
                  <li key={m.id} data-testid="history-message">
                    <span className="content">{m.content.slice(0, 120)}</span>
                    <button className="chip" data-testid="history-run" onClick={() => void loadRun(m.run_id)} title={m.run_id}>
                      run · <span className={`status-text ${m.run_status}`}>{m.run_status}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
