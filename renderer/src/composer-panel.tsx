/** Composer: JSON editor validated live with the server's own parser, templates, send as a user. */
import { useMemo, useState } from 'react';
import { MAX_MESSAGE_BYTES, parseInboundMessage, utf8ByteLength } from '../../protocol/index.ts';
import { actions, useConsole } from './console-store.ts';
import { JsonEditor } from './json-editor.tsx';
import { TEMPLATES } from './message-templates.ts';
import { SentHistory } from './sent-history.tsx';

export function ComposerPanel() {
  const { users, events } = useConsole();
  const [text, setText] = useState(() => TEMPLATES[0]!.build({ lastRunId: null }));
  const [sendAs, setSendAs] = useState('');
  const [sendError, setSendError] = useState<string | null>(null);
  const result = useMemo(() => parseInboundMessage(text), [text]);
  const bytes = useMemo(() => utf8ByteLength(text), [text]);
  const target = users.some((u) => u.userId === sendAs) ? sendAs : (users[0]?.userId ?? '');

  const lastRunId = useMemo(() => {
    for (let i = events.length - 1; i >= 0; i--) {
      const r = events[i]!.envelope.run_id;
      if (typeof r === 'string') return r;
    }
    return null;
  }, [events]);

  const send = () => {
    if (!target) return setSendError('add a user first');
    setSendError(actions.send(target, text));
  };

  return (
    <section className="panel composer-panel" data-testid="composer-panel">
      <header className="panel-head">
        <h2>Composer</h2>
        <div className="templates">
          {TEMPLATES.map((t) => (
            <button key={t.name} className="chip" data-testid={`template-${t.name.replace(/\s+/g, '-')}`} onClick={() => setText(t.build({ lastRunId }))}>
              {t.name}
            </button>
          ))}
        </div>
      </header>
      <JsonEditor value={text} onChange={setText} />
      <div className="composer-foot">
        <span className={`validation ${result.ok ? 'ok' : 'bad'}`} data-testid="composer-validation">
          {result.ok ? `OK · ${result.envelope.type}` : `${result.code}`}
          {!result.ok && result.details?.issues && (
            <span className="issues"> {result.details.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}</span>
          )}
          {!result.ok && !result.details?.issues && <span className="issues"> {result.message}</span>}
        </span>
        <span className={`bytes ${bytes > MAX_MESSAGE_BYTES ? 'over' : ''}`} data-testid="composer-bytes">
          {bytes} / {MAX_MESSAGE_BYTES} B
        </span>
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
        <button className="primary" data-testid="send-button" onClick={send} disabled={!target}>
          Send
        </button>
      </div>
      {sendError && <div className="error-text" data-testid="send-error">{sendError}</div>}
      <SentHistory onLoad={setText} />
    </section>
  );
}
