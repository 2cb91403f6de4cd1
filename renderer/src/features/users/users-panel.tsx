/**
 * Users of the current target: mint or paste a token, connect/disconnect each over Socket.IO
 * or WebSocket. Each row shows where it is connected, its state (a lost connection counts
 * down to the next automatic attempt, with Reconnect now), its token decoded (subject, expiry
 * counting down) with a copy button, and a one-click re-mint when the token was refused.
 * A pasted token with no user id is added under its `sub`; adding a user id already listed
 * asks before its token is replaced. On mount, the users this tab had connected before a
 * reload are connected again.
 */
import { useEffect, useState } from 'react';
import type { TransportKind } from '../../../../client/flowscope-connection.ts';
import { connectionActions as actions, getConnections, rest, useConnections, type UserEntry } from './connection-store.ts';
import { CopyButton } from '../../ui/copy-button.tsx';
import { explainFailure } from '../../ui/fetch-problem.ts';
import { decodeToken, formatExpiry } from './token-info.ts';
import { useNow } from '../../ui/use-now.ts';
import './users.css';

const REMINTABLE = new Set(['AUTH_INVALID', 'AUTH_EXPIRED']);

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function UserRow({ user, now }: { user: UserEntry; now: number }) {
  const [error, setError] = useState<string | null>(null);
  const live = user.state === 'open' || user.state === 'connecting' || user.state === 'reconnecting';
  const info = decodeToken(user.token);
  const countdown = user.state === 'reconnecting' && user.reconnectAt ? Math.max(0, Math.ceil((user.reconnectAt - now) / 1000)) : null;
  const remint = async () => {
    setError(null);
    try {
      const { token } = await rest().mintToken(user.userId);
      actions.replaceToken(user.userId, token);
    } catch (err) {
      setError((await explainFailure(getConnections().baseUrl, err)).message);
    }
  };
  const stateText = user.state === 'reconnecting' ? (countdown !== null && countdown > 0 ? `reconnecting in ${countdown}s` : 'reconnecting…') : user.state;
  return (
    <li className="user-row" data-testid="user-row" data-user={user.userId} data-state={user.state}>
      <div className="user-line">
        <span className="user-name" title={user.userId}>
          {user.userId}
        </span>
        <select
          data-testid="user-transport"
          value={user.transport}
          disabled={live}
          onChange={(e) => actions.setTransport(user.userId, e.target.value as TransportKind)}
          aria-label={`transport for ${user.userId}`}
        >
          <option value="socketio">Socket.IO</option>
          <option value="ws">WebSocket</option>
        </select>
        <span className="user-actions">
          {user.state === 'reconnecting' && (
            <button data-testid="reconnect-now" className="primary" onClick={() => actions.reconnectNow(user.userId)}>
              Reconnect now
            </button>
          )}
          {user.refusal && REMINTABLE.has(user.refusal.code) && (
            <button data-testid="remint-user" className="primary" onClick={() => void remint()} title="mint a new token for this user and connect">
              Re-mint
            </button>
          )}
          {live ? (
            <button data-testid="disconnect-user" onClick={() => actions.disconnect(user.userId)}>
              Disconnect
            </button>
          ) : (
            <button data-testid="connect-user" className="primary" onClick={() => actions.connect(user.userId)}>
              Connect
            </button>
          )}
          <button className="ghost" title="remove" data-testid="remove-user" onClick={() => actions.removeUser(user.userId)}>
            ×
          </button>
        </span>
      </div>
      <div className="user-detail">
        <span
          className={`state state-${user.state}`}
          data-testid="user-state"
          title={
            user.state === 'reconnecting'
              ? `${user.refusal?.message ? `${user.refusal.message}. ` : ''}Its /health is probed every half second at most: it connects as soon as it answers.`
              : user.refusal?.message
          }
        >
          {stateText}
        </span>
        {user.connectedTo && live && (
          <span className="muted where" data-testid="user-where" title={user.connectedTo}>
            @ {hostOf(user.connectedTo)} · {user.transport === 'ws' ? 'WebSocket' : 'Socket.IO'}
          </span>
        )}
        {user.state === 'open' && user.resumed ? (
          <span className="muted" data-testid="user-resumed">
            resumed {user.resumed} run{user.resumed === 1 ? '' : 's'}
          </span>
        ) : null}
      </div>
      {user.refusal && (
        <div className="user-refusal" data-testid="user-refusal">
          <code>{user.refusal.code}</code>
          {user.refusal.closeCode ? ` (close ${user.refusal.closeCode})` : ''} {user.refusal.message}
        </div>
      )}
      <div className="token-line" data-testid="token-info">
        {info ? (
          <>
            <span>
              sub <code data-testid="token-subject">{info.subject ?? '(none)'}</code>
            </span>
            {info.subject !== null && info.subject !== user.userId && <span className="warn-text">≠ {user.userId}</span>}
            {info.expiresAt !== null && (
              <span className={info.expiresAt <= now ? 'error-text' : 'muted'} data-testid="token-expiry">
                {formatExpiry(info.expiresAt, now)}
              </span>
            )}
          </>
        ) : (
          <span className="muted">not a JWT</span>
        )}
        <CopyButton text={user.token} label="Copy token" testId="copy-token" />
      </div>
      {error && <div className="error-text">{error}</div>}
    </li>
  );
}

