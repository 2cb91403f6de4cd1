/**
 * The Tools view, in the manner of MCP Inspector's: every tool of the target (built-in, the
 * modules', MCP servers'), its arguments in a form generated from its JSON Schema or as raw
 * JSON (the two in step), run as one of the console's users through the backend's `tool-call`
 * agent, so the call is a run like any other (timeline, history). The outcome: the result, or
 * the error with its code (a schema violation with each path), and the durations.
 */
import { useEffect, useMemo, useState } from 'react';
import type { ToolDescriptor } from '../../../../protocol/index.ts';
import { showView } from '../../ui/view-store.ts';
import { CopyButton } from '../../ui/copy-button.tsx';
import { CancelRunButton, eventLogActions } from '../live-events/index.ts';
import { useConnections } from '../users/index.ts';
import { useCatalogVersion } from './catalog-events.ts';
import { SchemaForm } from './schema-form-view.tsx';
import { fieldsOf, missingRequired } from './schema-form.ts';
import { contentBlocksOf, type ContentBlock, type ToolCall } from './tool-call.ts';
import { toolsActions, useTools } from './tools-store.ts';

export function ToolsView() {
  const { baseUrl, users } = useConnections((s) => ({ baseUrl: s.baseUrl, users: s.users }));
  const state = useTools((s) => s);
  const version = useCatalogVersion();
  const [filter, setFilter] = useState('');
  const runAs =
    state.runAs && users.some((u) => u.userId === state.runAs) ? state.runAs : (users.find((u) => u.state === 'open')?.userId ?? users[0]?.userId ?? null);
  const token = users.find((u) => u.userId === runAs)?.token ?? null;

  useEffect(() => {
    if (token) void toolsActions.load(token);
  }, [token, baseUrl, version]);

  const tools = state.tools ?? [];
  const shown = tools.filter((t) => t.name.toLowerCase().includes(filter.trim().toLowerCase()));
  const tool = tools.find((t) => t.name === state.selected) ?? null;

  return (
    <main className="grid tools-view" data-testid="tools-view">
      <section className="panel tools-list">
        <h2>Tools {state.tools && <span className="muted">({tools.length})</span>}</h2>
        {!token && (
          <p className="muted" data-testid="tools-need-user">
            Add a user in the Console view: the tools are read, and run, with a user&apos;s token.
          </p>
        )}
        {state.loadError && (
          <p className="error-text" data-testid="tools-load-error">
            tools unavailable: {state.loadError}
          </p>
        )}
        <input data-testid="tools-filter" placeholder="filter tools" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="filter tools" />
        <ul className="tool-items">
          {shown.map((t) => (
            <li key={t.name}>
              <button
                className={`tool-item${t.name === state.selected ? ' active' : ''}`}
                data-testid="tool-item"
                data-tool={t.name}
                aria-pressed={t.name === state.selected}
                onClick={() => toolsActions.select(t.name)}
              >
                <code>{t.name}</code>
                <span className="muted">{t.description}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="panel tool-detail" data-testid="tool-detail" data-tool={tool?.name ?? ''}>
        {tool ? (
          <ToolDetail tool={tool} runAs={runAs} users={users.map((u) => ({ userId: u.userId, state: u.state }))} />
        ) : (
          <p className="muted">{state.tools ? 'Pick a tool.' : 'No tools read yet.'}</p>
        )}
      </section>
      <section className="panel tool-calls" data-testid="tool-calls">
        <h2>Calls</h2>
        {state.calls.length === 0 && <p className="muted">The tools run from here, newest first.</p>}
        {state.calls.map((call) => (
          <div
            key={call.key}
            className={`tool-call-row${call.key === state.shown ? ' active' : ''}`}
            data-testid="tool-call-row"
            data-run-id={call.runId ?? ''}
            data-status={call.status ?? call.phase}
            role="button"
            tabIndex={0}
            aria-current={call.key === state.shown}
            title="show this call: its arguments and outcome"
            style={{ cursor: 'pointer', fontWeight: call.key === state.shown ? 600 : undefined }}
            onClick={() => toolsActions.showCall(call.key)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                toolsActions.showCall(call.key);
              }
            }}
          >
            <code>{call.tool}</code> <span className="tag">{call.userId}</span>{' '}
            <span className={`status-pill ${call.status ?? ''}`}>{call.status ?? call.phase}</span> <span className="muted">{durationText(call)}</span>
            {inProgress(call) && call.runId && <CancelRunButton userId={call.userId} runId={call.runId} testId="tool-call-cancel" />}
          </div>
        ))}
      </section>
    </main>
  );
}

function inProgress(call: ToolCall): boolean {
  return call.phase === 'queued' || call.phase === 'running';
}

function durationText(call: ToolCall): string {
  const parts: string[] = [];
  if (call.toolMs !== undefined) parts.push(`tool ${call.toolMs} ms`);
  if (call.runMs !== undefined) parts.push(`run ${call.runMs} ms`);
  return parts.join(' · ');
}

interface DetailProps {
  tool: ToolDescriptor;
  runAs: string | null;
  users: Array<{ userId: string; state: string }>;
}

function ToolDetail({ tool, runAs, users }: DetailProps) {
  const { draft, mode, canRun, sendError, call } = useTools((s) => ({
    draft: s.drafts[tool.name],
    mode: s.mode,
    canRun: s.canRun,
    sendError: s.sendError,
    call: s.calls.find((c) => c.key === s.shown && c.tool === tool.name) ?? s.calls.find((c) => c.tool === tool.name),
  }));
  const fields = useMemo(() => fieldsOf(tool.parameters), [tool.parameters]);
  if (!draft) return null;
  const missing = missingRequired(fields, draft.value);
  const user = users.find((u) => u.userId === runAs);
  const connected = user?.state === 'open';
  const runnable = Boolean(runAs) && connected && canRun && draft.textError === null;
  return (
    // Ctrl/Cmd+Enter anywhere in the form or the raw JSON runs the tool, as it sends in the composer.
    <div
      className="tool-detail-body"
      onKeyDown={(e) => {
        if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey)) return;
        e.preventDefault();
        if (runnable && runAs) toolsActions.run(tool.name, runAs);
      }}
    >
      <h2>
        <code data-testid="tool-name">{tool.name}</code>
      </h2>
      <p className="muted" data-testid="tool-description">
        {tool.description}
      </p>
      <div className="row tool-run-row">
        <label>
          run as{' '}
          <select data-testid="tool-run-as" value={runAs ?? ''} onChange={(e) => toolsActions.setRunAs(e.target.value)} aria-label="run as">
            {users.map((u) => (
              <option key={u.userId} value={u.userId}>
                {u.userId} ({u.state})
              </option>
            ))}
          </select>
        </label>
        <div className="tabs small" role="tablist">
          <button
            role="tab"
            aria-selected={mode === 'form'}
            className={`tab${mode === 'form' ? ' active' : ''}`}
            data-testid="tool-mode-form"
            onClick={() => toolsActions.setMode('form')}
          >
            Form
          </button>
          <button
            role="tab"
            aria-selected={mode === 'json'}
            className={`tab${mode === 'json' ? ' active' : ''}`}
            data-testid="tool-mode-json"
            onClick={() => toolsActions.setMode('json')}
          >
            JSON
          </button>
        </div>
        <button className="link" data-testid="tool-reset" onClick={() => toolsActions.reset(tool)}>
          reset
        </button>
      </div>
      {mode === 'form' ? (
        <SchemaForm fields={fields} value={draft.value} onChange={(value) => toolsActions.setValue(tool.name, value)} />
      ) : (
        <div className="tool-json">
          <textarea
            className="mono"
            data-testid="tool-args-json"
            aria-label="arguments as JSON"
            spellCheck={false}
            rows={Math.min(20, Math.max(4, draft.text.split('\n').length + 1))}
            value={draft.text}
            onChange={(e) => toolsActions.setText(tool.name, e.target.value)}
          />
          {draft.textError && (
            <div className="error-text" data-testid="tool-args-json-error">
              {draft.textError}
            </div>
          )}
        </div>
      )}
      {missing.length > 0 && (
        <div className="muted" data-testid="tool-missing">
          required, no value yet: {missing.join(', ')} (Run sends it as it is; the backend checks the schema)
        </div>
      )}
      <div className="row">
        <button
          className="primary"
          data-testid="tool-run"
          disabled={!runnable}
          title="Ctrl/Cmd+Enter"
          onClick={() => runAs && toolsActions.run(tool.name, runAs)}
        >
          Run as {runAs ?? '…'}
        </button>
        {runAs && !connected && <span className="muted">connect {runAs} in the Console view to run tools as that user</span>}
        {!canRun && <span className="muted">this backend has no tool-call agent (an older version)</span>}
        {sendError && (
          <span className="error-text" data-testid="tool-send-error">
            {sendError}
          </span>
        )}
      </div>
      {call && <CallOutcome key={call.key} call={call} />}
    </div>
  );
}

