/**
 * Composer: JSON editor validated live with the server's own parser (an INVALID_JSON is
 * marked where the parser gave up; a `user_id` other than the sender's is flagged), templates
 * and saved messages (per target), the agent picker. Every Send gets a fresh `message_id`
 * unless "keep id" is pinned (for de-duplication tests); Ctrl/Cmd+Enter sends.
 */
import { lazy, Suspense, useMemo, useState } from 'react';
import { MAX_MESSAGE_BYTES, parseInboundMessage, utf8ByteLength } from '../../../../protocol/index.ts';
import { AgentPicker } from './agent-picker.tsx';
import { lastRunIdOf, useEventLog } from '../live-events/index.ts';
import { useConnections } from '../users/index.ts';
import { sendActions as actions } from './sends-store.ts';
import { jsonErrorPosition } from '../../ui/json-error-position.ts';
import { TEMPLATES } from './message-templates.ts';
import { SavedMessages } from './saved-messages.tsx';
import { SentHistory } from './sent-history.tsx';
import { newMessageId, withFreshMessageId } from './send-outcome.ts';

const JsonEditor = lazy(() => import('../../ui/json-editor.tsx'));

export function ComposerPanel() {
  const { users, baseUrl } = useConnections((s) => ({ users: s.users, baseUrl: s.baseUrl }));
  const lastRunId = useEventLog((s) => lastRunIdOf(s.events));
  const [text, setText] = useState(() => TEMPLATES[0]!.build({ lastRunId: null }));
  const [sendAs, setSendAs] = useState('');
  const [sendError, setSendError] = useState<string | null>(null);
  const [keepId, setKeepId] = useState(false);
  const [agent, setAgent] = useState<string | null>(null);
  const result = useMemo(() => parseInboundMessage(text), [text]);
  const bytes = useMemo(() => utf8ByteLength(text), [text]);
  const target = users.some((u) => u.userId === sendAs) ? sendAs : (users[0]?.userId ?? '');
  const sender = users.find((u) => u.userId === target);

  const mark = useMemo(() => {
    if (result.ok || result.code !== 'INVALID_JSON' || !result.details?.reason) return null;
    const at = jsonErrorPosition(text, result.details.reason);
    return at === null ? null : { at, message: result.message };
  }, [result, text]);

  const foreignUser = result.ok && typeof result.envelope.user_id === 'string' && target && result.envelope.user_id !== target ? result.envelope.user_id : null;

  const send = () => {
    if (!target) return setSendError('add a user first');
    const outgoing = keepId || !result.ok ? text : withFreshMessageId(text, newMessageId());
    if (outgoing !== text) setText(outgoing);
    setSendError(actions.send(target, outgoing));
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
        <span className={`validation ${result.ok ? (foreignUser ? 'warn' : 'ok') : 'bad'}`} data-testid="composer-validation">
          {result.ok ? `OK · ${result.envelope.type}` : `${result.code}`}
          {!result.ok && result.details?.issues && <span className="issues"> {result.details.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}</span>}
          {!result.ok && !result.details?.issues && <span className="issues"> {result.message}</span>}
          {foreignUser && (
            <span className="issues" data-testid="composer-user-warning">
              {' '}
              · user_id "{foreignUser}" is not {target}: the server will refuse it with FORBIDDEN
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
      {sendError && (
        <div className="error-text" data-testid="send-error">
          {sendError}
        </div>
      )}
      <SavedMessages text={text} onLoad={setText} />
      <SentHistory onLoad={setText} />
    </section>
  );
}
