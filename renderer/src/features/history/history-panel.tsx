/**
 * History over REST: a user's threads (loaded as soon as a user is chosen), a thread as the
 * whole conversation (each user message and the agent's answer, with its run's status, Cancel
 * while it runs), a past run's events into the timeline or as JSON (with a copy button). It
 * refreshes itself when a run of the user begins or ends (also one sent by another client: its
 * events reach this console's connection of the user), when the user's connection opens again
 * (after a backend restart), and every 10 s as a catch-all.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MessageRecordDto, RunEventEnvelope, RunSummary, ThreadSummary } from '../../../../protocol/index.ts';
import type { ReceivedEnvelope } from '../../../../client/flowscope-connection.ts';
import { useSends } from '../composer/index.ts';
import { CancelRunButton, nextEventKey, onEventBatch, type StreamEvent } from '../live-events/index.ts';
import { timelineActions } from '../timeline/index.ts';
import { getConnections, rest, useConnections } from '../users/index.ts';
import { CopyButton } from '../../ui/copy-button.tsx';
import { explainFailure } from '../../ui/fetch-problem.ts';
import { formatWhen } from '../../ui/time-format.ts';
import { batchChangesHistory, isCancellable, isReconnect } from './history-refresh.ts';

/** The catch-all refresh period (a user not connected, another client's traffic, a restart). */
const POLL_MS = 10_000;
/** Events of one burst refresh the history once. */
const DEBOUNCE_MS = 250;
/**
 * Runs that keep beginning and ending (a flood) refresh it at most this often: each refresh is
 * a request and a re-render of the history, four a second of them were a steady cost.
 */
const MIN_REFRESH_GAP_MS = 2000;

/** A past run's events into the timelines (beside the live runs). */
function loadIntoTimeline(userId: string, envelopes: readonly ReceivedEnvelope[]): void {
  const events: StreamEvent[] = envelopes.map((envelope) => ({ key: nextEventKey(), userId, receivedAt: Date.now(), envelope, source: 'history' }));
  timelineActions.addEvents(events);
}

