import { describe, expect, it } from 'vitest';
import { runScenario } from '../scenario-runner.ts';
import { validateScenario, type Scenario } from '../scenario-schema.ts';

const TARGET = 'http://127.0.0.1:9';

function scenario(steps: unknown[]): Scenario {
  const r = validateScenario({ flowscope: 1, name: 'repeat', users: { a: {} }, steps });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.scenario;
}

describe('repeat', () => {
  it('runs its steps `times` times with the index, each iteration a child', async () => {
    const result = await runScenario(scenario([{ repeat: { times: 3, index: 'i', steps: [{ set: { last: '{{i}}' } }] } }]), { target: TARGET });
    expect(result.status).toBe('passed');
    const [step] = result.steps;
    expect(step).toMatchObject({ kind: 'repeat', label: 'repeat 3×', title: 'repeat 3×' });
    expect(step?.children?.map((c) => [c.id, c.kind, c.title, c.children?.[0]?.id])).toEqual([
      ['1.1', 'iteration', 'iteration 1 (i = 0)', '1.1.1'],
      ['1.2', 'iteration', 'iteration 2 (i = 1)', '1.2.1'],
      ['1.3', 'iteration', 'iteration 3 (i = 2)', '1.3.1'],
    ]);
  });

  it('stops at the first failed iteration', async () => {
    const result = await runScenario(scenario([{ repeat: { times: 3, index: 'i', steps: [{ set: { v: '{{i}}' } }, { set: { w: '{{v.missing}}' } }] } }]), {
      target: TARGET,
    });
    expect(result.status).toBe('failed');
    expect(result.steps[0]?.children).toHaveLength(1);
    expect(result.steps[0]?.children?.[0]).toMatchObject({ status: 'failed', failure: { message: 'iteration 1 failed' } });
  });
});
