/** Users: mint or paste a token, connect/disconnect each over Socket.IO or WebSocket. */
import { useState } from 'react';
import type { TransportKind } from '../../client/flowscope-connection.ts';
import { actions, rest, useConsole } from './console-store.ts';

export function UsersPanel() {
  const { users } = useConsole();
  const [userId, setUserId] = useState('');
  const [token, setToken] = useState('');
  const [transport, setTransport] = useState<TransportKind>('socketio');
  const [error, setError] = useState<string | null>(null);

  const add = async () => {
    const id = userId.trim();
    if (!id) return;
    setError(null);
    try {
      const t = token.trim() || (await rest().mintToken(id)).token;
      actions.addUser(id, t, transport);
      setUserId('');
      setToken('');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section className="panel users-panel" data-testid="users-panel">
      <header className="panel-head">
        <h2>Users</h2>
      </header>
      <form
        className="row-form"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <input data-testid="user-id-input" placeholder="user id" value={userId} onChange={(e) => setUserId(e.target.value)} />
        <input data-testid="user-token-input" placeholder="token (blank = mint)" value={token} onChange={(e) => setToken(e.target.value)} />
        <select data-testid="new-user-transport" value={transport} onChange={(e) => setTransport(e.target.value as TransportKind)} aria-label="transport">
          <option value="socketio">Socket.IO</option>
          <option value="ws">WebSocket</option>
        </select>
        <button type="submit" data-testid="add-user">
          {token.trim() ? 'Add' : 'Mint'}
        </button>
      </form>
      {error && <div className="error-text">{error}</div>}
      <ul className="user-list">
        {users.map((u) => {
          const live = u.state === 'open' || u.state === 'connecting' || u.state === 'reconnecting';
          return (
            <li key={u.userId} className="user-row" data-testid="user-row" data-user={u.userId}>
              <span className="user-name">{u.userId}</span>
              <select
                value={u.transport}
                disabled={live}
                onChange={(e) => actions.setTransport(u.userId, e.target.value as TransportKind)}
                aria-label={`transport for ${u.userId}`}
              >
                <option value="socketio">Socket.IO</option>
                <option value="ws">WebSocket</option>
              </select>
              <span className={`state state-${u.state}`} data-testid="user-state" title={u.refusal?.message}>
                {u.state}
                {u.refusal ? ` · ${u.refusal.code}${u.refusal.closeCode ? ` (${u.refusal.closeCode})` : ''}` : ''}
              </span>
              {live ? (
                <button data-testid="disconnect-user" onClick={() => actions.disconnect(u.userId)}>
                  Disconnect
                </button>
              ) : (
                <button data-testid="connect-user" className="primary" onClick={() => actions.connect(u.userId)}>
                  Connect
                </button>
              )}
              <button className="ghost" title="remove" onClick={() => actions.removeUser(u.userId)}>
                ×
              </button>
            </li>
          );
        })}
        {users.length === 0 && <li className="muted">No users yet: mint a token for a user id.</li>}
      </ul>
    </section>
  );
}
