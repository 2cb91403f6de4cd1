import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema, validateScenario } from './scenario-schema.ts';

describe('scenario schema', () => {
  it('docs/scenario.schema.json is the schema generated from the zod definition (run `npm run schema` after changing it)', () => {
    const published = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../docs/scenario.schema.json'), 'utf8')) as unknown;
    expect(published).toEqual(scenarioJsonSchema());
  });

  it('the JSON Schema names every step kind and the format version', () => {
    const text = JSON.stringify(scenarioJsonSchema());
    for (const kind of [
      'connect',
      'disconnect',
      'drop',
      'send',
      'wait',
      'expect_run',
      'expect_nothing',
      'expect_order',
      'resume',
      'sleep',
      'set',
      'repeat',
      'parallel',
    ]) {
      expect(text).toContain(`"${kind}"`);
    }
    expect(scenarioJsonSchema()).toMatchObject({
      properties: { flowscope: { const: 1 } },
      required: expect.arrayContaining(['flowscope', 'name', 'users', 'steps']),
    });
  });

  it('users named inside repeat and parallel must be declared too', () => {
    const r = validateScenario({
      flowscope: 1,
      name: 'x',
      users: { a: {} },
      steps: [{ repeat: { times: 2, steps: [{ parallel: [[{ connect: 'a' }], [{ drop: { user: 'c' } }]] }] } }],
    });
    expect(r).toEqual({
      ok: false,
      issues: [{ path: 'steps[0].repeat.steps[0].parallel[1][0].drop', message: 'user "c" is not declared under users (declared: a)' }],
    });
  });
  it('a message keeps a top-level __proto__ key through validation (bad-input scenarios send it)', () => {
    const doc = JSON.parse(
      '{"flowscope":1,"name":"x","users":{"a":{}},"steps":[{"send":{"as":"a","message":{"type":"user_message","__proto__":{"admin":true},"payload":{"content":"hi"}}}}]}',
    ) as unknown;
    const r = validateScenario(doc);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(JSON.stringify(r.scenario.steps[0]?.send?.message)).toBe('{"type":"user_message","__proto__":{"admin":true},"payload":{"content":"hi"}}');
    expect(validateScenario({ flowscope: 1, name: 'x', users: { a: {} }, steps: [{ send: { as: 'a', message: [1] } }] })).toEqual({
      ok: false,
      issues: [{ path: 'steps[0].send.message', message: 'expected an object (an envelope)' }],
    });
  });
});
