/**
 * One step of a scenario run: status, title, duration, and for a failure what was expected
 * against what arrived. A failure dominates the row (the title is the runner's, describing the
 * step, e.g. "expect run … succeeded", which is what was expected, not what happened).
 * Memoized: a live run re-renders only the rows that changed.
 */
import { memo } from 'react';
import type { StepRow } from './scenario-step-model.ts';

const ICON: Record<StepRow['status'], string> = {
  pending: '○',
  running: '◌',
  passed: '✓',
  failed: '✗',
  skipped: '–',
};

interface Props {
  row: StepRow;
  /** Where a failed step is written (`file:line:column`); clicking it puts the editor's cursor there. */
  source?: { label: string; line: number; column: number } | undefined;
  onJump?: ((line: number, column: number) => void) | undefined;
}

export const ScenarioStepRow = memo(function ScenarioStepRow({ row, source, onJump }: Props) {
  const f = row.failure;
  return (
    <li
      className={`step-row step-${row.status}`}
      data-testid="scenario-step"
      data-step-id={row.id}
      data-status={row.status}
      style={{ paddingLeft: 8 + row.depth * 16 }}
    >
      <div className="step-line">
        <span className="step-icon" aria-label={row.status}>
          {ICON[row.status]}
        </span>
        <span className="step-id mono">{row.id}</span>
        {row.status === 'failed' && (
          <span className="step-badge" data-testid="step-failed-badge">
            failed
          </span>
        )}
        <span className="step-title">{row.title}</span>
        {source && (
          <button
            className="link step-source mono"
            data-testid="step-source"
            data-line={source.line}
            title="show this step in the editor"
            onClick={() => onJump?.(source.line, source.column)}
          >
            {source.label}
          </button>
        )}
        {row.duration_ms !== undefined && <span className="time">{row.duration_ms} ms</span>}
      </div>
      {row.detail && row.status !== 'failed' && <div className="step-detail muted">{row.detail}</div>}
      {f && (
        <div className="step-failure" data-testid="step-failure">
          <div className="error-text step-failure-message" data-testid="step-failure-message">
            {f.message}
          </div>
          {(f.expected || f.received) && (
            <div className="diff">
              <div>
                <div className="diff-head">expected</div>
                <pre data-testid="step-expected">{(f.expected ?? []).join('\n')}</pre>
              </div>
              <div>
                <div className="diff-head">received</div>
                <pre data-testid="step-received">{(f.received ?? []).join('\n')}</pre>
              </div>
            </div>
          )}
        </div>
      )}
    </li>
  );
});
