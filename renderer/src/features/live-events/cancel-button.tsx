/** Cancel for a run in progress: sends `cancel_run` as the run's owner, then waits for the run's end. */
import { cancelRun, useRunControl } from './run-control.ts';

interface Props {
  userId: string;
  runId: string;
  testId?: string;
}

export function CancelRunButton({ userId, runId, testId = 'cancel-run' }: Props) {
  const { cancelling, error } = useRunControl(runId);
  return (
    <button
      className={`chip cancel-run${error ? ' error-text' : ''}`}
      data-testid={testId}
      data-run-id={runId}
      data-state={cancelling ? 'cancelling' : error ? 'failed' : 'ready'}
      disabled={cancelling}
      title={
        error
          ? `cancel_run could not be sent: ${error}`
          : cancelling
            ? 'cancel_run sent (no ack expected): waiting for the run to end'
            : `send cancel_run for ${runId} as ${userId}`
      }
      onClick={(e) => {
        e.stopPropagation();
        cancelRun(userId, runId);
      }}
    >
      {cancelling ? 'Cancelling…' : error ? 'Cancel failed' : 'Cancel'}
    </button>
  );
}
