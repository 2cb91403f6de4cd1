/**
 * The step list of a scenario run as the console shows it: the scenario's top-level steps as
 * pending rows first, then each step's start and end as the runner reports them (nested
 * repeat/parallel steps appear under their parent), and finally the result's full tree.
 */
import type { StepFailure, StepResult, StepStatus } from '../../client/scenario/scenario-result.ts';
import type { Scenario, ScenarioStep } from '../../protocol/index.ts';

export type RowStatus = StepStatus | 'pending' | 'running';

export interface StepRow {
  /** `3`, or `4.2.1` inside repeat/parallel. */
  id: string;
  depth: number;
  kind: string;
  title: string;
  status: RowStatus;
  duration_ms?: number;
  detail?: string;
  failure?: StepFailure;
}

function userOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as { user?: unknown; as?: unknown };
    return String(v.user ?? v.as ?? '');
  }
  return '';
}

/** A short description of a step before it runs. */
export function describeStep(step: ScenarioStep): { kind: string; title: string } {
  const kind = Object.keys(step).find((k) => k !== 'name') ?? 'unknown';
  if (step.name) return { kind, title: step.name };
  const value = (step as Record<string, unknown>)[kind];
  switch (kind) {
    case 'send': {
      const s = step.send!;
      const what = s.message ? String(s.message.type ?? 'message') : s.raw !== undefined ? 'raw text' : `${s.oversize_bytes} bytes`;
      return { kind, title: `send ${what} as ${s.as}` };
    }
    case 'sleep':
      return { kind, title: `sleep ${String(value)} ms` };
    case 'set':
      return { kind, title: `set ${Object.keys(step.set ?? {}).join(', ')}` };
    case 'repeat':
      return { kind, title: `repeat ${step.repeat!.times}×` };
    case 'parallel':
      return { kind, title: `parallel: ${step.parallel!.length} branches` };
    default: {
      const user = userOf(value);
      return { kind, title: user ? `${kind} ${user}` : kind };
    }
  }
}

const depthOf = (id: string) => id.split('.').length - 1;

function compareIds(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export function planRows(scenario: Scenario): StepRow[] {
  return scenario.steps.map((step, i) => ({ id: String(i + 1), depth: 0, ...describeStep(step), status: 'pending' as const }));
}

function toRow(step: StepResult, status: RowStatus): StepRow {
  return {
    id: step.id,
    depth: depthOf(step.id),
    kind: step.kind,
    title: step.title,
    status,
    ...(status === 'running' || status === 'pending' ? {} : { duration_ms: step.duration_ms }),
    ...(step.detail !== undefined ? { detail: step.detail } : {}),
    ...(step.failure ? { failure: step.failure } : {}),
  };
}

function upsert(rows: readonly StepRow[], row: StepRow): StepRow[] {
  const out = rows.filter((r) => r.id !== row.id);
  out.push(row);
  return out.sort((a, b) => compareIds(a.id, b.id));
}

export function stepStarted(rows: readonly StepRow[], step: StepResult): StepRow[] {
  return upsert(rows, toRow(step, 'running'));
}

export function stepEnded(rows: readonly StepRow[], step: StepResult): StepRow[] {
  return upsert(rows, toRow(step, step.status));
}

/** Every step of a result, depth first. */
export function rowsFromResult(steps: readonly StepResult[]): StepRow[] {
  const out: StepRow[] = [];
  const visit = (list: readonly StepResult[]) => {
    for (const s of list) {
      out.push(toRow(s, s.status));
      if (s.children) visit(s.children);
    }
  };
  visit(steps);
  return out;
}

/** Steps still pending or running when a run ended without a result (it threw): skipped. */
export function settleRows(rows: readonly StepRow[]): StepRow[] {
  return rows.map((r) => (r.status === 'pending' || r.status === 'running' ? { ...r, status: 'skipped' as const } : r));
}
