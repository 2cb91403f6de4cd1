/**
 * The banner of agent-module reloads (catalog-events.ts), shown over every view: a failed
 * reload names the file and the reason and says that the previous version stays in use; a
 * good one says what the module has now. Each notice is dismissible. While it is shown, the
 * console follows the target's catalog events with the token of a connected user.
 */
import { useEffect } from 'react';
import { useConnections } from '../users/index.ts';
import { catalogActions, followCatalogEvents, useCatalog } from './catalog-events.ts';

export function CatalogNotices() {
  const { baseUrl, token } = useConnections((s) => ({ baseUrl: s.baseUrl, token: s.users.find((u) => u.state === 'open')?.token ?? null }));
  const notices = useCatalog((s) => s.notices);

  useEffect(() => {
    if (!token) return;
    return followCatalogEvents(baseUrl, token);
  }, [baseUrl, token]);

  if (notices.length === 0) return null;
  return (
    <div className="catalog-notices" data-testid="catalog-notices">
      {notices.map((n) => (
        <div
          key={n.key}
          className={`catalog-notice ${n.kind}`}
          role={n.kind === 'failed' ? 'alert' : 'status'}
          data-testid="catalog-notice"
          data-kind={n.kind}
          data-file={n.file}
        >
          {n.kind === 'failed' ? (
            <span className="wrap">
              Agent module <code>{n.file}</code> did not reload: <span data-testid="catalog-notice-reason">{n.reason}</span>. The previous version stays in use.
            </span>
          ) : (
            <span className="wrap">
              Agent module <code>{n.file}</code> reloaded
              {n.agents && n.agents.length > 0
                ? ` (agents: ${n.agents.join(', ')}${n.tools && n.tools.length > 0 ? `; tools: ${n.tools.join(', ')}` : ''})`
                : ''}
              ; the agent and tool lists are up to date.
            </span>
          )}
          <button className="link" data-testid="catalog-notice-dismiss" aria-label="dismiss" onClick={() => catalogActions.dismiss(n.key)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