export function HistoryPanel() {
  const { users, baseUrl } = useConnections((s) => ({ users: s.users, baseUrl: s.baseUrl }));
  const sent = useSends((s) => s.sent);
  const [userId, setUserId] = useState('');
  const [threads, setThreads] = useState<ThreadSummary[] | null>(null);
  const [openThread, setOpenThread] = useState<string | null>(null);
  const [messages, setMessages] = useState<MessageRecordDto[]>([]);
  const [answers, setAnswers] = useState<Record<string, RunSummary>>({});
  const [json, setJson] = useState<{ runId: string; events: RunEventEnvelope[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const user = users.find((u) => u.userId === userId) ?? users[0];
  const token = user?.token;

  const guard = async (fn: () => Promise<void>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError((await explainFailure(getConnections().baseUrl, err)).message);
    }
  };
  const loadThreads = useCallback(
    () =>
      guard(async () => {
        if (!token) return;
        setThreads(await rest().listThreads(token));
      }),
    [token, baseUrl],
  );
  const openRef = useRef<string | null>(null);
  openRef.current = openThread;
  /** The open thread's messages and their runs, again (the thread stays open). */
  const fetchThread = async (threadId: string) => {
    if (!user) return;
    const [list, runs] = await Promise.all([rest().listMessages(user.token, threadId), rest().listRuns(user.token, threadId)]);
    if (openRef.current !== threadId) return;
    setMessages(list);
    setAnswers(Object.fromEntries(runs.map((r) => [r.id, r])));
  };
  const refreshRef = useRef<() => void>(() => undefined);
  refreshRef.current = () => {
    void loadThreads();
    const open = openRef.current;
    if (open) void guard(() => fetchThread(open));
  };

  // a new run of this user (an ack) may be a new thread: the list follows
  const answered = sent.filter((s) => s.userId === user?.userId && s.outcome.kind === 'acked').length;
  useEffect(() => {
    if (answered > 0) void loadThreads();
  }, [answered]);
  useEffect(() => {
    setThreads(null);
    setOpenThread(null);
    setJson(null);
    if (token) void loadThreads();
  }, [token, baseUrl]);

  // runs of this user beginning or ending, whoever sent them; a reconnect; and a slow poll
  const shownUserId = user?.userId;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let lastRefresh = -Infinity;
    const off = onEventBatch((incoming) => {
      if (timer === null && batchChangesHistory(incoming, shownUserId)) {
        const wait = Math.max(DEBOUNCE_MS, lastRefresh + MIN_REFRESH_GAP_MS - Date.now());
        timer = setTimeout(() => {
          timer = null;
          lastRefresh = Date.now();
          refreshRef.current();
        }, wait);
      }
    });
    const poll = setInterval(() => refreshRef.current(), POLL_MS);
    return () => {
      off();
      clearInterval(poll);
      if (timer !== null) clearTimeout(timer);
    };
  }, [shownUserId]);
  const userState = user?.state;
  const lastState = useRef(userState);
  useEffect(() => {
    const previous = lastState.current;
    lastState.current = userState;
    if (isReconnect(previous, userState)) refreshRef.current();
  }, [userState]);

  const loadMessages = (threadId: string) =>
    guard(async () => {
      if (!user) return;
      if (openThread === threadId) return setOpenThread(null);
      setOpenThread(threadId);
      openRef.current = threadId;
      setMessages([]);
      setAnswers({});
      await fetchThread(threadId);
    });
  const loadRun = (runId: string) =>
    guard(async () => {
      if (!user) return;
      const events = await rest().getRunEvents(user.token, runId);
      loadIntoTimeline(user.userId, events as unknown as ReceivedEnvelope[]);
    });
  const showJson = (runId: string) =>
    guard(async () => {
      if (!user) return;
      if (json?.runId === runId) return setJson(null);
      setJson({ runId, events: await rest().getRunEvents(user.token, runId) });
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
          <button data-testid="history-load" onClick={() => void loadThreads()} disabled={!user} title="load the threads again">
            Refresh
          </button>
        </div>
      </header>
      {error && <div className="error-text wrap">{error}</div>}
      {users.length === 0 && (
        <div className="muted pad" data-testid="history-empty">
          Add a user (Users, left) to see their threads and past runs here.
        </div>
      )}
      <ul className="threads">
        {threads?.length === 0 && <li className="muted">No threads.</li>}
        {threads?.map((t) => (
          <li key={t.id} data-testid="history-thread" data-thread-id={t.id}>
            <div className={`thread-line ${openThread === t.id ? 'open' : ''}`} onClick={() => void loadMessages(t.id)}>
              <span className="title">{t.title}</span>
              <span className="muted">
                {t.message_count} msg · {formatWhen(Date.parse(t.updated_at))}
              </span>
            </div>
            {openThread === t.id && (
              <ul className="messages">
                {messages.map((m) => {
                  const run = answers[m.run_id];
                  const status = run?.status ?? m.run_status;
                  return (
                    <li key={m.id} data-testid="history-message" data-run-id={m.run_id}>
                      <div className="turn user-turn">
                        <span className="who">{m.user_id}</span>
                        <span className="content">{m.content}</span>
                      </div>
                      <div className={`turn agent-turn ${run?.error ? 'error-text' : ''}`} data-testid="history-answer">
                        <span className="who">{m.agent}</span>
                        <span className="content">{run ? (run.response ?? run.error ?? `(${run.status})`) : `(${status})`}</span>
                      </div>
                      <div className="turn-actions">
                        <button
                          className="chip"
                          data-testid="history-run"
                          data-status={status}
                          onClick={() => void loadRun(m.run_id)}
                          title={`${m.run_id}: into the timeline`}
                        >
                          run · <span className={`status-text ${status}`}>{status}</span>
                        </button>
                        {user && isCancellable(status) && <CancelRunButton userId={user.userId} runId={m.run_id} testId="history-cancel-run" />}
                        <button className="chip" data-testid="history-run-json" onClick={() => void showJson(m.run_id)} title="the run's events as JSON">
                          JSON
                        </button>
                        <CopyButton text={m.run_id} label="run id" testId="copy-history-run-id" />
                      </div>
                      {json?.runId === m.run_id && (
                        <div className="run-json" data-testid="history-run-json-view">
                          <CopyButton text={JSON.stringify(json.events, null, 2)} label="Copy JSON" testId="copy-run-json" />
                          <pre className="event-json">{JSON.stringify(json.events, null, 2)}</pre>
                        </div>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
