/**
 * A step's label from its definition alone (templates unrendered): the same on every run,
 * so CI tools can track a JUnit test case across runs. The live title adds what happened.
 */
import { stepUserOf, type ScenarioStep } from './scenario-schema.ts';
import { show } from './pattern-matcher.ts';

function userOf(v: unknown): string {
  return stepUserOf(v) ?? '?';
}

function short(value: unknown, max = 80): string {
  const text = show(value);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

export function stepLabel(step: ScenarioStep): string {
  if (step.name) return step.name;
  if (step.connect !== undefined) {
    const c = typeof step.connect === 'string' ? { user: step.connect } : step.connect;
    const token = 'token' in c && c.token !== undefined ? ` with token: ${typeof c.token === 'string' ? c.token : 'literal'}` : '';
    const refused = 'expect_refused' in c && c.expect_refused ? ` (refused ${c.expect_refused})` : '';
    return `connect ${c.user}${'transport' in c && c.transport ? ` over ${c.transport}` : ''}${token}${refused}`;
  }
  if (step.disconnect !== undefined) return `disconnect ${userOf(step.disconnect)}`;
  if (step.drop !== undefined) return `drop ${userOf(step.drop)}`;
  if (step.send) {
    const s = step.send;
    const what =
      s.message !== undefined ? String(s.message.type ?? 'message') : s.raw !== undefined ? 'raw text' : `user_message of ${String(s.oversize_bytes)} bytes`;
    const expect = s.expect && typeof s.expect === 'object' ? ` expecting ${s.expect.error}` : '';
    return `send ${what} as ${s.as}${expect}`;
  }
  if (step.wait) return `wait for ${step.wait.user}: ${short(step.wait.match)}`;
  if (step.expect_run) return `expect_run ${step.expect_run.user} ${step.expect_run.run}`;
  if (step.expect_nothing) return `expect_nothing ${step.expect_nothing.user}${step.expect_nothing.match !== undefined ? `: ${short(step.expect_nothing.match)}` : ''}`;
  if (step.expect_order) return `expect_order ${step.expect_order.user}: ${step.expect_order.runs.length} runs`;
  if (step.expect_count) return `expect_count ${step.expect_count.user}: ${short(step.expect_count.count, 20)} × ${short(step.expect_count.match)}`;
  if (step.resume) return `resume ${step.resume.user} ${step.resume.run}`;
  if (step.sleep !== undefined) return `sleep ${step.sleep} ms`;
  if (step.set) return `set ${Object.keys(step.set).join(', ')}`;
  if (step.repeat) return `repeat ${step.repeat.times}×`;
  if (step.parallel) return `parallel: ${step.parallel.length} branches`;
  return 'step';
}
