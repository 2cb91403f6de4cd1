/** What a scenario run produced: step results, the runs it caused, and every envelope seen. */
import type { RunStages } from './run-stages.ts';
import type { SnapshotOutcome } from './trace-snapshot.ts';

export type StepStatus = 'passed' | 'failed' | 'skipped';

export interface StepFailure {
  message: string;
  /** Expected and received, one item per line of a diff. */
  expected?: string[];
  received?: string[];
  /** A line diff (`- ` expected, `+ ` received, `  ` context), e.g. of a snapshot's events. */
  diff?: string[];
}

export interface StepResult {
  /** Position, e.g. `3` or `4.2.1` inside repeat/parallel. */
  id: string;
  kind: string;
  /** The step's name, or a label from its definition: the same on every run (JUnit names). */
  label?: string;
  /** A one-line description of what the step did, e.g. `send user_message as a → ack run r_12`. */
  title: string;
  status: StepStatus;
  started_ms: number;
  duration_ms: number;
  /** What happened, for the pretty reporter. */
  detail?: string;
  failure?: StepFailure;
  children?: StepResult[];
  /** expect_snapshot: what it compared, found and wrote. */
  snapshot?: SnapshotOutcome;
  /** Where the step is written, `file:line:column`, when the runner's caller knows the source (flowscope run). */
  source?: string;
}

export interface ObservedEvent {
  type: string;
  seq: number | undefined;
  /** Milliseconds since the scenario started, when the client received it. */
  at_ms: number;
  payload: unknown;
}

export interface ObservedRun {
  run_id: string;
  user: string;
  user_id: string;
  thread_id: string | undefined;
  events: ObservedEvent[];
  status: string | undefined;
  response: string | null | undefined;
  /** Seqs delivered more than once to this user outside a resume. */
  repeated?: number[];
  /** When the message_ack that named this run arrived (ms since the scenario started), when this user sent it. */
  ack_at_ms?: number;
  /** Per-stage latency (scenario/run-stages.ts): queue wait, first thinking, each tool call, total. */
  stages?: RunStages;
}

export interface ReceivedRecord {
  user: string;
  at_ms: number;
  envelope: Record<string, unknown>;
}

export interface SentRecord {
  user: string;
  at_ms: number;
  /** The message as sent: an object, or raw text. */
  data: unknown;
}

export interface ScenarioResult {
  name: string;
  file?: string;
  tags: string[];
  status: 'passed' | 'failed';
  started_at: string;
  duration_ms: number;
  target: string;
  steps: StepResult[];
  runs: ObservedRun[];
  users: Record<string, { id: string }>;
  /** A failure before any step ran (invalid file, no target). */
  error?: string;
  sent: SentRecord[];
  received: ReceivedRecord[];
  /**
   * Snapshot files of this scenario file that none of its expect_snapshot steps used in this
   * (passed, so complete) run; `removed` with --update-snapshots. Set by `flowscope run`.
   */
  obsolete_snapshots?: { files: string[]; removed: boolean };
}

/** Counts the steps that do something: groups (repeat, parallel, their iterations and branches) count through their steps. */
export function countSteps(steps: StepResult[]): Record<StepStatus, number> {
  const counts: Record<StepStatus, number> = { passed: 0, failed: 0, skipped: 0 };
  const visit = (list: StepResult[]) => {
    for (const s of list) {
      if (s.children && s.children.length > 0) visit(s.children);
      else counts[s.status]++;
    }
  };
  visit(steps);
  return counts;
}

/** The first failed step, depth first (the one to show). */
export function firstFailure(steps: StepResult[]): StepResult | undefined {
  for (const s of steps) {
    if (s.status !== 'failed') continue;
    const inner = s.children ? firstFailure(s.children) : undefined;
    return inner ?? s;
  }
  return undefined;
}
