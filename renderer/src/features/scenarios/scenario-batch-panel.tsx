/**
 * The last Run all / Run tag: counts (passed, failed, skipped), the duration, and one line per
 * scenario with its outcome; a line opens the scenario in the editor at its first failed step.
 */
import { scenarioActions, scenarioStore } from './scenario-store.ts';
import { batchCounts } from './scenario-batch.ts';

const ICON: Record<string, string> = { queued: '○', running: '◌', passed: '✔', failed: '✘', 'not run': '–' };

export function ScenarioBatchPanel() {
  const { batch } = scenarioStore.use();
  if (!batch) return null;
  const counts = batchCounts(batch.entries);
  return (
    <section className="panel batch-panel" data-testid="scenario-batch" data-state={batch.state}>
      <header className="panel-head">
        <h2>
          {batch.tag === null ? 'Run all' : 'Run tag'} {batch.tag !== null && <span className="tag">{batch.tag}</span>}
        </h2>
        <div className="filters">
          <span className="batch-counts" data-testid="scenario-batch-summary">
            <span className="ok-text">{counts.passed} passed</span> · <span className={counts.failed ? 'error-text' : 'muted'}>{counts.failed} failed</span> ·{' '}
            <span className="muted">{counts.skipped} skipped</span>
            {batch.state === 'running' ? ` · ${counts.pending} to go` : ` · ${batch.duration_ms ?? 0} ms`}
            {batch.state === 'stopped' && ' · stopped'}
          </span>
          {batch.state === 'running' ? (
            <button className="warn" data-testid="scenario-batch-stop" onClick={() => scenarioActions.stopBatch()}>
              Stop
            </button>
          ) : (
            <button className="ghost" data-testid="scenario-batch-close" onClick={() => scenarioActions.closeBatch()} title="close the summary">
              ×
            </button>
          )}
        </div>
      </header>
      <ul className="batch-list">
        {batch.entries.map((e) => (
          <li key={e.id} className={`batch-entry batch-${e.state.replace(' ', '-')}`} data-testid="scenario-batch-entry" data-id={e.id} data-state={e.state}>
            <button
              className="link batch-open"
              data-testid="scenario-batch-open"
              onClick={() => void scenarioActions.openBatchEntry(e)}
              title={e.failedStep ? `open ${e.id} at step ${e.failedStep.id} (line ${e.failedStep.line})` : `open ${e.id}`}
            >
              <span className="batch-icon" aria-hidden="true">
                {ICON[e.state]}
              </span>{' '}
              <span className="batch-name">{e.name}</span> <span className="mono muted">{e.failedStep ? `${e.id}:${e.failedStep.line}:${e.failedStep.column}` : e.id}</span>
            </button>
            <span className="batch-state">{e.state}</span>
            {e.duration_ms !== undefined && <span className="time">{e.duration_ms} ms</span>}
            {e.reason && <div className={e.state === 'failed' ? 'error-text batch-reason' : 'muted batch-reason'}>{e.reason}</div>}
          </li>
        ))}
        {batch.entries.length === 0 && <li className="muted pad">No scenario {batch.tag === null ? 'in the library' : `tagged ${batch.tag}`}.</li>}
      </ul>
    </section>
  );
}
