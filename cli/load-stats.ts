/**
 * Load-test metrics from scenario results, k6-style: each finished iteration (one
 * `ScenarioResult`) is folded into sample sets and dropped, so memory does not grow with
 * its envelopes. Pure: the CLI drives it, and it runs in the browser as well.
 *
 * Per iteration: ack latency (a sent message → its message_ack, paired by message_id),
 * time to first event (a user_message → agent_started of the run its ack named), run
 * duration (accepted → completed: the run's message_ack → its agent_completed, on the
 * server's clock from the two envelopes' `timestamp`, or on arrival when one has none; a run
 * whose ack this iteration did not see has no sample), gaps between consecutive events
 * of a run, each step's duration by kind, and each run's stages (scenario/run-stages.ts: queue
 * wait, time to first thinking, each tool call, total; `stage.NAME`, tools also per tool as
 * `stage.tool.NAME`). Thresholds (`p95(run_duration)<2000`, `p99(stage.queue_wait)<50`) are
 * parsed and checked here too.
 */
import { STEP_KINDS } from '../scenario/scenario-schema.ts';
import { runStages, STAGE_NAMES, type StageName } from '../scenario/run-stages.ts';
import { firstFailure, type ObservedRun, type ScenarioResult, type StepResult } from '../scenario/scenario-result.ts';

export const LOAD_REPORT_FORMAT_VERSION = 1;

/** Above this many samples a metric keeps a uniform random sample of this size (count, min, max, mean stay exact). */
export const DEFAULT_SAMPLE_CAPACITY = 1_000_000;

export interface MetricSummary {
  count: number;
  /** All in ms, to 0.1 ms; null when there is no sample. */
  min: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/**
 * Samples of one metric, added one at a time. Percentiles are nearest-rank on the sorted
 * samples (always a value that was observed), sorted once per query batch and cached until
 * the next add. Past `capacity` samples it keeps a reservoir (Algorithm R), so memory stays
 * bounded on a long run and percentiles stay unbiased estimates; count, min, max and mean stay exact.
 */
export class SampleSet {
  private values = new Float64Array(256);
  private stored = 0;
  private sorted: Float64Array | undefined;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  constructor(
    private readonly capacity = DEFAULT_SAMPLE_CAPACITY,
    private readonly random: () => number = Math.random,
  ) {}

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.sorted = undefined;
    if (this.stored < this.capacity) {
      if (this.stored === this.values.length) {
        const grown = new Float64Array(Math.min(this.capacity, this.values.length * 2));
        grown.set(this.values);
        this.values = grown;
      }
      this.values[this.stored++] = value;
      return;
    }
    const slot = Math.floor(this.random() * this.count);
    if (slot < this.capacity) this.values[slot] = value;
  }

  /** The p-th percentile (0..100), nearest rank; undefined without samples. */
  percentile(p: number): number | undefined {
    if (this.count === 0) return undefined;
    if (p <= 0) return this.min;
    if (p >= 100) return this.max;
    this.sorted ??= this.values.slice(0, this.stored).sort();
    const rank = Math.ceil((p / 100) * this.stored);
    return this.sorted[Math.min(this.stored, Math.max(1, rank)) - 1];
  }

  mean(): number | undefined {
    return this.count === 0 ? undefined : this.sum / this.count;
  }

  summary(): MetricSummary {
    const r = (v: number | undefined) => (v === undefined ? null : round1(v));
    return {
      count: this.count,
      min: r(this.count ? this.min : undefined),
      p50: r(this.percentile(50)),
      p90: r(this.percentile(90)),
      p95: r(this.percentile(95)),
      p99: r(this.percentile(99)),
      max: r(this.count ? this.max : undefined),
      mean: r(this.mean()),
    };
  }
}

/** The timing metrics, by the name thresholds use. */
export const TIMING_METRICS = ['ack', 'first_event', 'run_duration', 'event_gap'] as const;
export type TimingMetric = (typeof TIMING_METRICS)[number];

