/**
 * Backend health, polled every 2 s, and the target: a URL (typed, or one used before). A
 * target is an environment with its own users; switching asks first when users are
 * connected, then disconnects them and connects the new target's users that were connected
 * there. A health check blocked by the target's CORS policy is explained, with the fix.
 */
import { useEffect, useState } from 'react';
import type { HealthResponse } from '../../../protocol/index.ts';
import { connectionActions as actions, rest, useConnections } from '../features/users/index.ts';
import { explainFailure, type FetchProblem } from '../ui/fetch-problem.ts';

export function StatusBar() {
  const { baseUrl, targets } = useConnections((s) => ({ baseUrl: s.baseUrl, targets: s.targets }));
  const [health, setHealth] = useState<HealthResponse | null>(null);
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
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [baseUrl]);

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
      {health && !problem && (
        <span className="health-stats">
          store {health.store} · cache {health.cache} · queue {health.queue_depth} · running {health.running} · conns {health.connections} · v{health.version}
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
