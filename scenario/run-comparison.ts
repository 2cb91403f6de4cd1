/**
 * Compares two results of a scenario (two replays, or before/after a change) side by side.
 * Run ids differ between replays, so runs are paired by order of appearance per user (the
 * user's 1st run with its 1st run, ...). Every list comes as rows `{ left?, right?, change }`
 * that a UI renders as two columns, row by row: `removed` rows exist only on the left (a),
 * `added` rows only on the right (b).
 */
import type { ObservedEvent, ObservedRun, ScenarioResult, StepResult, StepStatus } from './scenario-result.ts';

export type ChangeKind = 'same' | 'changed' | 'added' | 'removed';

export interface ValueChange<T> {
  left: T;
  right: T;
  changed: boolean;
}

export interface ComparedEvent {
  type: string;
  seq: number | undefined;
  /** Milliseconds since the run's first event. */
  at_ms: number;
  /** What tells two events of one type apart: the tool, the thinking step, the agent, the final status. */
  label: string | undefined;
}

export interface EventRow {
  left?: ComparedEvent;
  right?: ComparedEvent;
  /** `changed`: a different type (or label) at an aligned position. */
  change: ChangeKind;
  /** right.at_ms − left.at_ms, when both exist. */
  delta_ms?: number;
}

export interface RunSide {
  run_id: string;
  user_id: string;
  thread_id: string | undefined;
  status: string | undefined;
  response: string | null | undefined;
  event_count: number;
  /** First to last event. */
  duration_ms: number;
}

export interface RunPair {
  user: string;
  /** The user's nth run (1-based), in order of appearance. */
  index: number;
  left?: RunSide;
  right?: RunSide;
  change: ChangeKind;
  events: EventRow[];
  status: ValueChange<string | undefined>;
  response: ValueChange<string | null | undefined>;
  /** right − left duration, when both exist. */
  duration_delta_ms?: number;
}

export interface StepSide {
  kind: string;
  title: string;
  status: StepStatus;
  duration_ms: number;
  failure?: string;
}

export interface StepRow {
  /** Position, e.g. `3` or `4.2.1`. */
  id: string;
  /** Nesting level (0 for top-level steps), for indentation. */
  depth: number;
  left?: StepSide;
  right?: StepSide;
  /** `changed`: the status differs. */
  change: ChangeKind;
  status_changed: boolean;
  /** right − left duration, when both exist. */
  duration_delta_ms?: number;
}

export interface ResultSide {
  name: string;
  started_at: string;
  status: 'passed' | 'failed';
  duration_ms: number;
  target: string;
}

