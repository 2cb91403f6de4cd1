import { describe, expect, it } from 'vitest';
import { runScenario } from '../scenario-runner.ts';
import { validateScenario, type Scenario } from '../scenario-schema.ts';

// No connect step: the runner never calls the target.
const TARGET = 'http://127.0.0.1:9';

function scenario(steps: unknown[]): Scenario {
  const r = validateScenario({ flowscope: 1, name: 'set', users: { a: {} }, vars: { base: 'x' }, steps });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.scenario;
}

describe('set', () => {
  it('sets variables, templates rendered, for the steps after it', async () => {
    const result = await runScenario(scenario([{ set: { a: '{{base}}-1', n: 2 } }, { set: { b: '{{a}}/{{n}}' } }]), { target: TARGET });
    expect(result.status).toBe('passed');
    expect(result.steps.map((s) => [s.kind, s.label, s.title])).toEqual([
      ['set', 'set a, n', 'set a, n'],
      ['set', 'set b', 'set b'],
    ]);
  });

  it('an unknown variable fails the step with the template error', async () => {
    const result = await runScenario(scenario([{ set: { a: '{{nope}}' } }, { sleep: 1 }]), { target: TARGET });
    expect(result.steps[0]).toMatchObject({ status: 'failed', failure: { message: expect.stringContaining('nope') } });
    expect(result.steps[1]?.status).toBe('skipped');
  });

  it('variable names are checked', () => {
    expect(validateScenario({ flowscope: 1, name: 'x', users: { a: {} }, steps: [{ set: { 'bad name': 1 } }] }).ok).toBe(false);
  });
});
