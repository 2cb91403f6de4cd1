/**
 * The golden trace snapshots of the open run (expect_snapshot steps, docs/scenarios.md): each
 * one that failed (different, or missing and not writable) side by side, expected (the stored
 * file) against received (this run), with Accept: the received snapshot is written through the
 * REST API (`PUT /api/scenarios/:id/snapshots/:name`) for a saved scenario; built-in scenarios
 * are read-only (Save as to own a copy). After accepting, run again: the step passes.
 */
import { useState } from 'react';
import type { StepResult } from '../../../../scenario/scenario-result.ts';
import { SnapshotApiError, writeLibrarySnapshot } from '../../../../scenario/snapshot-rest.ts';
import { lineDiff, parseSnapshot, snapshotEventLines, withoutSeq, type SnapshotOutcome } from '../../../../scenario/trace-snapshot.ts';
import { getConnections } from '../users/index.ts';
import { scenarioStore } from './scenario-store.ts';

type Row = { left?: string; right?: string; change: 'same' | 'removed' | 'added' | 'changed' };

/** The steps with a snapshot to review: different, or missing. */
function reviewable(steps: readonly StepResult[] | undefined, out: Array<StepResult & { snapshot: SnapshotOutcome }> = []) {
  for (const s of steps ?? []) {
    if (s.children) reviewable(s.children, out);
    if (s.snapshot && (s.snapshot.outcome === 'mismatch' || s.snapshot.outcome === 'missing')) out.push(s as StepResult & { snapshot: SnapshotOutcome });
  }
  return out;
}

function eventLines(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    return snapshotEventLines(parseSnapshot(text));
  } catch {
    return text.split('\n');
  }
}

/** Side-by-side rows: unchanged lines on both sides (an event whose seq only moved too), a removed block beside the added block that replaced it. */
export function sideBySide(expected: readonly string[], received: readonly string[]): Row[] {
  const rows: Row[] = [];
  const ops = lineDiff(expected, received, Number.MAX_SAFE_INTEGER, withoutSeq);
  for (let i = 0; i < ops.length; ) {
    const op = ops[i] as string;
    if (op.startsWith('  ')) {
      rows.push({ left: op.slice(2), right: op.slice(2), change: 'same' });
      i++;
      continue;
    }
    let removed: string[] = [];
    let added: string[] = [];
    const flush = () => {
      for (let k = 0; k < Math.max(removed.length, added.length); k++) {
        const left = removed[k];
        const right = added[k];
        rows.push({ ...(left !== undefined ? { left } : {}), ...(right !== undefined ? { right } : {}), change: left !== undefined && right !== undefined ? 'changed' : left !== undefined ? 'removed' : 'added' });
      }
      removed = [];
      added = [];
    };
    while (i < ops.length && !(ops[i] as string).startsWith('  ')) {
      const line = ops[i] as string;
      const next = ops[i + 1];
      // lineDiff aligns events without their seq: a `- `/`+ ` pair equal but for seq is the same event moved by an event more or less.
      if (line.startsWith('- ') && next?.startsWith('+ ') && withoutSeq(line.slice(2)) === withoutSeq(next.slice(2))) {
        flush();
        rows.push({ left: line.slice(2), right: next.slice(2), change: 'same' });
        i += 2;
        continue;
      }
      (line.startsWith('- ') ? removed : added).push(line.slice(2));
      i++;
    }
    flush();
  }
  return rows;
}

const TINT: Record<Row['change'], string | undefined> = {
  same: undefined,
  removed: 'rgba(220, 60, 60, 0.15)',
  added: 'rgba(40, 170, 90, 0.15)',
  changed: 'rgba(230, 170, 40, 0.18)',
};

