/**
 * Bounds of a `scripted` run, checked at reception (protocol.md, "Scripted agent"): at most
 * `maxSteps` steps and `maxTotalDelayMs` of simulated tool delay in all, so one message cannot
 * book a run that holds an execution slot for long. Over a bound → VALIDATION_FAILED with the
 * path of the step that crosses it.
 */
import type { ScriptStep } from '../../protocol/index.ts';

export interface ScriptLimits {
  /** Steps per script (SCRIPT_MAX_STEPS, default 100: the protocol schema's own cap). */
  maxSteps: number;
  /** Sum of the tool steps' `delay_ms` (SCRIPT_MAX_DELAY_MS, default 60 000). */
  maxTotalDelayMs: number;
}

export const DEFAULT_SCRIPT_LIMITS: ScriptLimits = { maxSteps: 100, maxTotalDelayMs: 60_000 };

export interface ScriptProblem {
  path: string;
  message: string;
}

/** What is over the limits in `script` (empty when it is within them). */
export function scriptLimitProblems(script: readonly ScriptStep[], limits: ScriptLimits = DEFAULT_SCRIPT_LIMITS): ScriptProblem[] {
  const problems: ScriptProblem[] = [];
  if (script.length > limits.maxSteps) {
    problems.push({ path: 'payload.script', message: `at most ${limits.maxSteps} steps (got ${script.length})` });
  }
  let total = 0;
  for (const [index, step] of script.entries()) {
    const delay = 'tool' in step ? (step.delay_ms ?? 0) : 0;
    total += delay;
    if (total > limits.maxTotalDelayMs) {
      problems.push({
        path: `payload.script[${index}].delay_ms`,
        message: `the script's delays add up to more than ${limits.maxTotalDelayMs} ms (${total} ms by step ${index + 1})`,
      });
      break;
    }
  }
  return problems;
}
