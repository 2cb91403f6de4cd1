/**
 * Composer: JSON editor validated live with the server's own parser (an INVALID_JSON is
 * marked where the parser gave up; a `user_id` other than the sender's is flagged), templates
 * and saved messages (per target), the agent picker. Every Send gets a fresh `message_id`
 * unless "keep id" is pinned (for de-duplication tests); Ctrl/Cmd+Enter sends. The agent picker
 * and the text's `payload.agent` follow each other both ways; a "not connected" refusal goes
 * away once that user is connected. The footer wraps rather than cut anything off.
 */
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { MAX_MESSAGE_BYTES, parseInboundMessage, utf8ByteLength } from '../../../../protocol/index.ts';
import { AgentPicker } from './agent-picker.tsx';
import { useEventLog } from '../live-events/index.ts';
import { useConnections } from '../users/index.ts';
import { sendActions as actions } from './sends-store.ts';
import { jsonErrorPosition } from '../../ui/json-error-position.ts';
import { TEMPLATES } from './message-templates.ts';
import { SavedMessages } from './saved-messages.tsx';
import { SentHistory } from './sent-history.tsx';
import { newMessageId, TRANSPORT_FRAME_LIMIT_BYTES, withFreshMessageId } from './send-outcome.ts';
import { lastRunIdOfUser, runOwnerOf } from './run-owner.ts';
import './composer.css';

const JsonEditor = lazy(() => import('../../ui/json-editor.tsx'));