function SnapshotDiff({ step, scenarioId, builtin }: { step: StepResult & { snapshot: SnapshotOutcome }; scenarioId: string | null; builtin: boolean }) {
  const [state, setState] = useState<{ kind: 'idle' | 'saving' | 'accepted' | 'error'; message?: string }>({ kind: 'idle' });
  const [open, setOpen] = useState(false);
  const snap = step.snapshot;
  const rows = sideBySide(eventLines(snap.expected), eventLines(snap.received));
  const refusal = !scenarioId ? 'Save the scenario to keep its snapshots.' : builtin ? 'Built-in scenarios are read-only: Save as to own a copy.' : undefined;
  const accept = async () => {
    if (!scenarioId) return;
    setState({ kind: 'saving' });
    try {
      const file = await writeLibrarySnapshot(getConnections().baseUrl, scenarioId, snap.name, snap.received);
      setState({ kind: 'accepted', message: `Accepted: written to ${file}. Run again to see it pass.` });
    } catch (err) {
      setState({ kind: 'error', message: err instanceof SnapshotApiError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err) });
    }
  };
  const acceptButton = (
    <button
      data-testid="snapshot-accept"
      disabled={refusal !== undefined || state.kind === 'saving' || state.kind === 'accepted'}
      title={refusal ?? 'write this run as the snapshot'}
      onClick={() => void accept()}
    >
      Accept
    </button>
  );
  const status = state.message && (
    <div data-testid={state.kind === 'accepted' ? 'snapshot-accepted' : 'snapshot-accept-error'} className={state.kind === 'error' ? 'error' : undefined}>
      {state.message}
    </div>
  );
  return (
    <div className="snapshot-diff" data-testid="snapshot-diff" data-snapshot={snap.name} data-outcome={snap.outcome} style={{ marginTop: 8 }}>
      <div>
        <strong>
          Snapshot {snap.name} {snap.outcome === 'missing' ? 'is missing' : 'differs'}
        </strong>{' '}
        <span className="muted">(step {step.id})</span>
      </div>
      <div className="muted" style={{ wordBreak: 'break-all' }}>
        {snap.file}
      </div>
      {snap.first_difference && (
        <div data-testid="snapshot-first-difference" style={{ wordBreak: 'break-all' }}>
          at <code>{snap.first_difference.path}</code>: expected <code>{snap.first_difference.expected}</code>, received <code>{snap.first_difference.received}</code>
        </div>
      )}
      {refusal && <div className="muted">{refusal}</div>}
      <div style={{ display: 'flex', gap: 8, marginTop: 4 }}>
        <button data-testid="snapshot-show-diff" onClick={() => setOpen(true)}>
          Show diff
        </button>
        {acceptButton}
      </div>
      {status}
      {open && (
        <div
          role="dialog"
          aria-label={`snapshot ${snap.name}: expected against received`}
          data-testid="snapshot-diff-dialog"
          style={{ position: 'fixed', inset: '4vh 4vw', zIndex: 50, background: 'var(--panel)', border: '1px solid var(--border)', borderRadius: 6, boxShadow: '0 8px 40px #0005', display: 'flex', flexDirection: 'column' }}
        >
          <div style={{ display: 'flex', gap: 8, alignItems: 'center', padding: '8px 12px', borderBottom: '1px solid var(--border)' }}>
            <strong style={{ flex: 1 }}>
              Snapshot {snap.name}: {snap.file}
            </strong>
            {acceptButton}
            <button className="ghost" data-testid="snapshot-diff-close" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
          <div style={{ padding: '0 12px' }}>{status}</div>
          <div style={{ overflow: 'auto', flex: 1, padding: '0 12px 12px' }}>
            <table style={{ width: '100%', tableLayout: 'fixed', borderCollapse: 'collapse', fontFamily: 'monospace', fontSize: 12 }}>
              <thead>
                <tr>
                  <th style={{ textAlign: 'left', position: 'sticky', top: 0, background: 'var(--panel)' }}>expected (stored)</th>
                  <th style={{ textAlign: 'left', position: 'sticky', top: 0, background: 'var(--panel)' }}>received (this run)</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i} data-testid="snapshot-diff-row" data-change={r.change} style={{ background: TINT[r.change], borderTop: '1px solid var(--line)' }}>
                    <td style={{ verticalAlign: 'top', wordBreak: 'break-all', padding: '2px 6px' }} data-testid="snapshot-expected-line">
                      {r.left ?? ''}
                    </td>
                    <td style={{ verticalAlign: 'top', wordBreak: 'break-all', padding: '2px 6px' }} data-testid="snapshot-received-line">
                      {r.right ?? ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}

export function SnapshotDiffPanel() {
  const { doc, run } = scenarioStore.use();
  const steps = reviewable(run?.result?.steps);
  if (!run || steps.length === 0) return null;
  return (
    <div className="snapshot-diff-panel pad" data-testid="snapshot-diff-panel">
      <h3>Snapshots to review</h3>
      {steps.map((s) => (
        <SnapshotDiff key={`${run.started_at}-${s.id}`} step={s} scenarioId={run.scenarioId} builtin={doc?.source === 'builtin'} />
      ))}
    </div>
  );
}