export const TIMING_METRIC_LABELS: Record<TimingMetric, string> = {
  ack: 'ack latency',
  first_event: 'time to first event',
  run_duration: 'run: accepted → completed',
  event_gap: 'gap between events',
};

/** What one iteration contributes; extracted on its own so it can be checked without a backend. */
export interface IterationSamples {
  ack: number[];
  first_event: number[];
  run_duration: number[];
  event_gap: number[];
  /** Duration of each step that ran (not skipped), by step kind; repeat and parallel count as a whole too. */
  steps: Record<string, number[]>;
  /** Each run's stages; `tool` has one sample per completed tool call. */
  stages: Record<StageName, number[]>;
  /** Tool call durations by tool name. */
  tools: Record<string, number[]>;
  sent: number;
}

/** Stage metric names as thresholds write them: `stage.queue_wait`, ..., and `stage.tool.NAME`. */
export const STAGE_METRICS = STAGE_NAMES.map((n) => `stage.${n}` as const);

function messageIdOf(data: unknown): { id: string | undefined; type: string | undefined } {
  let value = data;
  if (typeof data === 'string') {
    try {
      value = JSON.parse(data);
    } catch {
      return { id: undefined, type: undefined };
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { id: undefined, type: undefined };
  const o = value as { message_id?: unknown; type?: unknown };
  return { id: typeof o.message_id === 'string' ? o.message_id : undefined, type: typeof o.type === 'string' ? o.type : undefined };
}

const STEP_KIND_SET: ReadonlySet<string> = new Set(STEP_KINDS);

/** An envelope's server `timestamp` in ms since the epoch; undefined when it has none. */
function stampOf(envelope: Record<string, unknown>): number | undefined {
  const t = typeof envelope.timestamp === 'string' ? Date.parse(envelope.timestamp) : Number.NaN;
  return Number.isFinite(t) ? t : undefined;
}

/**
 * Per run: when the server accepted it (the `timestamp` of the first non-duplicate
 * message_ack naming it) and when it completed (its agent_completed's `timestamp`).
 */
function serverStamps(received: ScenarioResult['received']): { accepted: Map<string, number>; completed: Map<string, number> } {
  const accepted = new Map<string, number>();
  const completed = new Map<string, number>();
  for (const r of received) {
    const e = r.envelope;
    if (e.type === 'message_ack') {
      const p = (e.payload ?? {}) as { run_id?: unknown; duplicate?: unknown };
      const at = stampOf(e);
      if (typeof p.run_id === 'string' && p.duplicate !== true && at !== undefined && !accepted.has(p.run_id)) accepted.set(p.run_id, at);
    } else if (e.type === 'agent_completed' && typeof e.run_id === 'string') {
      const at = stampOf(e);
      if (at !== undefined && !completed.has(e.run_id)) completed.set(e.run_id, at);
    }
  }
  return { accepted, completed };
}

export function iterationSamples(result: ScenarioResult): IterationSamples {
  const out: IterationSamples = {
    ack: [],
    first_event: [],
    run_duration: [],
    event_gap: [],
    steps: {},
    stages: { queue_wait: [], first_thinking: [], tool: [], total: [] },
    tools: {},
    sent: result.sent.length,
  };
  /** The ack that started each run (by runs' identity), for results without `stages`. */
  const ackOfRun = new Map<ObservedRun, number>();

  // Acks by user and message_id, in arrival order; each send takes the first one after it not yet taken.
  const acks = new Map<string, Array<{ at_ms: number; run_id: string | undefined; duplicate: boolean; taken: boolean }>>();
  for (const r of result.received) {
    if (r.envelope.type !== 'message_ack') continue;
    const p = (r.envelope.payload ?? {}) as { message_id?: unknown; run_id?: unknown; duplicate?: unknown };
    if (typeof p.message_id !== 'string') continue;
    const key = `${r.user}\u0000${p.message_id}`;
    let list = acks.get(key);
    if (!list) acks.set(key, (list = []));
    list.push({ at_ms: r.at_ms, run_id: typeof p.run_id === 'string' ? p.run_id : undefined, duplicate: p.duplicate === true, taken: false });
  }
  const runsByKey = new Map<string, ObservedRun>();
  const runsById = new Map<string, ObservedRun>();
  for (const run of result.runs) {
    runsByKey.set(`${run.user}\u0000${run.run_id}`, run);
    if (!runsById.has(run.run_id)) runsById.set(run.run_id, run);
  }
  for (const s of result.sent) {
    const { id, type } = messageIdOf(s.data);
    if (id === undefined) continue;
    const ack = acks.get(`${s.user}\u0000${id}`)?.find((a) => !a.taken && a.at_ms >= s.at_ms);
    if (!ack) continue;
    ack.taken = true;
    out.ack.push(ack.at_ms - s.at_ms);
    // A duplicate names a run an earlier send started: its first event is not this send's.
    if (type !== 'user_message' || ack.duplicate || ack.run_id === undefined) continue;
    const run = runsByKey.get(`${s.user}\u0000${ack.run_id}`) ?? runsById.get(ack.run_id);
    if (run && !ackOfRun.has(run)) ackOfRun.set(run, ack.at_ms);
    const started = run?.events.find((e) => e.type === 'agent_started');
    if (started && started.at_ms >= s.at_ms) out.first_event.push(started.at_ms - s.at_ms);
  }

  const stamps = serverStamps(result.received);
  for (const run of result.runs) {
    // Accepted → completed: on the server's clock when both envelopes carry a timestamp (the
    // arrival times of a fast run's events are one batch apart, not its duration), else on arrival.
    const completed = run.events.find((e) => e.type === 'agent_completed');
    const acceptedAt = stamps.accepted.get(run.run_id);
    const completedAt = stamps.completed.get(run.run_id);
    const ackArrival = run.ack_at_ms ?? ackOfRun.get(run);
    if (acceptedAt !== undefined && completedAt !== undefined && completedAt >= acceptedAt) out.run_duration.push(completedAt - acceptedAt);
    else if (completed && ackArrival !== undefined && completed.at_ms >= ackArrival) out.run_duration.push(completed.at_ms - ackArrival);
    const arrivals = run.events.map((e) => e.at_ms).sort((a, b) => a - b);
    for (let i = 1; i < arrivals.length; i++) out.event_gap.push((arrivals[i] as number) - (arrivals[i - 1] as number));
    const stages = run.stages ?? runStages(run.events, { ack_at_ms: run.ack_at_ms ?? ackOfRun.get(run) });
    if (stages.queue_wait_ms !== undefined) out.stages.queue_wait.push(stages.queue_wait_ms);
    if (stages.first_thinking_ms !== undefined) out.stages.first_thinking.push(stages.first_thinking_ms);
    if (stages.total_ms !== undefined) out.stages.total.push(stages.total_ms);
    for (const call of stages.tools) {
      const v = call.completed_at_ms === undefined ? undefined : (call.duration_ms ?? call.reported_ms);
      if (v === undefined) continue;
      out.stages.tool.push(v);
      (out.tools[call.tool] ??= []).push(v);
    }
  }

  const visit = (list: StepResult[]) => {
    for (const step of list) {
      if (step.status !== 'skipped' && STEP_KIND_SET.has(step.kind)) (out.steps[step.kind] ??= []).push(step.duration_ms);
      if (step.children) visit(step.children);
    }
  };
  visit(result.steps);
  return out;
}

/** Why an iteration failed, without the ids that differ on every iteration, so equal failures group. */
export function failureKey(result: ScenarioResult): string {
  const step = firstFailure(result.steps);
  let message = step?.failure?.message ?? result.error ?? 'failed';
  for (const [key, user] of Object.entries(result.users)) {
    if (user.id) message = message.split(user.id).join(`{{user.${key}.id}}`);
  }
  message = message.replace(/\brun_[A-Za-z0-9_-]+/g, 'run_…');
  return step ? `step ${step.id} (${step.kind}): ${message}` : message;
}

export interface LoadMetrics {
  iterations: { total: number; passed: number; failed: number; failed_rate: number; per_s: number };
  messages: { sent: number; per_s: number };
  runs: number;
  elapsed_ms: number;
  metrics: Record<TimingMetric, MetricSummary>;
  /** Step duration by kind, in the order the kinds first ran. */
  steps: Record<string, MetricSummary>;
  /** Run stages (queue_wait, first_thinking, tool, total), see scenario/run-stages.ts. */
  stages: Record<StageName, MetricSummary>;
  /** Tool call duration by tool name, in the order the tools first completed. */
  tools: Record<string, MetricSummary>;
  /** The most frequent first-failure messages, top 5. */
  failures: Array<{ message: string; count: number }>;
  /** How many distinct failure messages there were in all. */
  failure_kinds: number;
}

/** Accumulates iterations; `metrics()` can be called at any time (the live progress line does). */
export class LoadStats {
  passed = 0;
  failed = 0;
  sent = 0;
  runs = 0;
  readonly timing: Record<TimingMetric, SampleSet>;
  readonly steps = new Map<string, SampleSet>();
  readonly stages: Record<StageName, SampleSet>;
  readonly tools = new Map<string, SampleSet>();
  private readonly failures = new Map<string, number>();

  constructor(private readonly makeSet: () => SampleSet = () => new SampleSet()) {
    this.timing = { ack: makeSet(), first_event: makeSet(), run_duration: makeSet(), event_gap: makeSet() };
    this.stages = { queue_wait: makeSet(), first_thinking: makeSet(), tool: makeSet(), total: makeSet() };
  }

  get iterations(): number {
    return this.passed + this.failed;
  }

  addIteration(result: ScenarioResult): void {
    if (result.status === 'passed') this.passed++;
    else {
      this.failed++;
      const key = failureKey(result);
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    }
    const s = iterationSamples(result);
    this.sent += s.sent;
    this.runs += result.runs.length;
    for (const name of TIMING_METRICS) for (const v of s[name]) this.timing[name].add(v);
    for (const [kind, values] of Object.entries(s.steps)) {
      let set = this.steps.get(kind);
      if (!set) this.steps.set(kind, (set = this.makeSet()));
      for (const v of values) set.add(v);
    }
    for (const name of STAGE_NAMES) for (const v of s.stages[name]) this.stages[name].add(v);
    for (const [tool, values] of Object.entries(s.tools)) {
      let set = this.tools.get(tool);
      if (!set) this.tools.set(tool, (set = this.makeSet()));
      for (const v of values) set.add(v);
    }
  }

  /** A failure that produced no result (the runner itself threw). */
  addError(message: string): void {
    this.failed++;
    this.failures.set(message, (this.failures.get(message) ?? 0) + 1);
  }

  metrics(elapsedMs: number): LoadMetrics {
    const seconds = elapsedMs / 1000;
    const rate = (n: number) => (seconds > 0 ? Math.round((n / seconds) * 100) / 100 : 0);
    const total = this.iterations;
    const failures = [...this.failures.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(([message, count]) => ({ message, count }));
    return {
      iterations: {
        total,
        passed: this.passed,
        failed: this.failed,
        failed_rate: total ? Math.round((this.failed / total) * 10_000) / 10_000 : 0,
        per_s: rate(total),
      },
      messages: { sent: this.sent, per_s: rate(this.sent) },
      runs: this.runs,
      elapsed_ms: Math.round(elapsedMs),
      metrics: {
        ack: this.timing.ack.summary(),
        first_event: this.timing.first_event.summary(),
        run_duration: this.timing.run_duration.summary(),
        event_gap: this.timing.event_gap.summary(),
      },
      steps: Object.fromEntries([...this.steps.entries()].map(([kind, set]) => [kind, set.summary()])),
      stages: {
        queue_wait: this.stages.queue_wait.summary(),
        first_thinking: this.stages.first_thinking.summary(),
        tool: this.stages.tool.summary(),
        total: this.stages.total.summary(),
      },
      tools: Object.fromEntries([...this.tools.entries()].map(([tool, set]) => [tool, set.summary()])),
      failures,
      failure_kinds: this.failures.size,
    };
  }
}

// --- Thresholds ---------------------------------------------------------------------------

export const THRESHOLD_SCALARS = ['failed_rate', 'iterations_per_s', 'messages_per_s', 'iterations', 'passed', 'failed'] as const;
export type ThresholdScalar = (typeof THRESHOLD_SCALARS)[number];
const OPERATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
type Operator = (typeof OPERATORS)[number];

export type Aggregation = { kind: 'percentile'; p: number } | { kind: 'min' | 'max' | 'mean' | 'count' };

export interface Threshold {
  /** As written (trimmed). */
  expression: string;
  target: { kind: 'scalar'; name: ThresholdScalar } | { kind: 'timing'; aggregation: Aggregation; metric: TimingMetric | `step.${string}` | `stage.${string}` };
  operator: Operator;
  value: number;
}

export class ThresholdSyntaxError extends Error {}

export const THRESHOLD_HELP = `a threshold is AGG(METRIC) OP NUMBER or SCALAR OP NUMBER:
  AGG     p50, p90, p95, p99 (any pN, e.g. p99.9), min, max, mean (or avg), count
  METRIC  ${TIMING_METRICS.join(', ')}, step.KIND (${STEP_KINDS.join(', ')}),
          ${STAGE_METRICS.join(', ')}, stage.tool.TOOL (one tool's calls)
  SCALAR  ${THRESHOLD_SCALARS.join(', ')}
  OP      < <= > >= == !=       times in ms; failed_rate from 0 to 1
  e.g. 'p95(run_duration)<2000'  'p99(ack)<500'  'p95(stage.queue_wait)<50'  'failed_rate<0.01'`;

function parseAggregation(text: string, expression: string): Aggregation {
  if (text === 'min' || text === 'max' || text === 'mean' || text === 'count') return { kind: text };
  if (text === 'avg') return { kind: 'mean' };
  const m = /^p(\d{1,2}(?:\.\d+)?|100)$/.exec(text);
  if (m) return { kind: 'percentile', p: Number(m[1]) };
  throw new ThresholdSyntaxError(`${expression}: unknown aggregation "${text}" (p50, p90, p95, p99, pN, min, max, mean, avg, count)`);
}

/** Parses one threshold expression, strictly: anything else is a ThresholdSyntaxError that says what is wrong. */
export function parseThreshold(input: string): Threshold {
  const expression = input.trim();
  if (expression === '') throw new ThresholdSyntaxError('empty threshold');
  const m = /^(.*?)\s*(<=|>=|==|!=|<|>)\s*(.*)$/.exec(expression);
  if (!m) throw new ThresholdSyntaxError(`${expression}: no comparison (one of ${OPERATORS.join(' ')})`);
  const left = (m[1] as string).trim();
  const operator = m[2] as Operator;
  const right = (m[3] as string).trim();
  if (/[<>=!]/.test(right)) throw new ThresholdSyntaxError(`${expression}: one comparison per threshold`);
  if (!/^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(right))
    throw new ThresholdSyntaxError(`${expression}: "${right}" is not a number (times are in ms, without a unit)`);
  const value = Number(right);

  const call = /^([A-Za-z0-9_.]+)\s*\(\s*([A-Za-z0-9_.:-]+)\s*\)$/.exec(left);
  if (call) {
    const aggregation = parseAggregation(call[1] as string, expression);
    const name = call[2] as string;
    if ((THRESHOLD_SCALARS as readonly string[]).includes(name)) {
      throw new ThresholdSyntaxError(`${expression}: ${name} is a single number: compare it directly, e.g. '${name}${operator}${right}'`);
    }
    if ((TIMING_METRICS as readonly string[]).includes(name))
      return { expression, target: { kind: 'timing', aggregation, metric: name as TimingMetric }, operator, value };
    if (name.startsWith('step.')) {
      const kind = name.slice('step.'.length);
      if (!(STEP_KINDS as readonly string[]).includes(kind))
        throw new ThresholdSyntaxError(`${expression}: unknown step kind "${kind}" (${STEP_KINDS.join(', ')})`);
      return { expression, target: { kind: 'timing', aggregation, metric: `step.${kind}` }, operator, value };
    }
    if (name.startsWith('stage.')) {
      const stage = name.slice('stage.'.length);
      const tool = /^tool\.(.+)$/.exec(stage);
      if (!(STAGE_NAMES as readonly string[]).includes(stage) && !tool) {
        throw new ThresholdSyntaxError(`${expression}: unknown stage "${stage}" (${STAGE_NAMES.join(', ')}, tool.TOOL)`);
      }
      return { expression, target: { kind: 'timing', aggregation, metric: `stage.${stage}` }, operator, value };
    }
    throw new ThresholdSyntaxError(`${expression}: unknown metric "${name}" (${TIMING_METRICS.join(', ')}, step.KIND, stage.STAGE)`);
  }
  if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(left)) {
    if ((THRESHOLD_SCALARS as readonly string[]).includes(left))
      return { expression, target: { kind: 'scalar', name: left as ThresholdScalar }, operator, value };
    if ((TIMING_METRICS as readonly string[]).includes(left) || left.startsWith('step.') || left.startsWith('stage.')) {
      throw new ThresholdSyntaxError(`${expression}: ${left} has many samples: name an aggregation, e.g. 'p95(${left})${operator}${right}'`);
    }
    throw new ThresholdSyntaxError(`${expression}: unknown value "${left}" (${THRESHOLD_SCALARS.join(', ')}, or AGG(METRIC))`);
  }
  throw new ThresholdSyntaxError(`${expression}: cannot read "${left}" (write AGG(METRIC) or a SCALAR)`);
}

export interface ThresholdResult {
  expression: string;
  /** The measured value; null when the metric has no sample (which fails the threshold). */
  actual: number | null;
  ok: boolean;
}

function compare(a: number, op: Operator, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

function aggregate(set: SampleSet | undefined, aggregation: Aggregation): number | undefined {
  if (aggregation.kind === 'count') return set?.count ?? 0;
  if (!set || set.count === 0) return undefined;
  if (aggregation.kind === 'min') return set.min;
  if (aggregation.kind === 'max') return set.max;
  if (aggregation.kind === 'mean') return set.mean();
  return aggregation.kind === 'percentile' ? set.percentile(aggregation.p) : undefined;
}

export function evaluateThreshold(threshold: Threshold, stats: LoadStats, metrics: LoadMetrics): ThresholdResult {
  let actual: number | undefined;
  const t = threshold.target;
  if (t.kind === 'scalar') {
    actual = {
      failed_rate: metrics.iterations.failed_rate,
      iterations_per_s: metrics.iterations.per_s,
      messages_per_s: metrics.messages.per_s,
      iterations: metrics.iterations.total,
      passed: metrics.iterations.passed,
      failed: metrics.iterations.failed,
    }[t.name];
  } else {
    const set = t.metric.startsWith('step.')
      ? stats.steps.get(t.metric.slice('step.'.length))
      : t.metric.startsWith('stage.tool.')
        ? stats.tools.get(t.metric.slice('stage.tool.'.length))
        : t.metric.startsWith('stage.')
          ? stats.stages[t.metric.slice('stage.'.length) as StageName]
          : stats.timing[t.metric as TimingMetric];
    const v = aggregate(set, t.aggregation);
    actual = v === undefined ? undefined : t.aggregation.kind === 'count' ? v : round1(v);
  }
  if (actual === undefined) return { expression: threshold.expression, actual: null, ok: false };
  return { expression: threshold.expression, actual, ok: compare(actual, threshold.operator, threshold.value) };
}