export function ComposerPanel() {
  const { users, baseUrl } = useConnections((s) => ({ users: s.users, baseUrl: s.baseUrl }));
  const [text, setText] = useState(() => TEMPLATES[0]!.build({ lastRunId: null }));
  const [sendAs, setSendAs] = useState('');
  const [sendError, setSendError] = useState<{ userId: string; error: string; notConnected: boolean } | null>(null);
  const [keepId, setKeepId] = useState(false);
  const [agent, setAgent] = useState<string | null>(null);
  const result = useMemo(() => parseInboundMessage(text), [text]);
  const bytes = useMemo(() => utf8ByteLength(text), [text]);
  const target = users.some((u) => u.userId === sendAs) ? sendAs : (users[0]?.userId ?? '');
  const sender = users.find((u) => u.userId === target);
  // the cancel_run and resume templates name the sender's newest run: another user's is NOT_FOUND to it
  const lastRunId = useEventLog((s) => lastRunIdOfUser(s.events, target));
  const namedRun = result.ok && (result.envelope.type === 'cancel_run' || result.envelope.type === 'resume') ? result.envelope.payload.run_id : null;
  const namedRunOwner = useEventLog((s) => (namedRun === null ? null : runOwnerOf(s.events, namedRun)));
  const foreignRun = namedRun !== null && namedRunOwner !== null && target && namedRunOwner !== target ? namedRunOwner : null;
  // the agent the text names (a user_message), which the picker shows; undefined: the text names none it can read
  const textAgent = result.ok && result.envelope.type === 'user_message' ? (result.envelope.payload.agent ?? null) : undefined;
  useEffect(() => {
    if (textAgent !== undefined) setAgent(textAgent);
  }, [textAgent]);
  // "alice is not connected" is stale once alice is connected
  const errorUser = sendError ? users.find((u) => u.userId === sendError.userId) : undefined;
  const shownError = sendError && !(sendError.notConnected && errorUser?.state === 'open') ? sendError.error : null;

  const mark = useMemo(() => {
    if (result.ok || result.code !== 'INVALID_JSON' || !result.details?.reason) return null;
    const at = jsonErrorPosition(text, result.details.reason);
    return at === null ? null : { at, message: result.message };
  }, [result, text]);

  const foreignUser = result.ok && typeof result.envelope.user_id === 'string' && target && result.envelope.user_id !== target ? result.envelope.user_id : null;

  const send = () => {
    if (!target) return setSendError({ userId: '', error: 'add a user first', notConnected: false });
    const outgoing = keepId || !result.ok ? text : withFreshMessageId(text, newMessageId());
    if (outgoing !== text) setText(outgoing);
    const refused = actions.send(target, outgoing);
    setSendError(refused && { userId: target, ...refused });
  };

  const pickAgent = (next: string | null) => {
    setAgent(next);
    if (result.ok && result.envelope.type === 'user_message') {
      try {
        const value = JSON.parse(text) as { payload?: Record<string, unknown> };
        const payload = { ...(value.payload ?? {}) };
        if (next) payload.agent = next;
        else delete payload.agent;
        setText(JSON.stringify({ ...value, payload }, null, 2));
      } catch {
        // the text parsed a moment ago; nothing to do if it no longer does
      }
    }
  };

  return (
    <section className="panel composer-panel" data-testid="composer-panel">
      <header className="panel-head">
        <h2>Composer</h2>
        <div className="templates">
          {TEMPLATES.map((t) => (
            <button
              key={t.name}
              className="chip"
              data-testid={`template-${t.name.replace(/\s+/g, '-')}`}
              onClick={() => setText(t.build({ lastRunId, agent }))}
            >
              {t.name}
            </button>
          ))}
        </div>
      </header>
      <AgentPicker token={sender?.token ?? null} baseUrl={baseUrl} agent={agent} onPick={pickAgent} />
      <Suspense fallback={<div className="json-editor muted pad">loading editor…</div>}>
        <JsonEditor value={text} onChange={setText} onSubmit={send} mark={mark} />
      </Suspense>
      <div className="composer-foot">
        <span className={`validation ${result.ok ? (foreignUser || foreignRun ? 'warn' : 'ok') : 'bad'}`} data-testid="composer-validation">
          {result.ok ? `OK · ${result.envelope.type}` : `${result.code}`}
          {!result.ok && result.details?.issues && <span className="issues"> {result.details.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}</span>}
          {!result.ok && !result.details?.issues && <span className="issues"> {result.message}</span>}
          {bytes > TRANSPORT_FRAME_LIMIT_BYTES && (
            <span className="issues" data-testid="composer-frame-warning">
              {' '}
              · over the transports&apos; {TRANSPORT_FRAME_LIMIT_BYTES}-byte frame limit: the server closes the connection instead of answering
            </span>
          )}
          {foreignUser && (
            <span className="issues" data-testid="composer-user-warning">
              {' '}
              · user_id "{foreignUser}" is not {target}: the server will refuse it with FORBIDDEN
            </span>
          )}
          {foreignRun && (
            <span className="issues" data-testid="composer-run-warning">
              {' '}
              · this run is {foreignRun}'s: the server answers NOT_FOUND to {target} (send it as {foreignRun})
            </span>
          )}
        </span>
        <span className={`bytes ${bytes > MAX_MESSAGE_BYTES ? 'over' : ''}`} data-testid="composer-bytes">
          {bytes} / {MAX_MESSAGE_BYTES} B
        </span>
        <label className="keep-id" title="send the message_id as written (a second send is a duplicate)">
          <input type="checkbox" data-testid="keep-id" checked={keepId} onChange={(e) => setKeepId(e.target.checked)} /> keep id
        </label>
        <label className="send-as">
          as
          <select data-testid="send-as" value={target} onChange={(e) => setSendAs(e.target.value)}>
            {users.map((u) => (
              <option key={u.userId} value={u.userId}>
                {u.userId} ({u.state})
              </option>
            ))}
          </select>
        </label>
        <button className="primary" data-testid="send-button" onClick={send} disabled={!target} title="Send (Ctrl/Cmd+Enter)">
          Send
        </button>
      </div>
      {shownError && (
        <div className="error-text wrap" data-testid="send-error">
          {shownError}
        </div>
      )}
      <SavedMessages text={text} onLoad={setText} />
      <SentHistory onLoad={setText} />
    </section>
  );
}