function CallOutcome({ call }: { call: ToolCall }) {
  const done = call.phase === 'done' || call.phase === 'refused';
  return (
    <div
      className={`tool-outcome ${call.status ?? call.phase}`}
      data-testid="tool-outcome"
      data-phase={call.phase}
      data-status={call.status ?? ''}
      data-run-id={call.runId ?? ''}
    >
      <div className="row">
        <span className={`status-pill ${call.status ?? ''}`} data-testid="tool-outcome-status">
          {call.status ?? (call.phase === 'refused' ? 'refused' : `${call.phase}…`)}
        </span>
        {done && (
          <span data-testid="tool-duration" title="the tool's call (tool_completed.duration_ms) and the whole run on the server (agent_completed.duration_ms)">
            {durationText(call) || 'no duration (the tool did not run)'}
          </span>
        )}
        {inProgress(call) && call.runId && <CancelRunButton userId={call.userId} runId={call.runId} testId="tool-cancel" />}
        <span className="muted">as {call.userId}</span>
        {call.runId && (
          <button
            className="link mono"
            data-testid="tool-show-run"
            title="Show this run in the Console view (Live events filtered to it, its lane in the timeline)"
            onClick={() => {
              eventLogActions.toggleRunFocus(call.runId!, call.userId);
              showView('console');
            }}
          >
            {call.runId}
          </button>
        )}
        <button
          className="link"
          data-testid="tool-use-args"
          title="put this call's arguments back in the form"
          onClick={() => toolsActions.useArguments(call.key)}
        >
          use these arguments
        </button>
      </div>
      <details className="tool-call-args" data-testid="tool-call-args">
        <summary className="muted">arguments sent</summary>
        <pre className="tool-result">{JSON.stringify(call.args, null, 2)}</pre>
      </details>
      {call.error && (
        <div className="tool-error" data-testid="tool-error">
          <code className="error-code" data-testid="tool-error-code">
            {call.error.code}
          </code>{' '}
          {call.error.violations.length > 0 ? (
            <ul className="violations">
              {call.error.violations.map((v) => (
                <li key={v.path} data-testid="tool-violation" data-path={v.path}>
                  <code>{v.path}</code> {v.message}
                </li>
              ))}
            </ul>
          ) : (
            <span className="error-text wrap" data-testid="tool-error-message">
              {call.error.message}
            </span>
          )}
        </div>
      )}
      {call.status === 'succeeded' && <ToolResult result={call.result} />}
    </div>
  );
}

