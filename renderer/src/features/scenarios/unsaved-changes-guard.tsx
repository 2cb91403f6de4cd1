/**
 * Guards the open scenario's unsaved changes: the in-app "Discard unsaved changes to X?"
 * dialog (asked by scenario-document-actions.ts before another scenario, New, an imported HAR or a
 * recording replaces them), and the browser's leave-page warning while there are any.
 */
import { useEffect } from 'react';
import { scenarioActions, scenarioStore } from './scenario-store.ts';
import { hasUnsavedChanges } from './unsaved-changes.ts';

/** The browser asks "Leave site?"; in Electron main/unload-guard.ts asks with a native dialog. */
function useLeaveWarning(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [active]);
}

export function UnsavedChangesGuard() {
  const { doc, discardPrompt } = scenarioStore.use();
  useLeaveWarning(hasUnsavedChanges(doc));
  if (!discardPrompt) return null;
  const keep = () => scenarioActions.answerDiscard(false);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && keep()}>
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="discard-dialog-text"
        data-testid="discard-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') keep();
        }}
      >
        <p id="discard-dialog-text" data-testid="discard-dialog-text">
          Discard unsaved changes to <strong>{discardPrompt.label}</strong>?
        </p>
        <div className="modal-actions">
          <button data-testid="discard-cancel" autoFocus onClick={keep}>
            Keep editing
          </button>
          <button className="warn" data-testid="discard-confirm" onClick={() => scenarioActions.answerDiscard(true)}>
            Discard changes
          </button>
        </div>
      </div>
    </div>
  );
}
