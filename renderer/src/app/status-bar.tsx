/**
 * Backend health, polled every 2 s (and soon after the console's count of runs in progress
 * changes), and the target: a URL (typed, or one used before). A target is an environment with
 * its own users; switching asks first when users are connected, then disconnects them and
 * connects the new target's users that were connected there. A health check blocked by the
 * target's CORS policy is explained, with the fix. The counts say whose they are: the
 * console's (its runs in progress, its users connected, both live) and the server's (its
 * queue, runs executing and connections, from /health: every client's, not only this console's).
 */
import { useEffect, useRef, useState } from 'react';
import type { HealthResponse } from '../../../protocol/index.ts';
import { useRunsInProgress } from '../features/timeline/index.ts';
import { connectionActions as actions, rest, useConnections } from '../features/users/index.ts';
import { explainFailure, type FetchProblem } from '../ui/fetch-problem.ts';

/** How many of the console's users have their connection open, of how many. */
export function connectedCount(users: ReadonlyArray<{ state: string }>): { open: number; total: number } {
  return { open: users.filter((u) => u.state === 'open').length, total: users.length };
}

export function StatusBar() {
  const { baseUrl, targets } = useConnections((s) => ({ baseUrl: s.baseUrl, targets: s.targets }));
  const users = useConnections((s) => connectedCount(s.users));
  const inProgress = useRunsInProgress();
  const [health, setHealth] = useState<HealthResponse | null>(null);
  const pollNow = useRef<() => void>(() => undefined);
  const [problem, setProblem] = useState<FetchProblem | null>(null);
  const [draft, setDraft] = useState(baseUrl);
  const [confirm, setConfirm] = useState<{ next: string; users: string[] } | null>(null);

  useEffect(() => setDraft(baseUrl), [baseUrl]);

  useEffect(() => {
    let stopped = false;
    setHealth(null);
    setProblem(null);
    const poll = async () => {
      try {
        const res = await rest().health();
        if (!stopped) {
          setHealth(res.body);
          setProblem(null);
        }
      } catch (err) {
        const explained = await explainFailure(baseUrl, err);
        if (!stopped) setProblem(explained);
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), 2000);
    pollNow.current = () => void poll();
    return () => {
      stopped = true;
      clearInterval(timer);
      pollNow.current = () => undefined;
    };
  }, [baseUrl]);

  // a run began or ended, or a user (dis)connected: the server's counts moved too
  useEffect(() => {
    const timer = setTimeout(() => pollNow.current(), 300);
    return () => clearTimeout(timer);
  }, [inProgress, users.open]);

  const choose = (raw: string) => {
    const next = raw.trim().replace(/\/$/, '');
    if (!next || next === baseUrl) return;
    try {
      new URL(next);
    } catch {
      setProblem({ kind: 'other', message: `"${next}" is not a URL (e.g. http://127.0.0.1:8000)` });
      return;
    }
    const connected = actions.connectedUsers();
    if (connected.length > 0) setConfirm({ next, users: connected });
    else actions.setBaseUrl(next);
  };

  const status = problem ? (problem.kind === 'cors' ? 'blocked' : 'down') : (health?.status ?? '…');
  return (
    <header className="status-bar" data-testid="status-bar">
      <span className="brand">Flowscope</span>
      <form
        className="url-form"
        onSubmit={(e) => {
          e.preventDefault();
          choose(draft);
        }}
      >
        <input data-testid="backend-url" list="known-targets" value={draft} onChange={(e) => setDraft(e.target.value)} aria-label="backend URL" />
        <datalist id="known-targets">
          {targets.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <button type="submit" data-testid="target-switch">
          Target
        </button>
      </form>
      <span className={`health health-${status}`} data-testid="health-status" data-target={baseUrl}>
        ● {status}
      </span>
      <span
        className="health-stats console-counts"
        data-testid="console-counts"
        title="this console: its runs without an agent_completed yet, its users with an open connection"
      >
        console: running <b data-testid="console-running">{inProgress}</b> · connected{' '}
        <b data-testid="console-connected">
          {users.open}/{users.total}
        </b>
      </span>
      {health && !problem && (
        <span
          className="health-stats"
          data-testid="server-counts"
          title="the server's own counts (/health), for every client: queued runs, runs executing now, open connections"
        >
          server: store {health.store} · cache {health.cache} · queue {health.queue_depth} · running <b data-testid="server-running">{health.running}</b> ·
          conns <b data-testid="server-connections">{health.connections}</b> · v{health.version}
          {health.failing?.length ? ` · failing ${health.failing.join(',')}` : ''}
        </span>
      )}
      {problem && (
        <span
          className={`error-text wrap ${problem.kind === 'cors' ? 'cors' : ''}`}
          data-testid={problem.kind === 'cors' ? 'cors-explanation' : 'target-error'}
        >
          {problem.message}
        </span>
      )}
      {confirm && (
        <div className="modal-backdrop">
          <div className="modal" role="dialog" aria-modal="true" data-testid="target-switch-dialog">
            <p>
              Switch to <code>{confirm.next}</code>? {confirm.users.length} user{confirm.users.length === 1 ? ' is' : 's are'} connected to{' '}
              <code>{baseUrl}</code> ({confirm.users.join(', ')}): they will be disconnected. The users of the new target connect again.
            </p>
            <div className="modal-actions">
              <button
                className="primary"
                data-testid="target-switch-confirm"
                onClick={() => {
                  actions.setBaseUrl(confirm.next);
                  setConfirm(null);
                }}
              >
                Disconnect and switch
              </button>
              <button
                data-testid="target-switch-cancel"
                onClick={() => {
                  setConfirm(null);
                  setDraft(baseUrl);
                }}
              >
                Stay
              </button>
            </div>
          </div>
        </div>
      )}
    </header>
  );
}
