import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema, validateScenario } from '../scenario-schema.ts';
import { stepLabel } from '../step-label.ts';
import { STEP_DEFINITIONS, STEP_KINDS, stepDefinition, stepKindOf } from './index.ts';

describe('the step registry', () => {
  it('lists each kind once, and STEP_KINDS is that list', () => {
    expect(new Set(STEP_KINDS).size).toBe(STEP_DEFINITIONS.length);
    expect(STEP_KINDS).toEqual(STEP_DEFINITIONS.map((d) => d.kind));
    for (const kind of STEP_KINDS) expect(stepDefinition(kind)?.kind).toBe(kind);
    expect(stepDefinition('fly')).toBeUndefined();
  });

  it('the JSON Schema has one step branch per kind, with its description', () => {
    const text = JSON.stringify(scenarioJsonSchema());
    for (const d of STEP_DEFINITIONS) {
      expect(text).toContain(`"${d.kind}"`);
      if (d.description) expect(text).toContain(JSON.stringify(d.description));
    }
  });

  it('reports a bad step by its own kind’s errors, whatever its place in the list', () => {
    for (const [i, kind] of STEP_KINDS.entries()) {
      const r = validateScenario({ flowscope: 1, name: 'x', users: { a: {} }, steps: [{ connect: 'a' }, { [kind]: { 'bad key!': i } }] });
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(
          r.issues.every((issue) => issue.path.startsWith(`steps[1].${kind}`) || issue.path === 'steps[1]'),
          `${kind}: ${JSON.stringify(r.issues)}`,
        ).toBe(true);
    }
  });

  it('labels come from the kind’s file; a name wins', () => {
    expect(stepLabel({ send: { as: 'a', raw: '{', expect: { error: 'INVALID_JSON' } } })).toBe('send raw text as a expecting INVALID_JSON');
    expect(stepLabel({ repeat: { times: 3, steps: [{ sleep: 1 }] } })).toBe('repeat 3×');
    expect(stepLabel({ name: 'warm up', sleep: 5 })).toBe('warm up');
    expect(stepKindOf({ name: 'warm up', sleep: 5 })).toMatchObject({ kind: 'sleep', spec: 5 });
  });

  it('nested steps are checked like top-level ones (users and patterns)', () => {
    const r = validateScenario({
      flowscope: 1,
      name: 'x',
      users: { a: {} },
      steps: [{ parallel: [[{ wait: { user: 'a', match: { $nope: 1 } } }], [{ repeat: { times: 1, steps: [{ drop: 'b' }] } }]] }],
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues.map((i) => i.path)).toEqual(['steps[0].parallel[1][0].repeat.steps[0].drop', 'steps[0].parallel[0][0].wait.match.$nope']);
    }
  });
});
