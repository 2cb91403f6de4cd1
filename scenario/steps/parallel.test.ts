import { describe, expect, it } from 'vitest';
import { runScenario } from '../scenario-runner.ts';
import { validateScenario, type Scenario } from '../scenario-schema.ts';

const TARGET = 'http://127.0.0.1:9';

function scenario(steps: unknown[]): Scenario {
  const r = validateScenario({ flowscope: 1, name: 'parallel', users: { a: {} }, steps });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.scenario;
}

describe('parallel and sleep', () => {
  it('runs branches at once: the second branch’s sleep starts before the first one’s ends', async () => {
    const result = await runScenario(scenario([{ parallel: [[{ sleep: 150 }], [{ sleep: 150 }, { set: { done: true } }]] }]), { target: TARGET });
    expect(result.status).toBe('passed');
    const [first, second] = (result.steps[0]?.children ?? []).map((b) => b.children?.[0]?.started_ms ?? NaN);
    expect(Math.abs((first as number) - (second as number))).toBeLessThan(150);
    expect(result.steps[0]).toMatchObject({ kind: 'parallel', label: 'parallel: 2 branches' });
    expect(result.steps[0]?.children?.map((b) => [b.id, b.kind, b.status, b.children?.map((c) => c.label)])).toEqual([
      ['1.1', 'branch', 'passed', ['sleep 150 ms']],
      ['1.2', 'branch', 'passed', ['sleep 150 ms', 'set done']],
    ]);
  });

  it('a failed branch fails the step; the other branch finishes', async () => {
    const result = await runScenario(scenario([{ parallel: [[{ set: { x: '{{nope}}' } }], [{ sleep: 20 }, { set: { y: 1 } }]] }]), { target: TARGET });
    expect(result.steps[0]).toMatchObject({ status: 'failed', failure: { message: 'a nested step failed' } });
    expect(result.steps[0]?.children?.map((b) => b.status)).toEqual(['failed', 'passed']);
  });

  it('a stopped run stops a sleep with the reason', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('scenario timeout')), 30);
    const result = await runScenario(scenario([{ sleep: 5000 }]), { target: TARGET, signal: controller.signal });
    expect(result.steps[0]).toMatchObject({ kind: 'sleep', status: 'failed', failure: { message: 'scenario timeout' } });
  });
});
