/**
 * `flowscope load <scenario file>`: runs one scenario over and over as N concurrent virtual
 * users (each iteration a full run with fresh user ids) against an embedded backend or
 * `--target`, and reports k6-style metrics of the server-pushed events: ack latency, time
 * to first event, run duration (accepted → completed), gaps between events, step durations. Thresholds decide the
 * exit code.
 */
import { setMaxListeners } from 'node:events';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import type { WebSocketConstructor } from '../client/index.ts';
import {
  evaluateThreshold,
  LOAD_REPORT_FORMAT_VERSION,
  LoadStats,
  parseThreshold,
  THRESHOLD_HELP,
  ThresholdSyntaxError,
  TIMING_METRIC_LABELS,
  TIMING_METRICS,
  type LoadMetrics,
  type MetricSummary,
  type Threshold,
  type ThresholdResult,
} from './load-stats.ts';
import { createPainter } from './report-pretty.ts';
import { STAGE_LABELS, STAGE_NAMES } from '../scenario/run-stages.ts';
import { runScenario } from '../scenario/scenario-runner.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import { parseCommandArgs, positiveIntOption, processIo, targetProblem, transportProblem, type CommandIo } from './command-args.ts';
import { resolveTarget } from './embedded-backend.ts';
import { installInterruptHandler } from './interrupt-handler.ts';
import { checkOutPath, deliverReport } from './report-writer.ts';
import { builtinScenarioPath, loadScenarioFile, noSuchScenario } from './scenario-files.ts';

export const LOAD_USAGE = `Usage: flowscope load <scenario file> [options]

Runs one scenario repeatedly as concurrent virtual users (VUs), each iteration with fresh
user ids, and reports iterations/s, ack latency, time to first event, run duration (each
run from accepted to completed, on the server's clock), gaps between events, each run's
stages (queue wait, first thinking, tool calls, total) and step durations (count, min,
p50, p90, p95, p99, max, mean).

Options:
  --vus N               Concurrent virtual users (default 1)
  --iterations M        Stop after M iterations in total
  --duration TIME       Start iterations until TIME has passed, e.g. 30s, 2m (default 10s);
                        iterations under way then finish
  --ramp-up TIME        Spread the VU starts over TIME (default 0: all at once)
  --threshold EXPR      Fail (exit 1) unless it holds; repeatable, e.g.
                        'p95(run_duration)<2000' 'p99(stage.queue_wait)<50' 'failed_rate<0.01'
  --target URL          Load this backend instead of an embedded one
  --reporter NAME       pretty (default) or json (the metrics object)
  --out FILE            Write the report to FILE (the summary still goes to the terminal)
  --transport KIND      socketio or ws where the scenario does not pin one
  --timeout-ms N        Default wait timeout (10000)
  --database-url URL    Embedded backend on PostgreSQL (default SQLite in a temp folder)
  --redis-url URL       Embedded backend on Redis (default in-process)

Exit code: 0 when every threshold held (without thresholds: when no iteration failed),
1 otherwise, 2 for a usage error (a bad threshold), 130 when interrupted (the summary of
what ran is still printed).

${THRESHOLD_HELP}
`;

export interface LoadCommandIo extends CommandIo {
  /** stderr is a terminal: the progress line is redrawn every second (else a plain line every 5 s). */
  progressTty: boolean;
  /** Stops the load like Ctrl-C (tests). */
  signal?: AbortSignal;
  /** Progress interval override in ms (tests). */
  progressIntervalMs?: number;
}

function defaultIo(): LoadCommandIo {
  return { ...processIo(), progressTty: Boolean(process.stderr.isTTY) };
}

/** `30s`, `500ms`, `2m`, `1h`, or a bare number of seconds; undefined when unreadable. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`;
}

export interface LoadReport extends LoadMetrics {
  flowscope_load: typeof LOAD_REPORT_FORMAT_VERSION;
  scenario: { name: string; file: string };
  target: string;
  started_at: string;
  options: { vus: number; iterations?: number; duration_ms?: number; ramp_up_ms: number };
  /** SIGINT / SIGTERM when stopped early. */
  interrupted?: string;
  /** Iterations cut short by the interruption: not counted in the metrics. */
  interrupted_iterations: number;
  thresholds: ThresholdResult[];
}

