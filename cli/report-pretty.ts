/**
 * The human report: one line per step as it ends, expected against received for a
 * failure, and a closing summary. Colors only when asked (a TTY).
 */
import { formatRunStages, formatStageMs, runStages } from '../scenario/run-stages.ts';
import { countSteps, type ObservedRun, type ScenarioResult, type StepResult } from '../scenario/scenario-result.ts';

export interface PrettyOptions {
  color: boolean;
}

const CODES = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1, cyan: 36 } as const;
type Color = keyof typeof CODES;

export function createPainter(color: boolean): (c: Color, text: string) => string {
  return (c, text) => (color ? `\u001b[${CODES[c]}m${text}\u001b[0m` : text);
}

const MARK = { passed: '✓', failed: '✗', skipped: '-' } as const;

function depth(step: StepResult): number {
  return step.id.split('.').filter(Boolean).length - 1;
}

function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`;
}

/** One finished step, with its failure diff when it failed. */
export function formatStep(step: StepResult, options: PrettyOptions): string {
  const paint = createPainter(options.color);
  const indent = '  '.repeat(depth(step) + 1);
  const color = step.status === 'passed' ? 'green' : step.status === 'failed' ? 'red' : 'dim';
  // A snapshot written or updated is reported as such, not as passed (nothing was compared).
  const wrote = step.status === 'passed' ? snapshotWrite(step) : undefined;
  const mark = wrote ? paint('yellow', '✎') : paint(color, MARK[step.status]);
  const lines = [`${indent}${mark} ${step.id}. ${step.title} ${paint('dim', `(${ms(step.duration_ms)})`)}`];
  if (step.status === 'failed' && step.failure && !step.children?.some((c) => c.status === 'failed')) {
    lines.push(...formatFailure(step, options).map((l) => `${indent}    ${l}`));
  }
  return lines.join('\n');
}

/** Seconds for the still-waiting line: `5 s`, `2.5 s`. */
function secs(n: number): string {
  const v = n / 1000;
  return `${Number.isInteger(Math.round(v * 10) / 10) ? Math.round(v) : (Math.round(v * 10) / 10).toFixed(1)} s`;
}

/** A step that is still waiting: `… still waiting for {"type":"agent_completed"} on a (5 s of 30 s)`. */
export function formatStillWaiting(
  info: { step: StepResult; user: string; waiting_for: string; waited_ms: number; timeout_ms: number },
  options: PrettyOptions,
): string {
  const paint = createPainter(options.color);
  return `${'  '.repeat(depth(info.step) + 1)}${paint('yellow', '…')} ${paint('dim', `${info.step.id}. still waiting for ${info.waiting_for} on ${info.user} (${secs(info.waited_ms)} of ${secs(info.timeout_ms)})`)}`;
}

/** The opening line of a repeat or parallel group, printed before its nested steps. */
export function formatGroupStart(step: StepResult, options: PrettyOptions): string {
  const paint = createPainter(options.color);
  return `${'  '.repeat(depth(step) + 1)}${paint('cyan', '▸')} ${step.id}. ${step.title}`;
}

export function formatFailure(step: StepResult, options: PrettyOptions): string[] {
  const paint = createPainter(options.color);
  const f = step.failure;
  if (!f) return [];
  const out = [paint('red', f.message)];
  if (step.source) out.push(paint('dim', `at ${step.source}`));
  if (f.expected?.length) {
    out.push(paint('green', 'expected:'));
    for (const l of f.expected) out.push(paint('green', `  ${l}`));
  }
  if (f.received?.length) {
    out.push(paint('red', 'received:'));
    for (const l of f.received) out.push(paint('red', `  ${l}`));
  }
  if (f.diff?.length) {
    out.push(`${paint('green', '- expected')} ${paint('red', '+ received')}`);
    for (const l of f.diff) out.push(l.startsWith('- ') ? paint('green', l) : l.startsWith('+ ') ? paint('red', l) : paint('dim', l));
  }
  return out;
}

/** `written` / `updated` for an expect_snapshot step that wrote its file; undefined otherwise. */
export function snapshotWrite(step: StepResult): 'written' | 'updated' | undefined {
  const o = step.snapshot?.outcome;
  return o === 'written' || o === 'updated' ? o : undefined;
}

export interface SnapshotCounts {
  matched: number;
  written: number;
  updated: number;
  failed: number;
  /** Files beside passed scenarios that no step used (removed with --update-snapshots). */
  obsolete: number;
  removed: number;
  /** The files written or updated, for the summary. */
  files: string[];
  /** The obsolete files, for the summary. */
  obsoleteFiles: string[];
}

/** What the expect_snapshot steps of these results did. */
export function snapshotCounts(results: ScenarioResult[]): SnapshotCounts {
  const counts: SnapshotCounts = { matched: 0, written: 0, updated: 0, failed: 0, obsolete: 0, removed: 0, files: [], obsoleteFiles: [] };
  const visit = (steps: StepResult[]) => {
    for (const s of steps) {
      if (s.children) visit(s.children);
      const o = s.snapshot?.outcome;
      if (!o || !s.snapshot) continue;
      if (o === 'matched') counts.matched++;
      else if (o === 'written' || o === 'updated') {
        counts[o]++;
        counts.files.push(s.snapshot.file);
      } else counts.failed++;
    }
  };
  for (const r of results) {
    visit(r.steps);
    const obsolete = r.obsolete_snapshots;
    if (!obsolete) continue;
    counts[obsolete.removed ? 'removed' : 'obsolete'] += obsolete.files.length;
    counts.obsoleteFiles.push(...obsolete.files);
  }
  return counts;
}

/** `Snapshots: 1 written, 2 matched` (undefined when no step compared a snapshot). */
export function formatSnapshotSummary(results: ScenarioResult[]): string | undefined {
  const c = snapshotCounts(results);
  const parts = [
    c.written ? `${c.written} written` : '',
    c.updated ? `${c.updated} updated` : '',
    c.failed ? `${c.failed} failed` : '',
    c.matched ? `${c.matched} matched` : '',
    c.obsolete ? `${c.obsolete} obsolete` : '',
    c.removed ? `${c.removed} obsolete removed` : '',
  ].filter(Boolean);
  return parts.length ? `Snapshots: ${parts.join(', ')}` : undefined;
}

export function formatScenarioHeader(name: string, file: string | undefined, options: PrettyOptions): string {
  const paint = createPainter(options.color);
  return `${paint('bold', name)}${file ? paint('dim', `  ${file}`) : ''}`;
}

export function formatScenarioEnd(result: ScenarioResult, options: PrettyOptions): string {
  const paint = createPainter(options.color);
  if (result.error) {
    // A file that could not run: its name once, then each problem on its own indented line.
    const [first = '', ...rest] = result.error.split('\n');
    const head =
      result.steps.length === 0 && result.file
        ? `${paint('bold', result.file)}\n  ${paint('red', '✗')} ${paint('red', first.replace(`${result.file}: `, ''))}`
        : `  ${paint('red', '✗')} ${paint('red', first)}`;
    return `${head}${rest.map((l) => `\n    ${paint('red', l.trim())}`).join('')}\n`;
  }
  const c = countSteps(result.steps);
  const verdict = result.status === 'passed' ? paint('green', 'PASS') : paint('red', 'FAIL');
  const stages = formatRunsStages(result.runs)
    .map((l) => `  ${paint('dim', l)}\n`)
    .join('');
  // Steps that wrote their snapshot compared nothing: counted as written, not passed.
  const wrote = snapshotCounts([result]);
  const writtenPart = `${wrote.written ? `, ${wrote.written} written` : ''}${wrote.updated ? `, ${wrote.updated} updated` : ''}`;
  return `${stages}  ${verdict} ${c.passed - wrote.written - wrote.updated} passed${writtenPart}, ${c.failed} failed, ${c.skipped} skipped, ${result.runs.length} runs ${paint('dim', `(${ms(result.duration_ms)})`)}\n`;
}

/** Up to this many runs get a stage line each; more are summarised. */
export const STAGE_LINES_MAX = 5;

const stagesOf = (run: ObservedRun) => run.stages ?? runStages(run.events, { ack_at_ms: run.ack_at_ms });

/**
 * Each run's stage latencies, one line per run (`run r_1 (a, succeeded): queue 3 ms · …`),
 * or for many runs one line of medians and maxima per stage.
 */
export function formatRunsStages(runs: ObservedRun[]): string[] {
  if (runs.length === 0) return [];
  if (runs.length <= STAGE_LINES_MAX) {
    return runs.map((run) => {
      const s = stagesOf(run);
      const text = formatRunStages(s);
      return `⏱ run ${run.run_id} (${run.user}${s.status ? `, ${s.status}` : ', not completed'})${text ? `: ${text}` : ''}`;
    });
  }
  const all = runs.map(stagesOf);
  const pick = (label: string, values: Array<number | undefined>) => {
    const v = values.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    if (v.length === 0) return undefined;
    return `${label} p50 ${formatStageMs(v[Math.ceil(v.length / 2) - 1])}, max ${formatStageMs(v[v.length - 1])}`;
  };
  const parts = [
    pick(
      'queue',
      all.map((s) => s.queue_wait_ms),
    ),
    pick(
      'first thinking',
      all.map((s) => s.first_thinking_ms),
    ),
    pick(
      'tool',
      all.flatMap((s) => s.tools.map((t) => (t.completed_at_ms === undefined ? undefined : (t.duration_ms ?? t.reported_ms)))),
    ),
    pick(
      'total',
      all.map((s) => s.total_ms),
    ),
  ].filter(Boolean);
  return [`⏱ ${runs.length} runs${parts.length ? `: ${parts.join(' · ')}` : ''}`];
}

/** The whole report at once (for a result that was not printed live). */
export function formatPrettyReport(results: ScenarioResult[], options: PrettyOptions): string {
  const out: string[] = [];
  for (const r of results) {
    if (!(r.error && r.steps.length === 0)) out.push(formatScenarioHeader(r.name, r.file, options));
    const visit = (steps: StepResult[]) => {
      for (const s of steps) {
        out.push(formatStep(s, options));
        if (s.children) visit(s.children);
      }
    };
    visit(r.steps);
    out.push(formatScenarioEnd(r, options));
  }
  out.push(formatSummary(results, options));
  return out.join('\n');
}

export function formatSummary(
  results: ScenarioResult[],
  options: PrettyOptions,
  notRun: Array<{ name: string; file: string }> = [],
  interrupted?: string,
): string {
  const paint = createPainter(options.color);
  const failed = results.filter((r) => r.status === 'failed');
  const total = results.reduce((s, r) => s + r.duration_ms, 0);
  const lines = [
    `${paint('bold', 'Scenarios:')} ${paint(failed.length ? 'red' : 'green', `${results.length - failed.length} passed`)}, ${failed.length} failed, ${notRun.length ? `${notRun.length} not run, ` : ''}${results.length + notRun.length} total ${paint('dim', `(${ms(total)})`)}${interrupted ? paint('red', ` — interrupted by ${interrupted}`) : ''}`,
  ];
  const snapshots = formatSnapshotSummary(results);
  if (snapshots) {
    const c = snapshotCounts(results);
    lines.push(`${paint('bold', 'Snapshots:')} ${snapshots.slice('Snapshots: '.length)}`);
    for (const f of c.files) lines.push(`  ${paint('yellow', '✎')} ${f}`);
    for (const f of c.obsoleteFiles)
      lines.push(
        `  ${paint('yellow', c.obsolete ? '?' : '−')} ${f} ${paint('dim', c.obsolete ? '(obsolete: no step uses it; --update-snapshots removes it)' : '(obsolete, removed)')}`,
      );
  }
  for (const r of failed) lines.push(`  ${paint('red', '✗')} ${r.name}${r.file && r.file !== r.name ? paint('dim', `  ${r.file}`) : ''}`);
  for (const n of notRun) lines.push(`  ${paint('dim', '-')} ${n.name}${n.file !== n.name ? paint('dim', `  ${n.file}`) : ''} ${paint('dim', '(not run)')}`);
  return lines.join('\n');
}
