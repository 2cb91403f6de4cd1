/** Backend health, polled every 2 s, and the target URL field. */
import { useEffect, useState } from 'react';
import type { HealthResponse } from '../../protocol/index.ts';
import { actions, rest, useConsole } from './console-store.ts';

export function StatusBar() {
  const { baseUrl } = useConsole();
  const [health, setHealth] = useState<HealthResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState(baseUrl);

  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        const res = await rest().health();
        if (!stopped) {
          setHealth(res.body);
          setError(null);
        }
      } catch (err) {
        if (!stopped) setError(err instanceof Error ? err.message : String(err));
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [baseUrl]);

  const status = error ? 'down' : (health?.status ?? '…');
  return (
    <header className="status-bar" data-testid="status-bar">
      <span className="brand">Flowscope</span>
      <form
        className="url-form"
        onSubmit={(e) => {
          e.preventDefault();
          actions.setBaseUrl(draft.replace(/\/$/, ''));
        }}
      >
        <input data-testid="backend-url" value={draft} onChange={(e) => setDraft(e.target.value)} aria-label="backend URL" />
        <button type="submit">Target</button>
      </form>
      <span className={`health health-${status}`} data-testid="health-status">
        ● {status}
      </span>
      {health && !error && (
        <span className="health-stats">
          store {health.store} · cache {health.cache} · queue {health.queue_depth} · running {health.running} · conns {health.connections} · v{health.version}
          {health.failing?.length ? ` · failing ${health.failing.join(',')}` : ''}
        </span>
      )}
      {error && <span className="error-text">{error}</span>}
    </header>
  );
}
