/**
 * A scenario run, live or stored: its steps as they start and end, the runs it caused as
 * timeline lanes, and every envelope its users received (a lane narrows them to its run).
 */
import { useMemo, useState } from 'react';
import { sessionFromResult } from '../../../../scenario/recorded-session.ts';
import { countSteps } from '../../../../scenario/scenario-result.ts';
import { downloadHar } from './har-file.ts';
import { runIdOf, summarize } from '../live-events/index.ts';
import { RunLane } from '../timeline/index.ts';
import { lanesFromObservedRuns, lanesFromReceived } from './scenario-lanes.ts';
import { ScenarioStepRow } from './scenario-step-row.tsx';
import { scenarioActions, scenarioStore, type ScenarioRunView } from './scenario-store.ts';
import { sourceLabel, stepLocator } from './step-source.ts';

const MAX_RECEIVED_SHOWN = 400;

const RESULT_ICON: Record<string, string> = { passed: '✔', running: '◌', stopped: '■' };

const jump = (line: number, column: number) => scenarioActions.jumpTo(line, column);

function runStatus(run: ScenarioRunView): string {
  if (run.state === 'running') return 'running';
  if (run.state === 'stopped') return 'stopped';
  if (run.state === 'error') return 'error';
  return run.result?.status ?? 'done';
}

export function ScenarioRunPanel() {
  const { run, doc } = scenarioStore.use();
  const [focusedRun, setFocusedRun] = useState('');
  const runText = run?.text;
  const locate = useMemo(() => (runText === undefined ? undefined : stepLocator(runText)), [runText]);
  // A failed step's `file:line:column`, as the CLI prints it; only for the scenario open in the editor.
  const file = run?.scenarioId ?? 'untitled';
  const jumpable = run !== null && doc !== null && doc.id === run.scenarioId;
  const sourceOf = (id: string) => {
    const at = jumpable ? locate?.(id) : undefined;
    return at ? { label: sourceLabel(file, at), ...at } : undefined;
  };

  const lanes = useMemo(() => {
    if (!run) return [];
    return run.result ? lanesFromObservedRuns(run.result.runs, run.result.started_at) : lanesFromReceived(run.received, run.started_at);
  }, [run]);
  const received = useMemo(() => {
    const list = run?.received ?? [];
    const shown = focusedRun ? list.filter((r) => runIdOf(r.envelope as { type: string }) === focusedRun) : list;
    return shown.slice(-MAX_RECEIVED_SHOWN);
  }, [run, focusedRun]);

  if (!run) {
    return (
      <section className="panel run-panel" data-testid="scenario-run-panel">
        <header className="panel-head">
          <h2>Run</h2>
        </header>
        <div className="muted pad">Run the open scenario (▶ Run) or pick a stored result.</div>
      </section>
    );
  }

  const status = runStatus(run);
  const counts = countSteps(run.result?.steps ?? []);
  const result = run.result;
  return (
    <>
      <section className="panel run-panel" data-testid="scenario-run-panel" data-state={run.state} data-status={status}>
        <header className="panel-head">
          <h2>
            Run <span className="count">{run.name}</span>
          </h2>
          <div className="filters">
            {/* the run's result: a filled pill with an icon (the editor's "valid file" is plain text with a dot) */}
            <span className={`status-pill run-result ${status === 'passed' ? 'succeeded' : status === 'running' ? 'running' : 'failed'}`} title="the run's result">
              <span aria-hidden="true">{RESULT_ICON[status] ?? '✘'} </span>
              <span data-testid="scenario-run-status">{status}</span>
            </span>
            {result && (
              <span className="muted" data-testid="scenario-run-counts">
                {counts.passed} passed · {counts.failed} failed · {counts.skipped} skipped · {result.duration_ms} ms
              </span>
            )}
            {run.resultId && (
              <span className="muted" data-testid="scenario-run-stored" title={run.resultId}>
                stored
              </span>
            )}
            {result && (
              <button
                data-testid="result-export-har"
                onClick={() => downloadHar(sessionFromResult(result, run.transports), `${run.name} ${result.started_at}`)}
                title="this run's session as a HAR file"
              >
                Export HAR
              </button>
            )}
          </div>
        </header>
        {run.error && <div className="error-text pad">{run.error}</div>}
        {run.storeError && <div className="error-text pad">result not stored: {run.storeError}</div>}
        {result?.error && <div className="error-text pad">{result.error}</div>}
        <ul className="step-list" data-testid="scenario-steps">
          {run.rows.map((row) => (
            <ScenarioStepRow key={row.id} row={row} {...(row.status === 'failed' ? { source: sourceOf(row.id), onJump: jump } : {})} />
          ))}
        </ul>
      </section>
      <section className="panel caused-panel" data-testid="scenario-caused">
        <header className="panel-head">
          <h2>
            Runs <span className="count">{lanes.length}</span> · received <span className="count">{run.received.length}</span>
          </h2>
          {focusedRun && (
            <button className="ghost" onClick={() => setFocusedRun('')}>
              show all runs
            </button>
          )}
        </header>
        <div className="caused-body">
          <div className="lanes scenario-lanes">
            {lanes.map((lane) => (
              <RunLane
                key={lane.runId}
                lane={lane}
                focused={lane.runId === focusedRun}
                onFocus={() => setFocusedRun(focusedRun === lane.runId ? '' : lane.runId)}
              />
            ))}
            {lanes.length === 0 && <div className="muted">No runs yet.</div>}
          </div>
          <ul className="received-list" data-testid="scenario-received">
            {received.map((r, i) => (
              <li
                key={i}
                className={`received-row type-${String(r.envelope.type)}`}
                data-testid="scenario-received-row"
                data-type={String(r.envelope.type)}
                data-user={r.user}
              >
                <span className="time">+{Math.round(r.at_ms)} ms</span>
                <span className="tag">{r.user}</span>
                <span className="etype">{String(r.envelope.type)}</span>
                <span className="summary">{summarize(r.envelope as { type: string })}</span>
              </li>
            ))}
          </ul>
        </div>
      </section>
    </>
  );
}
