/**
 * The `dots` reporter, for CI logs: one character per step as it ends (`.` passed, `F`
 * failed, `-` skipped, `w` a snapshot written or updated; `E` for a scenario file that could not run), wrapped at a fixed
 * width, then each failure with expected against received and the summary. Groups (repeat,
 * parallel and their iterations and branches) are counted through their steps.
 */
import { formatFailure, formatSummary, snapshotWrite, type PrettyOptions } from './report-pretty.ts';
import { firstFailure, type ScenarioResult, type StepResult } from '../scenario/scenario-result.ts';

export const DOTS_WIDTH = 80;

const CHAR = { passed: '.', failed: 'F', skipped: '-' } as const;

/** The character of a finished step, or undefined for a group (its steps have their own). */
export function dotOf(step: StepResult): string | undefined {
  if (step.children && step.children.length > 0) return undefined;
  return step.status === 'passed' && snapshotWrite(step) ? 'w' : CHAR[step.status];
}

/** Writes the characters as steps end, with a line break every `width`. */
export class DotsWriter {
  private column = 0;
  constructor(
    private readonly write: (text: string) => void,
    private readonly width = DOTS_WIDTH,
  ) {}

  char(c: string): void {
    this.write(c);
    if (++this.column >= this.width) {
      this.write('\n');
      this.column = 0;
    }
  }

  step(step: StepResult): void {
    const c = dotOf(step);
    if (c) this.char(c);
  }

  /** A scenario that could not run at all (invalid file). */
  scenarioError(): void {
    this.char('E');
  }

  /** Ends the line of characters. */
  end(): void {
    if (this.column > 0) this.write('\n');
    this.column = 0;
  }
}

/** Each failed scenario: its name and file, the first failed step with expected against received. */
export function formatDotsFailures(results: ScenarioResult[], options: PrettyOptions): string {
  const failed = results.filter((r) => r.status === 'failed');
  return failed
    .map((r, i) => {
      const head = `${i + 1}) ${r.name}${r.file && r.file !== r.name ? `  ${r.file}` : ''}`;
      if (r.error) {
        const text = r.file && r.error.startsWith(`${r.file}: `) ? r.error.slice(r.file.length + 2) : r.error;
        return `${head}\n${text
          .split('\n')
          .map((l) => `   ${l.trim()}`)
          .join('\n')}`;
      }
      const step = firstFailure(r.steps);
      if (!step) return head;
      return `${head}\n   step ${step.id}. ${step.title}\n${formatFailure(step, options)
        .map((l) => `     ${l}`)
        .join('\n')}`;
    })
    .join('\n\n');
}

/** The whole dots report at once (for --out): the characters, the failures, the summary. */
export function formatDotsReport(
  results: ScenarioResult[],
  options: PrettyOptions,
  notRun: Array<{ name: string; file: string }> = [],
  interrupted?: string,
): string {
  let text = '';
  const w = new DotsWriter((t) => (text += t));
  const visit = (steps: StepResult[]) => {
    for (const s of steps) {
      if (s.children && s.children.length > 0) visit(s.children);
      else w.step(s);
    }
  };
  for (const r of results) {
    if (r.error && r.steps.length === 0) w.scenarioError();
    else visit(r.steps);
  }
  w.end();
  const failures = formatDotsFailures(results, options);
  return `${text}${failures ? `\n${failures}\n` : ''}\n${formatSummary(results, options, notRun, interrupted)}\n`;
}