export function UsersPanel() {
  const { users, baseUrl } = useConnections((s) => ({ users: s.users, baseUrl: s.baseUrl }));
  const [userId, setUserId] = useState('');
  const [token, setToken] = useState('');
  const [transport, setTransport] = useState<TransportKind>('socketio');
  const [error, setError] = useState<string | null>(null);
  /** A user id already listed: asked before its token is replaced. */
  const [existing, setExisting] = useState<string | null>(null);
  const now = useNow(1000, users.length > 0);

  useEffect(() => actions.restoreSession(), []);

  const pasted = token.trim();
  const subject = pasted ? (decodeToken(pasted)?.subject ?? null) : null;
  const newId = userId.trim() || subject || '';

  const add = async (replace: boolean) => {
    const id = newId;
    setError(null);
    if (!id) {
      setError(pasted ? 'This token names no user (no "sub" claim): type the user id.' : 'Type a user id (a token is minted for it), or paste a token.');
      return;
    }
    if (!replace && actions.hasUser(id)) {
      setExisting(id);
      return;
    }
    setExisting(null);
    try {
      const t = pasted || (await rest().mintToken(id)).token;
      if (replace) actions.replaceUser(id, t, transport);
      else actions.addUser(id, t, transport);
      setUserId('');
      setToken('');
    } catch (err) {
      setError((await explainFailure(baseUrl, err)).message);
    }
  };

  return (
    <section className="panel users-panel" data-testid="users-panel">
      <header className="panel-head">
        <h2>
          Users{' '}
          <span className="count" title={baseUrl}>
            on {hostOf(baseUrl)}
          </span>
        </h2>
      </header>
      <form
        className="row-form"
        onSubmit={(e) => {
          e.preventDefault();
          void add(false);
        }}
      >
        <input
          data-testid="user-id-input"
          placeholder={subject ? `user id (${subject}, from the token)` : 'user id'}
          value={userId}
          onChange={(e) => (setUserId(e.target.value), setExisting(null))}
        />
        <input
          data-testid="user-token-input"
          placeholder="token (blank = mint)"
          value={token}
          onChange={(e) => (setToken(e.target.value), setExisting(null))}
        />
        <select data-testid="new-user-transport" value={transport} onChange={(e) => setTransport(e.target.value as TransportKind)} aria-label="transport">
          <option value="socketio">Socket.IO</option>
          <option value="ws">WebSocket</option>
        </select>
        <button type="submit" data-testid="add-user">
          {token.trim() ? 'Add' : 'Mint'}
        </button>
      </form>
      {existing && (
        <div className="user-exists wrap" data-testid="user-exists" role="alertdialog" aria-label={`${existing} is already here`}>
          <span>
            <b>{existing}</b> is already here. {pasted ? 'Replace its token with the pasted one' : 'Mint a new token for it, replacing its token'}
            {users.find((u) => u.userId === existing)?.state === 'open' ? ' (it connects again with the new one)' : ''}?
          </span>
          <button className="primary" data-testid="user-exists-replace" onClick={() => void add(true)}>
            Replace token
          </button>
          <button data-testid="user-exists-cancel" onClick={() => setExisting(null)}>
            Keep as is
          </button>
        </div>
      )}
      {error && (
        <div className="error-text wrap" data-testid="users-error">
          {error}
        </div>
      )}
      <ul className="user-list">
        {users.map((u) => (
          <UserRow key={u.userId} user={u} now={now} />
        ))}
        {users.length === 0 && <li className="muted">No users on this target yet: mint a token for a user id.</li>}
      </ul>
    </section>
  );
}
