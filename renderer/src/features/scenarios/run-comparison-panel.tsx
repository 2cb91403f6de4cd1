/**
 * Two results of a scenario side by side: step statuses and durations, and each run's events,
 * order and timing. Each side shows its own ids (result id, and per paired run its run id):
 * runs are paired by order, so the two sides' run ids differ. A status that went from failing
 * to passing is a fix (green), the other way a regression (red); when the scenario text
 * changed between A and B, its line diff is shown.
 */
import type { ChangeKind, ComparedEvent, EventRow } from '../../../../scenario/run-comparison.ts';
import { scenarioActions, scenarioStore } from './scenario-store.ts';
import { diffHunks, type DiffLine } from './text-diff.ts';
import { formatDateTime } from '../../ui/time-format.ts';

type Verdict = 'fix' | 'regression' | 'other';
const GOOD = new Set(['passed', 'succeeded']);
const BAD = new Set(['failed', 'error', 'cancelled', 'interrupted', 'skipped']);

/** A status change from A to B: bad → good is a fix, good → bad (or gone) a regression. */
function verdictOf(from: string | undefined, to: string | undefined): Verdict {
  if (from === to) return 'other';
  if (GOOD.has(to ?? '') && (from === undefined || BAD.has(from))) return 'fix';
  if (GOOD.has(from ?? '') && (to === undefined || BAD.has(to))) return 'regression';
  return 'other';
}

const VERDICT_MARK: Record<Verdict, string> = { fix: '✔ fixed', regression: '✘ regression', other: '' };

function TextDiff({ lines }: { lines: readonly DiffLine[] }) {
  const hunks = diffHunks(lines);
  return (
    <pre className="text-diff" data-testid="comparison-text-diff">
      {hunks.map((l, i) =>
        l === null ? (
          <div key={i} className="diff-gap">
            ⋯
          </div>
        ) : (
          <div key={i} className={`diff-line diff-${l.kind}`} data-testid="comparison-diff-line" data-kind={l.kind}>
            <span className="diff-no">{l.a ?? ''}</span>
            <span className="diff-no">{l.b ?? ''}</span>
            <span className="diff-sign">{l.kind === 'added' ? '+' : l.kind === 'removed' ? '−' : ' '}</span>
            {l.text}
          </div>
        ),
      )}
    </pre>
  );
}

/** `1 line`, `3 lines`. */
const lineCount = (n: number) => `${n} line${n === 1 ? '' : 's'}`;

const MARK: Record<ChangeKind, string> = { same: ' ', changed: '≠', added: '+', removed: '−' };

function delta(ms: number | undefined): string {
  if (ms === undefined) return '';
  return `${ms > 0 ? '+' : ''}${ms} ms`;
}

function eventCell(e: ComparedEvent | undefined) {
  if (!e) return <span className="muted">—</span>;
  return (
    <>
      <span className="etype">{e.type}</span>
      {e.label && <span className="muted"> {e.label}</span>}
      <span className="time"> @{e.at_ms} ms</span>
    </>
  );
}

