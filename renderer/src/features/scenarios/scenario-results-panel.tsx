/** The stored results of the open scenario: open one, or tick two and compare them side by side. */
import { scenarioActions, scenarioStore } from './scenario-store.ts';
import { SnapshotDiffPanel } from './snapshot-diff-panel.tsx';
import { formatDateTime } from '../../ui/time-format.ts';

export function ScenarioResultsPanel() {
  const { doc, results, picked, run, comparison } = scenarioStore.use();
  if (!doc) return null;
  return (
    <section className="panel results-panel" data-testid="scenario-results">
      <header className="panel-head">
        <h2>
          Results <span className="count">{results.length}</span>
        </h2>
        <div className="filters">
          <button data-testid="results-compare" disabled={picked.length !== 2} onClick={() => void scenarioActions.compare()} title="tick two results">
            Compare{picked.length ? ` (${picked.length}/2)` : ''}
          </button>
          {comparison && (
            <button className="ghost" data-testid="comparison-close" onClick={() => scenarioActions.closeComparison()}>
              Close comparison
            </button>
          )}
          <button className="ghost" onClick={() => void scenarioActions.loadResults()} disabled={!doc.id} title="reload">
            ↻
          </button>
        </div>
      </header>
      <ul className="result-list">
        {!doc.id && <li className="muted pad">Save the scenario to keep its results.</li>}
        {doc.id && results.length === 0 && <li className="muted pad">No results yet: ▶ Run.</li>}
        {results.map((r) => (
          <li
            key={r.result_id}
            className={`result-item${run?.resultId === r.result_id ? ' open' : ''}`}
            data-testid="result-item"
            data-result-id={r.result_id}
            data-status={r.status}
          >
            <input
              type="checkbox"
              data-testid="result-pick"
              checked={picked.includes(r.result_id)}
              onChange={() => scenarioActions.togglePick(r.result_id)}
              aria-label={`compare ${r.result_id}`}
            />
            <button className="link result-open" data-testid="result-open" onClick={() => void scenarioActions.viewResult(r.result_id)}>
              {formatDateTime(Date.parse(r.started_at))}
            </button>
            <span className={`status-text ${r.status === 'passed' ? 'succeeded' : 'failed'}`}>{r.status}</span>
            <span className="time">{r.duration_ms ?? '?'} ms</span>
          </li>
        ))}
      </ul>
      <SnapshotDiffPanel />
    </section>
  );
}