export interface RunComparison {
  left: ResultSide;
  right: ResultSide;
  status: ValueChange<'passed' | 'failed'>;
  runs: RunPair[];
  steps: StepRow[];
  summary: {
    runs: Record<ChangeKind, number>;
    steps: Record<ChangeKind, number>;
    /** Steps whose status changed, e.g. `3: passed → failed`. */
    status_changes: Array<{ id: string; title: string; from: StepStatus | undefined; to: StepStatus | undefined }>;
    /** Event rows that are not `same`, over all runs. */
    event_differences: number;
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function counts(): Record<ChangeKind, number> {
  return { same: 0, changed: 0, added: 0, removed: 0 };
}

function labelOf(event: ObservedEvent): string | undefined {
  const p = (event.payload ?? {}) as Record<string, unknown>;
  switch (event.type) {
    case 'agent_started':
      return typeof p.agent === 'string' ? p.agent : undefined;
    case 'agent_thinking':
      return typeof p.step === 'number' ? `step ${p.step}` : undefined;
    case 'tool_executing':
      return typeof p.tool === 'string' ? p.tool : undefined;
    case 'tool_completed':
      return typeof p.tool === 'string' ? `${p.tool}${p.ok === false ? ' failed' : ''}` : undefined;
    case 'agent_completed':
      return typeof p.status === 'string' ? p.status : undefined;
    default:
      return undefined;
  }
}

function comparedEvents(run: ObservedRun): ComparedEvent[] {
  const base = Math.min(...run.events.map((e) => e.at_ms));
  return run.events.map((e) => ({ type: e.type, seq: e.seq, at_ms: round(e.at_ms - base), label: labelOf(e) }));
}

/**
 * Aligns two sequences on their longest common subsequence; between two matches, the
 * unmatched items are paired position by position (`changed`) and the rest are
 * `removed` (left only) or `added` (right only).
 */
export function alignSequences(left: readonly string[], right: readonly string[]): Array<{ left?: number; right?: number; change: ChangeKind }> {
  const n = left.length;
  const m = right.length;
  // suffix[i * (m + 1) + j]: length of the LCS of left[i..] and right[j..]
  const suffix = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => suffix[i * (m + 1) + j] as number;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      suffix[i * (m + 1) + j] = left[i] === right[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const rows: Array<{ left?: number; right?: number; change: ChangeKind }> = [];
  let gapLeft: number[] = [];
  let gapRight: number[] = [];
  const flush = () => {
    const k = Math.max(gapLeft.length, gapRight.length);
    for (let x = 0; x < k; x++) {
      const l = gapLeft[x];
      const r = gapRight[x];
      if (l !== undefined && r !== undefined) rows.push({ left: l, right: r, change: 'changed' });
      else if (l !== undefined) rows.push({ left: l, change: 'removed' });
      else rows.push({ right: r as number, change: 'added' });
    }
    gapLeft = [];
    gapRight = [];
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && left[i] === right[j]) {
      flush();
      rows.push({ left: i, right: j, change: 'same' });
      i++;
      j++;
    } else if (j >= m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
      gapLeft.push(i++);
    } else {
      gapRight.push(j++);
    }
  }
  flush();
  return rows;
}

function runSide(run: ObservedRun): RunSide {
  const times = run.events.map((e) => e.at_ms);
  return {
    run_id: run.run_id,
    user_id: run.user_id,
    thread_id: run.thread_id,
    status: run.status,
    response: run.response,
    event_count: run.events.length,
    duration_ms: times.length ? round(Math.max(...times) - Math.min(...times)) : 0,
  };
}

function compareRun(user: string, index: number, a: ObservedRun | undefined, b: ObservedRun | undefined): RunPair {
  const left = a ? comparedEvents(a) : [];
  const right = b ? comparedEvents(b) : [];
  // Aligned on the type; an aligned pair whose label differs (another tool) is a change too.
  const events: EventRow[] = alignSequences(
    left.map((e) => e.type),
    right.map((e) => e.type),
  ).map((row) => {
    const l = row.left !== undefined ? left[row.left] : undefined;
    const r = row.right !== undefined ? right[row.right] : undefined;
    const change: ChangeKind = row.change === 'same' && l?.label !== r?.label ? 'changed' : row.change;
    return { ...(l ? { left: l } : {}), ...(r ? { right: r } : {}), change, ...(l && r ? { delta_ms: round(r.at_ms - l.at_ms) } : {}) };
  });
  const status = { left: a?.status, right: b?.status, changed: a?.status !== b?.status };
  const response = { left: a?.response, right: b?.response, changed: a?.response !== b?.response };
  const change: ChangeKind = !a ? 'added' : !b ? 'removed' : status.changed || response.changed || events.some((e) => e.change !== 'same') ? 'changed' : 'same';
  const ls = a ? runSide(a) : undefined;
  const rs = b ? runSide(b) : undefined;
  return {
    user,
    index,
    ...(ls ? { left: ls } : {}),
    ...(rs ? { right: rs } : {}),
    change,
    events,
    status,
    response,
    ...(ls && rs ? { duration_delta_ms: round(rs.duration_ms - ls.duration_ms) } : {}),
  };
}

function flattenSteps(steps: StepResult[], out = new Map<string, StepResult>()): Map<string, StepResult> {
  for (const s of steps) {
    out.set(s.id, s);
    if (s.children) flattenSteps(s.children, out);
  }
  return out;
}

/** Position ids in document order: `2` < `2.1` < `2.1.3` < `2.10` < `3`. */
function compareIds(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === undefined) return -1;
    if (y[i] === undefined) return 1;
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return 0;
}

function stepSide(s: StepResult): StepSide {
  return { kind: s.kind, title: s.title, status: s.status, duration_ms: s.duration_ms, ...(s.failure ? { failure: s.failure.message } : {}) };
}

export function compareResults(a: ScenarioResult, b: ScenarioResult): RunComparison {
  // ---- runs, paired per user in order of appearance
  const userOrder: string[] = [];
  for (const r of [...a.runs, ...b.runs]) if (!userOrder.includes(r.user)) userOrder.push(r.user);
  const runs: RunPair[] = [];
  for (const user of userOrder) {
    const left = a.runs.filter((r) => r.user === user);
    const right = b.runs.filter((r) => r.user === user);
    for (let i = 0; i < Math.max(left.length, right.length); i++) runs.push(compareRun(user, i + 1, left[i], right[i]));
  }

  // ---- steps, by position
  const leftSteps = flattenSteps(a.steps);
  const rightSteps = flattenSteps(b.steps);
  const ids = [...new Set([...leftSteps.keys(), ...rightSteps.keys()])].sort(compareIds);
  const steps: StepRow[] = ids.map((id) => {
    const l = leftSteps.get(id);
    const r = rightSteps.get(id);
    const statusChanged = l?.status !== r?.status;
    const change: ChangeKind = !l ? 'added' : !r ? 'removed' : statusChanged ? 'changed' : 'same';
    return {
      id,
      depth: id.split('.').length - 1,
      ...(l ? { left: stepSide(l) } : {}),
      ...(r ? { right: stepSide(r) } : {}),
      change,
      status_changed: statusChanged,
      ...(l && r ? { duration_delta_ms: round(r.duration_ms - l.duration_ms) } : {}),
    };
  });

  const runCounts = counts();
  for (const r of runs) runCounts[r.change]++;
  const stepCounts = counts();
  for (const s of steps) stepCounts[s.change]++;
  const side = (x: ScenarioResult): ResultSide => ({ name: x.name, started_at: x.started_at, status: x.status, duration_ms: x.duration_ms, target: x.target });
  return {
    left: side(a),
    right: side(b),
    status: { left: a.status, right: b.status, changed: a.status !== b.status },
    runs,
    steps,
    summary: {
      runs: runCounts,
      steps: stepCounts,
      status_changes: steps
        .filter((s) => s.status_changed)
        .map((s) => ({ id: s.id, title: (s.left ?? s.right)?.title ?? s.id, from: s.left?.status, to: s.right?.status })),
      event_differences: runs.reduce((n, r) => n + r.events.filter((e) => e.change !== 'same').length, 0),
    },
  };
}