function EventRows({ rows }: { rows: EventRow[] }) {
  return (
    <table className="compare-table events">
      <tbody>
        {rows.map((row, i) => (
          <tr key={i} className={`change-${row.change}`} data-testid="comparison-event-row" data-change={row.change}>
            <td className="mark">{MARK[row.change]}</td>
            <td>{eventCell(row.left)}</td>
            <td>{eventCell(row.right)}</td>
            <td className="time">{delta(row.delta_ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RunComparisonPanel() {
  const { comparison } = scenarioStore.use();
  if (!comparison) return null;
  const { left, right, comparison: c, textDiffered, textChanges, textDiff } = comparison;
  const overall = verdictOf(c.left.status, c.right.status);
  const side = (s: typeof c.left, label: string, resultId: string, testId: string) => (
    <div className="compare-side" data-testid={testId} data-result-id={resultId}>
      <div className="muted">{label}</div>
      <div className="mono compare-id" title={resultId}>
        {resultId}
      </div>
      <div>{formatDateTime(Date.parse(s.started_at))}</div>
      <div>
        <span className={`status-text ${s.status === 'passed' ? 'succeeded' : 'failed'}`}>{s.status}</span> · {s.duration_ms} ms
      </div>
    </div>
  );
  return (
    <section className="panel comparison-panel" data-testid="comparison" data-left={left.result_id} data-right={right.result_id}>
      <header className="panel-head">
        <h2>Compare results</h2>
        <button className="ghost" onClick={() => scenarioActions.closeComparison()}>
          ×
        </button>
      </header>
      <div className="comparison-body">
        <div className="compare-sides">
          {side(c.left, 'A (older)', left.result_id, 'comparison-side-a')}
          {side(c.right, 'B (newer)', right.result_id, 'comparison-side-b')}
        </div>
        <div
          className={`compare-text-note ${textDiffered ? 'warn-text' : 'muted'}`}
          data-testid="comparison-text-note"
          data-differed={textDiffered === null ? 'unknown' : String(textDiffered)}
        >
          {textDiffered === null
            ? 'One of the results was stored without its scenario text: whether the scenario changed between A and B is unknown.'
            : textDiffered
              ? `The scenario text differed between A and B (${lineCount(textChanges?.added ?? 0)} added, ${textChanges?.removed ?? 0} removed): differences may come from the edit, not the backend.`
              : 'A and B ran the same scenario text.'}
        </div>
        {textDiff && <TextDiff lines={textDiff} />}
        {overall !== 'other' && (
          <div className={`verdict verdict-${overall}`} data-testid="comparison-verdict" data-verdict={overall}>
            {overall === 'fix' ? '✔ Fixed: A failed, B passed' : '✘ Regression: A passed, B failed'}
          </div>
        )}
        <div className="compare-summary" data-testid="comparison-summary">
          steps: {c.summary.steps.same} same · {c.summary.steps.changed} changed · {c.summary.steps.added} added · {c.summary.steps.removed} removed — runs:{' '}
          {c.summary.runs.same} same · {c.summary.runs.changed} changed · {c.summary.runs.added} added · {c.summary.runs.removed} removed — event differences:{' '}
          {c.summary.event_differences}
          {c.summary.status_changes.map((s) => {
            const verdict = verdictOf(s.from, s.to);
            return (
              <div key={s.id} className={`status-change verdict-${verdict}`} data-testid="comparison-status-change" data-verdict={verdict}>
                {VERDICT_MARK[verdict] && <span className="verdict-mark">{VERDICT_MARK[verdict]}</span>} step {s.id} {s.title}: {s.from ?? 'absent'} →{' '}
                {s.to ?? 'absent'}
              </div>
            );
          })}
        </div>
        <h3>Steps</h3>
        <table className="compare-table">
          <thead>
            <tr>
              <th />
              <th>step</th>
              <th>A</th>
              <th>B</th>
              <th>Δ</th>
            </tr>
          </thead>
          <tbody>
            {c.steps.map((s) => (
              <tr
                key={s.id}
                className={`change-${s.change} verdict-${verdictOf(s.left?.status, s.right?.status)}`}
                data-testid="comparison-step-row"
                data-change={s.change}
                data-verdict={verdictOf(s.left?.status, s.right?.status)}
              >
                <td className="mark">{MARK[s.change]}</td>
                <td style={{ paddingLeft: 4 + s.depth * 12 }}>
                  <span className="mono muted">{s.id}</span> {(s.left ?? s.right)?.title}
                </td>
                <td>{s.left ? `${s.left.status} · ${s.left.duration_ms} ms` : '—'}</td>
                <td>{s.right ? `${s.right.status} · ${s.right.duration_ms} ms` : '—'}</td>
                <td className="time">{delta(s.duration_delta_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Runs</h3>
        {c.runs.map((r) => (
          <div
            key={`${r.user}-${r.index}`}
            className={`compare-run change-${r.change} verdict-${verdictOf(r.status.left, r.status.right)}`}
            data-testid="comparison-run"
            data-change={r.change}
            data-verdict={verdictOf(r.status.left, r.status.right)}
          >
            <div className="compare-run-head">
              <span className="tag">{r.user}</span> run #{r.index} <span className="muted">{r.change}</span>
              <span className="muted">
                {' '}
                · status {r.status.left ?? '—'} → {r.status.right ?? '—'} · {r.left?.duration_ms ?? '—'} ms → {r.right?.duration_ms ?? '—'} ms{' '}
                {delta(r.duration_delta_ms)}
              </span>
            </div>
            <div className="compare-run-ids">
              <span className="mono" data-testid="comparison-run-id-a" title={r.left?.run_id}>
                A: {r.left?.run_id ?? '—'}
              </span>
              <span className="mono" data-testid="comparison-run-id-b" title={r.right?.run_id}>
                B: {r.right?.run_id ?? '—'}
              </span>
            </div>
            {r.response.changed && (
              <div className="compare-response">
                <div>A: {String(r.response.left ?? '—')}</div>
                <div>B: {String(r.response.right ?? '—')}</div>
              </div>
            )}
            <EventRows rows={r.events} />
          </div>
        ))}
        {c.runs.length === 0 && <div className="muted">No runs in either result.</div>}
      </div>
    </section>
  );
}
