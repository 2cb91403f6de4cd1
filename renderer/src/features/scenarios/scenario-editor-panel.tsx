/**
 * The open scenario: its text in the editor, validated as you type (issues with their paths),
 * Save / Save as / Delete (with why Save is unavailable), Run / Stop, and the HAR of the
 * session it was recorded from.
 */
import { useMemo, useState } from 'react';
import { downloadHar } from './har-file.ts';
import { ScenarioEditor } from './scenario-editor.tsx';
import { scenarioActions, scenarioStore, type OpenScenario } from './scenario-store.ts';
import { checkScenarioText } from '../../../../scenario/scenario-loader.ts';
import { scenarioNameOfDoc } from './scenario-text.ts';
import { hasUnsavedChanges } from './unsaved-changes.ts';

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

export function ScenarioEditorPanel() {
  const { doc, busy, notice, run } = scenarioStore.use();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const text = doc?.text ?? '';
  const checked = useMemo(() => checkScenarioText(text), [text]);
  const issues = checked.ok ? [] : checked.issues;

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
  const canSaveAs = checked.ok && !busy && doc.id !== null;
  const blocked = canSave ? '' : saveBlockedReason(doc, issues.length, busy);
  // the text was parsed once above (checked.doc): no second parse per render
  const name = checked.ok ? checked.scenario.name : (scenarioNameOfDoc(checked.doc) ?? doc.id ?? 'untitled');

  return (
    <section className="panel editor-panel" data-testid="scenario-editor-panel" data-id={doc.id ?? ''} data-dirty={hasUnsavedChanges(doc) ? 'true' : 'false'}>
      <header className="panel-head">
        <h2 className="doc-title">
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
          <button data-testid="scenario-save-as" disabled={!canSaveAs} onClick={() => void scenarioActions.save(true)} title="save as a new scenario">
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
            <button className="primary" data-testid="scenario-run" disabled={!checked.ok} onClick={() => void scenarioActions.run()}>
              ▶ Run
            </button>
          )}
        </div>
      </header>
      <ScenarioEditor docKey={doc.key} value={doc.text} format={checked.format} issues={issues} onChange={(t) => scenarioActions.edit(t)} />
      <div className="editor-foot">
        <span className={`validation ${checked.ok ? 'ok' : 'bad'}`} data-testid="scenario-validation" data-valid={checked.ok ? 'true' : 'false'}>
          {checked.ok
            ? `Valid · ${plural(Object.keys(checked.scenario.users).length, 'user')} · ${plural(checked.scenario.steps.length, 'step')}`
            : plural(issues.length, 'issue')}
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