interface LoadPlan {
  scenario: Scenario;
  file: string;
  target: string;
  vus: number;
  iterations: number | undefined;
  durationMs: number | undefined;
  rampUpMs: number;
  transport: 'socketio' | 'ws' | undefined;
  timeoutMs: number | undefined;
  env: Record<string, string | undefined>;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The VUs: each starts after its ramp-up offset and runs iterations until the budget or the time is used up, or `signal` aborts. */
async function runVus(plan: LoadPlan, stats: LoadStats, signal: AbortSignal, live: { active: number; interrupted: number }, t0: number): Promise<void> {
  let claimed = 0;
  const deadline = plan.durationMs !== undefined ? t0 + plan.durationMs : Infinity;
  const more = () => {
    if (signal.aborted) return false;
    if (plan.iterations !== undefined) {
      if (claimed >= plan.iterations) return false;
      claimed++;
      return true;
    }
    return performance.now() < deadline;
  };
  const vu = async (index: number) => {
    await pause((index * plan.rampUpMs) / plan.vus, signal);
    live.active++;
    try {
      while (more()) {
        // Each iteration has its own signal: the runner's many waits listen to it, not to the shared one.
        const iteration = new AbortController();
        const onStop = () => iteration.abort(signal.reason);
        signal.addEventListener('abort', onStop, { once: true });
        try {
          const result = await runScenario(plan.scenario, {
            target: plan.target,
            file: plan.file,
            signal: iteration.signal,
            WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
            env: plan.env,
            ...(plan.transport ? { transport: plan.transport } : {}),
            ...(plan.timeoutMs ? { timeoutMs: plan.timeoutMs } : {}),
          });
          // An iteration cut short by Ctrl-C says nothing about the backend: counted apart.
          if (signal.aborted && result.status === 'failed') live.interrupted++;
          else stats.addIteration(result);
        } catch (err) {
          if (signal.aborted) live.interrupted++;
          else stats.addError(`runner error: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          signal.removeEventListener('abort', onStop);
        }
      }
    } finally {
      live.active--;
    }
  };
  await Promise.all(Array.from({ length: plan.vus }, (_, i) => vu(i)));
}

function formatCell(v: number | null, width = 9): string {
  return (v === null ? '-' : v.toFixed(1)).padStart(width);
}

function metricRow(label: string, width: number, s: MetricSummary): string {
  return `  ${label.padEnd(width)}${String(s.count).padStart(8)}${[s.min, s.p50, s.p90, s.p95, s.p99, s.max, s.mean].map((v) => formatCell(v)).join('')}`;
}

/** The summary table (and threshold verdicts) of a load report. */
export function formatLoadSummary(report: LoadReport, options: { color: boolean }): string {
  const paint = createPainter(options.color);
  const it = report.iterations;
  const lines: string[] = [];
  lines.push(`${paint('bold', report.scenario.name)}${paint('dim', `  ${report.scenario.file}`)}`);
  const mode = report.options.iterations !== undefined ? `${report.options.iterations} iterations` : `${seconds(report.options.duration_ms ?? 0)}`;
  lines.push(
    `  ${report.options.vus} VUs, ${mode}${report.options.ramp_up_ms ? `, ramp-up ${seconds(report.options.ramp_up_ms)}` : ''}, against ${report.target}`,
  );
  if (report.interrupted) {
    lines.push(
      paint(
        'yellow',
        `  interrupted (${report.interrupted}) after ${seconds(report.elapsed_ms)}: ${report.interrupted_iterations} iteration(s) cut short are not counted`,
      ),
    );
  }
  lines.push('');
  const failedText = `${it.failed} failed (${(it.failed_rate * 100).toFixed(2)}%)`;
  lines.push(
    `  ${'iterations'.padEnd(16)}${String(it.total).padStart(8)}  ${it.passed} passed, ${it.failed ? paint('red', failedText) : failedText}   ${it.per_s.toFixed(2)}/s`,
  );
  lines.push(`  ${'messages sent'.padEnd(16)}${String(report.messages.sent).padStart(8)}  ${report.messages.per_s.toFixed(2)}/s`);
  lines.push(`  ${'runs'.padEnd(16)}${String(report.runs).padStart(8)}`);
  lines.push(`  ${'elapsed'.padEnd(16)}${seconds(report.elapsed_ms).padStart(8)}`);
  lines.push('');
  const rows: Array<[string, MetricSummary]> = [
    ...TIMING_METRICS.map((name): [string, MetricSummary] => [`${TIMING_METRIC_LABELS[name]} (${name})`, report.metrics[name]]),
    ...STAGE_NAMES.map((name): [string, MetricSummary] => [`${STAGE_LABELS[name]} (stage.${name})`, report.stages[name]]),
    ...Object.entries(report.tools).map(([tool, s]): [string, MetricSummary] => [`  stage.tool.${tool}`, s]),
    ...Object.entries(report.steps).map(([kind, s]): [string, MetricSummary] => [`step.${kind}`, s]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  lines.push(
    paint(
      'dim',
      `  ${'times in ms'.padEnd(width)}${'count'.padStart(8)}${['min', 'p50', 'p90', 'p95', 'p99', 'max', 'mean'].map((h) => h.padStart(9)).join('')}`,
    ),
  );
  for (const [label, s] of rows) lines.push(metricRow(label, width, s));
  if (report.failures.length > 0) {
    lines.push('');
    lines.push(
      paint('red', `  failures${report.failure_kinds > report.failures.length ? ` (top ${report.failures.length} of ${report.failure_kinds} kinds)` : ''}`),
    );
    for (const f of report.failures) lines.push(`    ${String(f.count).padStart(6)}× ${f.message}`);
  }
  if (report.thresholds.length > 0) {
    lines.push('');
    lines.push('  thresholds');
    const width = Math.max(...report.thresholds.map((t) => t.expression.length));
    for (const t of report.thresholds) {
      const mark = t.ok ? paint('green', '✓') : paint('red', '✗');
      lines.push(`    ${mark} ${t.expression.padEnd(width)}  actual ${t.actual === null ? 'no samples' : String(t.actual)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function loadCommand(argv: string[], io: LoadCommandIo = defaultIo()): Promise<number> {
  const usage = (message: string, withUsage = false) => {
    io.stderr(`flowscope load: ${message}\n${withUsage ? `\n${LOAD_USAGE}` : ''}`);
    return 2;
  };
  const parsed = parseCommandArgs(
    'load',
    LOAD_USAGE,
    argv,
    {
      vus: { type: 'string' },
      iterations: { type: 'string' },
      duration: { type: 'string' },
      'ramp-up': { type: 'string' },
      threshold: { type: 'string', multiple: true },
      target: { type: 'string' },
      reporter: { type: 'string', default: 'pretty' },
      out: { type: 'string' },
      transport: { type: 'string' },
      'timeout-ms': { type: 'string' },
      'database-url': { type: 'string' },
      'redis-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) return usage('name exactly one scenario file', true);
  const vus = positiveIntOption('vus', values.vus) ?? 1;
  if (vus instanceof Error) return usage(vus.message);
  const iterations = positiveIntOption('iterations', values.iterations);
  if (iterations instanceof Error) return usage(iterations.message);
  const timeoutMs = positiveIntOption('timeout-ms', values['timeout-ms']);
  if (timeoutMs instanceof Error) return usage(timeoutMs.message);
  if (iterations !== undefined && values.duration !== undefined) return usage('give --iterations or --duration, not both');
  let durationMs: number | undefined;
  if (iterations === undefined) {
    durationMs = parseDuration(values.duration ?? '10s');
    if (durationMs === undefined || durationMs <= 0) return usage(`--duration must be a time such as 30s, 500ms or 2m, got "${values.duration}"`);
  }
  const rampUpMs = values['ramp-up'] === undefined ? 0 : parseDuration(values['ramp-up']);
  if (rampUpMs === undefined) return usage(`--ramp-up must be a time such as 5s or 500ms, got "${values['ramp-up']}"`);
  const reporter = values.reporter;
  if (reporter !== 'pretty' && reporter !== 'json') return usage(`--reporter must be pretty or json, got "${reporter}"`);
  const transportIssue = transportProblem(values.transport);
  if (transportIssue) return usage(transportIssue);
  const thresholds: Threshold[] = [];
  for (const text of values.threshold ?? []) {
    try {
      thresholds.push(parseThreshold(text));
    } catch (err) {
      if (err instanceof ThresholdSyntaxError) return usage(`bad --threshold ${err.message}\n\n${THRESHOLD_HELP}`);
      throw err;
    }
  }
  const targetIssue = targetProblem(values.target);
  if (targetIssue) return usage(targetIssue);
  const outPath = values.out !== undefined ? path.resolve(io.cwd, values.out) : undefined;
  if (outPath) {
    const problem = await checkOutPath(outPath);
    if (problem) return usage(problem);
  }
  let full = path.resolve(io.cwd, file);
  let stat = await fs.stat(full).catch(() => undefined);
  if (!stat) {
    // A file of a built-in pack (golden/complete-flow.yaml), as the docs' examples name it.
    const builtin = await builtinScenarioPath(file);
    if (!builtin) return usage(noSuchScenario(file, 'file'));
    ({ full, stat } = builtin);
  }
  if (stat.isDirectory()) return usage(`${file} is a folder: name one scenario file`);
  const loaded = await loadScenarioFile(full, io.cwd);
  if (!loaded.scenario) {
    io.stderr(`flowscope load: ${loaded.file}: ${loaded.error ?? 'invalid'}\n`);
    return 1;
  }
  const scenario = loaded.scenario;

  // The summary goes to the terminal; a JSON report on stdout keeps stdout clean.
  const machineOnStdout = reporter === 'json' && outPath === undefined;
  const human = machineOnStdout ? io.stderr : io.stdout;
  const color = io.color && !machineOnStdout;

  const fixed = Object.entries(scenario.users)
    .filter(([, u]) => u.id !== undefined)
    .map(([k]) => k);
  if (fixed.length > 0 && vus > 1) {
    io.stderr(
      `warning: user(s) ${fixed.join(', ')} have a fixed id: every VU is the same user there (per-user rate and connection limits apply to all of them)\n`,
    );
  }

  const resolved = await resolveTarget(
    'load',
    { target: values.target, databaseUrl: values['database-url'], redisUrl: values['redis-url'] },
    io,
    io.stderr,
    ', in this process: it shares the CPU with the VUs',
  );
  if (!resolved) return 1;
  const { target, embedded } = resolved;
  io.stderr(
    `${vus} VU(s), ${iterations !== undefined ? `${iterations} iterations` : seconds(durationMs ?? 0)}${rampUpMs ? `, ramp-up ${seconds(rampUpMs)}` : ''}: ${scenario.name}\n`,
  );

  // Ctrl-C / SIGTERM stop the VUs (iterations under way are cut short) and still print the summary.
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per VU (its ramp-up pause or its iteration)
  let stoppedBy: string | undefined;
  const signals = installInterruptHandler(io.handleSignals, (signal) => stop.abort(new Error(`interrupted by ${signal}`)));
  const onAbort = () => {
    stoppedBy ??= 'stopped';
    stop.abort(new Error('interrupted by stopped'));
  };
  if (io.signal?.aborted) onAbort();
  io.signal?.addEventListener('abort', onAbort, { once: true });

  const stats = new LoadStats();
  const live = { active: 0, interrupted: 0 };
  const started = new Date();
  const t0 = performance.now();
  const tickMs = io.progressIntervalMs ?? (io.progressTty ? 1000 : 5000);
  let last = { at: t0, done: 0 };
  const progress = setInterval(() => {
    const now = performance.now();
    const done = stats.iterations;
    const rate = ((done - last.done) * 1000) / Math.max(1, now - last.at);
    last = { at: now, done };
    const of = iterations !== undefined ? `/${iterations}` : '';
    const line = `${seconds(now - t0).padStart(8)}  ${live.active}/${vus} VUs  ${done}${of} iterations  ${stats.failed} failed  ${rate.toFixed(1)}/s now`;
    io.stderr(io.progressTty ? `\r\u001b[2K${line}` : `${line}\n`);
  }, tickMs);

  const plan: LoadPlan = {
    scenario,
    file: loaded.file,
    target,
    vus,
    iterations,
    durationMs,
    rampUpMs,
    transport: values.transport as 'socketio' | 'ws' | undefined,
    timeoutMs,
    env: io.env,
  };
  let elapsed: number;
  try {
    await runVus(plan, stats, stop.signal, live, t0);
    elapsed = performance.now() - t0;
  } finally {
    clearInterval(progress);
    if (io.progressTty) io.stderr('\r\u001b[2K');
    signals.dispose();
    io.signal?.removeEventListener('abort', onAbort);
    await embedded?.stop();
  }
  const interrupted = signals.interrupted ?? stoppedBy;

  const metrics = stats.metrics(elapsed);
  const report: LoadReport = {
    flowscope_load: LOAD_REPORT_FORMAT_VERSION,
    scenario: { name: scenario.name, file: loaded.file },
    target,
    started_at: started.toISOString(),
    options: { vus, ...(iterations !== undefined ? { iterations } : { duration_ms: durationMs }), ramp_up_ms: rampUpMs },
    ...(interrupted ? { interrupted } : {}),
    interrupted_iterations: live.interrupted,
    ...metrics,
    thresholds: thresholds.map((t) => evaluateThreshold(t, stats, metrics)),
  };
  human(`\n${formatLoadSummary(report, { color })}`);

  if (reporter === 'json' || outPath !== undefined) {
    const text = reporter === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatLoadSummary(report, { color: false });
    if (!(await deliverReport('load', text, outPath, io, human))) return 1;
  }
  if (interrupted) return 130;
  if (thresholds.length > 0) return report.thresholds.every((t) => t.ok) ? 0 : 1;
  return metrics.iterations.failed === 0 ? 0 : 1;
}
