/**
 * The open scenario: its text in the editor, validated as you type (issues with their paths),
 * Save / Save as / Delete (with why Save is unavailable), Run / Stop, and the HAR of the
 * session it was recorded from.
 */
import { useEffect, useMemo, useState } from 'react';
import { downloadHar } from './har-file.ts';
import { ScenarioEditor } from './scenario-editor.tsx';
import { scenarioActions, scenarioStore, type OpenScenario } from './scenario-store.ts';
import { checkScenarioText } from '../../../../scenario/scenario-loader.ts';
import { scenarioNameOfDoc } from './scenario-text.ts';
import { hasUnsavedChanges } from './unsaved-changes.ts';
import { checkSaveAsName, suggestSaveAsName } from './save-as-name.ts';
import type { ScenarioIssue, ScenarioSummary } from '../../../../protocol/index.ts';

function originLabel(doc: OpenScenario): string {
  if (doc.id) return doc.source === 'builtin' ? 'built-in · read-only' : 'saved';
  return { library: 'unsaved', new: 'new · unsaved', recording: 'recorded · unsaved', har: 'imported from HAR · unsaved' }[doc.origin];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Why Save is disabled (the server refuses invalid text); '' when it is enabled. */
function saveBlockedReason(doc: OpenScenario, issueCount: number, busy: boolean): string {
  if (busy) return '';
  const builtin = doc.id !== null && doc.source !== 'saved';
  if (issueCount > 0) return builtin ? `built-in is read-only: fix ${plural(issueCount, 'issue')}, then Save as` : `fix ${plural(issueCount, 'issue')} to save`;
  if (builtin) return 'built-in is read-only: Save as';
  if (doc.id !== null && doc.text === doc.savedText) return 'no changes';
  return '';
}

/** Asks the name "Save as" saves under: checked as typed; an existing saved name needs the Replace button. */
function SaveAsForm({ initial, library, onSave, onCancel }: { initial: string; library: ScenarioSummary[]; onSave(id: string): void; onCancel(): void }) {
  const [name, setName] = useState(initial);
  const check = checkSaveAsName(name, library);
  return (
    <form
      className="save-as-form"
      data-testid="save-as-form"
      aria-label="Save as"
      onSubmit={(e) => {
        e.preventDefault();
        if (check.ok) onSave(check.id);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
    >
      <label>
        Save as{' '}
        <input data-testid="save-as-name" autoFocus value={name} spellCheck={false} onChange={(e) => setName(e.target.value)} placeholder="my-scenario" />
      </label>
      <button type="submit" className={check.ok && check.replaces ? 'warn' : 'primary'} data-testid="save-as-confirm" disabled={!check.ok}>
        {check.ok && check.replaces ? `Replace ${check.id}` : 'Save'}
      </button>
      <button type="button" data-testid="save-as-cancel" onClick={onCancel}>
        Cancel
      </button>
      {!check.ok && (
        <span className="error-text">
          <span data-testid="save-as-error">{check.error}</span>
          {check.suggestion && (
            <>
              {' '}
              <button type="button" className="link" data-testid="save-as-suggestion" onClick={() => setName(check.suggestion ?? '')}>
                Use {check.suggestion}
              </button>
            </>
          )}
        </span>
      )}
      {check.ok && check.replaces && (
        <span className="warn-text" data-testid="save-as-exists">
          A saved scenario is named {check.id}: Replace overwrites it.
        </span>
      )}
    </form>
  );
}

const NO_ISSUES: readonly ScenarioIssue[] = [];

/**
 * Up to this many characters the file is checked (parsed and validated) on every keystroke;
 * a longer one once typing pauses for CHECK_PAUSE_MS: a parse of 2,000 steps takes tens of
 * milliseconds, too long to pay per key.
 */
export const CHECK_AT_ONCE_CHARS = 20_000;
export const CHECK_PAUSE_MS = 300;

/** The check of `text` (see CHECK_AT_ONCE_CHARS); `pending` while a long text's check waits for a pause. Another document is checked at once. */
function useCheckedText(docKey: number, text: string) {
  const [settled, setSettled] = useState({ docKey, text });
  const atOnce = text.length <= CHECK_AT_ONCE_CHARS || settled.docKey !== docKey;
  useEffect(() => {
    if (settled.docKey === docKey && settled.text === text) return;
    const timer = setTimeout(() => setSettled({ docKey, text }), atOnce ? 0 : CHECK_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [docKey, text, atOnce, settled]);
  const source = atOnce ? text : settled.text;
  const checked = useMemo(() => checkScenarioText(source), [source]);
  return { checked, pending: source !== text };
}

export function ScenarioEditorPanel() {
  const { doc, busy, notice, run, jump, library, batch } = scenarioStore.use();
  const batchRunning = batch?.state === 'running';
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [askName, setAskName] = useState(false);
  const text = doc?.text ?? '';
  const { checked, pending } = useCheckedText(doc?.key ?? 0, text);
  const issues = checked.ok ? NO_ISSUES : checked.issues;

  if (!doc) {
    return (
      <section className="panel editor-panel" data-testid="scenario-editor-panel">
        <header className="panel-head">
          <h2>Scenario</h2>
        </header>
        {notice && (
          <div className={`pad ${notice.kind === 'ok' ? 'ok-text' : 'error-text'}`} data-testid="scenario-notice">
            {notice.text}
          </div>
        )}
        <div className="muted pad">Open a scenario from the library, start a New one, record the console session (● Record) or import a HAR file.</div>
      </section>
    );
  }

  const edited = doc.text !== doc.savedText;
  const running = run?.state === 'running';
  const canSave = checked.ok && !busy && (doc.id === null || (doc.source === 'saved' && edited));
  const canSaveAs = checked.ok && !busy;
  const blocked = canSave ? '' : saveBlockedReason(doc, issues.length, busy);
  // the text was parsed once above (checked.doc): no second parse per render
  const name = checked.ok ? checked.scenario.name : (scenarioNameOfDoc(checked.doc) ?? doc.id ?? 'untitled');

  return (
    <section className="panel editor-panel" data-testid="scenario-editor-panel" data-id={doc.id ?? ''} data-dirty={hasUnsavedChanges(doc) ? 'true' : 'false'}>
      <header className="panel-head">
        <h2 className="doc-title" title={name}>
          <span data-testid="scenario-title">{name}</span>
          {edited && (
            <span className="dirty" data-testid="scenario-dirty" title="unsaved changes">
              {' '}
              •
            </span>
          )}
          <span className="count" data-testid="scenario-origin">
            {doc.id ? `${doc.id} · ` : ''}
            {originLabel(doc)} · {checked.format.toUpperCase()}
          </span>
        </h2>
        <div className="filters">
          {blocked && blocked !== 'no changes' && (
            <span className="save-reason" data-testid="scenario-save-reason">
              {blocked}
            </span>
          )}
          <button className="primary" data-testid="scenario-save" disabled={!canSave} title={blocked || 'save'} onClick={() => void scenarioActions.save()}>
            Save
          </button>
          <button data-testid="scenario-save-as" disabled={!canSaveAs} onClick={() => setAskName(true)} title="save under a name you give">
            Save as
          </button>
          {doc.source === 'saved' &&
            (confirmDelete ? (
              <button
                className="warn"
                data-testid="scenario-delete-confirm"
                onClick={() => {
                  setConfirmDelete(false);
                  void scenarioActions.remove();
                }}
                onBlur={() => setConfirmDelete(false)}
              >
                Delete {doc.id}?
              </button>
            ) : (
              <button data-testid="scenario-delete" disabled={busy} onClick={() => setConfirmDelete(true)}>
                Delete
              </button>
            ))}
          {doc.session && (
            <button data-testid="scenario-export-har" onClick={() => downloadHar(doc.session!, name)} title="the recorded session as a HAR file">
              Export HAR
            </button>
          )}
          {running ? (
            <button className="warn" data-testid="scenario-stop" onClick={() => scenarioActions.stop()}>
              Stop
            </button>
          ) : (
            <button
              className="primary"
              data-testid="scenario-run"
              disabled={!checked.ok || batchRunning}
              title={batchRunning ? 'a Run all / Run tag is running' : 'run against the target'}
              onClick={() => void scenarioActions.run()}
            >
              ▶ Run
            </button>
          )}
        </div>
      </header>
      {askName && (
        <SaveAsForm
          key={doc.key}
          initial={suggestSaveAsName(doc.id, name, library.map((s) => s.id))}
          library={library}
          onCancel={() => setAskName(false)}
          onSave={(id) => {
            setAskName(false);
            void scenarioActions.save(true, id);
          }}
        />
      )}
      <ScenarioEditor docKey={doc.key} value={doc.text} format={checked.format} issues={issues} onChange={(t) => scenarioActions.edit(t)} jumpTo={jump} />
      <div className="editor-foot">
        {/* whether the file reads as a scenario (parse + schema): plain words, blue or amber; a run's passed/failed is a green or red pill */}
        <span
          className={`validation file-check ${checked.ok ? 'valid' : 'invalid'}${pending ? ' pending' : ''}`}
          data-testid="scenario-validation"
          data-valid={checked.ok ? 'true' : 'false'}
          data-pending={pending ? 'true' : 'false'}
          title={checked.ok ? 'the file parses and matches the scenario schema (not run yet: see the Run panel)' : 'the file does not match the scenario schema'}
        >
          {checked.ok
            ? `Valid file · ${plural(Object.keys(checked.scenario.users).length, 'user')} · ${plural(checked.scenario.steps.length, 'step')}`
            : `Invalid file · ${plural(issues.length, 'issue')}`}
          {pending && ' · checking…'}
        </span>
        {notice && (
          <span className={notice.kind === 'ok' ? 'ok-text' : 'error-text'} data-testid="scenario-notice">
            {notice.text}
          </span>
        )}
      </div>
      {(issues.length > 0 || (notice?.issues?.length ?? 0) > 0) && (
        <ul className="issue-list" data-testid="scenario-issues">
          {(issues.length > 0 ? issues : (notice?.issues ?? [])).map((issue, i) => (
            <li key={i} data-testid="scenario-issue" data-path={issue.path}>
              <code className="issue-path">{issue.path}</code> {issue.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