/** The result: MCP content blocks as content (text, images, links), with the raw JSON a click away; any other result as JSON. */
function ToolResult({ result }: { result: unknown }) {
  const blocks = useMemo(() => contentBlocksOf(result), [result]);
  const [raw, setRaw] = useState(false);
  const json = JSON.stringify(result ?? null, null, 2);
  return (
    <div className="tool-result-box">
      <div className="row">
        {blocks && (
          <div className="tabs small" role="tablist">
            <button
              role="tab"
              aria-selected={!raw}
              className={`tab${raw ? '' : ' active'}`}
              data-testid="tool-result-content-mode"
              onClick={() => setRaw(false)}
            >
              Content
            </button>
            <button role="tab" aria-selected={raw} className={`tab${raw ? ' active' : ''}`} data-testid="tool-result-json-mode" onClick={() => setRaw(true)}>
              JSON
            </button>
          </div>
        )}
        <CopyButton text={json} label="Copy result" testId="tool-result-copy" />
      </div>
      {blocks && !raw ? (
        <div className="tool-result" data-testid="tool-result-content">
          {blocks.map((block, i) => (
            <ContentView key={i} block={block} />
          ))}
        </div>
      ) : (
        <pre className="tool-result" data-testid="tool-result">
          {json}
        </pre>
      )}
    </div>
  );
}

function ContentView({ block }: { block: ContentBlock }) {
  switch (block.kind) {
    case 'text':
      return (
        <pre data-testid="tool-content-block" data-kind="text" style={{ margin: '0 0 6px', whiteSpace: 'pre-wrap' }}>
          {block.text}
        </pre>
      );
    case 'image':
      return (
        <div data-testid="tool-content-block" data-kind="image">
          <img
            src={block.src}
            alt={`image result (${block.mimeType})`}
            style={{ maxWidth: '100%', maxHeight: 320, imageRendering: 'pixelated', minWidth: 64 }}
          />
          <div className="muted">{block.mimeType}</div>
        </div>
      );
    case 'audio':
      return (
        <div data-testid="tool-content-block" data-kind="audio">
          <audio controls src={block.src} />
          <div className="muted">{block.mimeType}</div>
        </div>
      );
    case 'link':
      return (
        <div data-testid="tool-content-block" data-kind="link">
          link <code>{block.uri}</code> {block.name !== block.uri && <strong>{block.name}</strong>}{' '}
          {block.description && <span className="muted">{block.description}</span>} {block.mimeType && <span className="tag">{block.mimeType}</span>}
        </div>
      );
    case 'resource':
      return (
        <div data-testid="tool-content-block" data-kind="resource">
          resource <code>{block.uri}</code> {block.mimeType && <span className="tag">{block.mimeType}</span>}
          {block.text !== undefined && <pre style={{ whiteSpace: 'pre-wrap' }}>{block.text}</pre>}
        </div>
      );
    case 'json':
      return (
        <pre data-testid="tool-content-block" data-kind="json" style={{ margin: '0 0 6px', whiteSpace: 'pre-wrap' }}>
          {JSON.stringify(block.value, null, 2)}
        </pre>
      );
  }
}
