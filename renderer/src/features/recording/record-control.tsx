/** Record / Stop for the live console session; Stop opens the recorded scenario in the editor (or Open recording, when that was declined). */
import { recordingActions, recordingStore } from './recording-store.ts';

export function RecordControl() {
  const { recording, counts, unopened, error } = recordingStore.use();
  return (
    <div className="record-control" data-testid="record-control" data-recording={recording ? 'true' : 'false'}>
      {recording ? (
        <>
          <span className="rec-dot" aria-hidden="true" />
          <span className="rec-counts" data-testid="record-counts">
            recording · {counts.users} users · {counts.sent} sent · {counts.received} received
          </span>
          <button className="warn" data-testid="record-stop" onClick={() => recordingActions.stop()} title="stop and open the recorded scenario">
            Stop recording
          </button>
        </>
      ) : (
        <>
          {unopened && (
            <button data-testid="record-open" onClick={() => void recordingActions.openLast()} title="open the last recording in the scenario editor">
              Open recording
            </button>
          )}
          <button data-testid="record-start" onClick={() => recordingActions.start()} title="capture what the console's users send and receive into a scenario">
            ● Record
          </button>
        </>
      )}
      {error && (
        <span className="error-text" data-testid="record-error">
          {error}
        </span>
      )}
    </div>
  );
}
