import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../client/scenario/scenario-result.ts';
import type { Scenario } from '../../protocol/index.ts';
import { planRows, rowsFromResult, settleRows, stepEnded, stepStarted } from './scenario-step-model.ts';

const scenario: Scenario = {
  flowscope: 1,
  name: 'x',
  users: { a: {} },
  steps: [
    { connect: 'a' },
    { send: { as: 'a', message: { type: 'user_message' } } },
    { name: 'loop', repeat: { times: 2, steps: [{ sleep: 1 }] } },
    { expect_nothing: { user: 'a' } },
  ],
};

const step = (id: string, status: StepResult['status'], extra: Partial<StepResult> = {}): StepResult => ({
  id,
  kind: 'sleep',
  title: `step ${id}`,
  status,
  started_ms: 0,
  duration_ms: 3,
  ...extra,
});

describe('scenario step rows', () => {
  it('plans the top-level steps as pending', () => {
    expect(planRows(scenario).map((r) => [r.id, r.kind, r.title, r.status])).toEqual([
      ['1', 'connect', 'connect a', 'pending'],
      ['2', 'send', 'send user_message as a', 'pending'],
      ['3', 'repeat', 'loop', 'pending'],
      ['4', 'expect_nothing', 'expect_nothing a', 'pending'],
    ]);
  });

  it('follows starts and ends, nested steps under their parent', () => {
    let rows = planRows(scenario);
    rows = stepStarted(rows, step('3', 'skipped', { kind: 'repeat' }));
    rows = stepStarted(rows, step('3.1.1', 'skipped'));
    rows = stepEnded(rows, step('3.1.1', 'passed'));
    rows = stepStarted(rows, step('3.2.1', 'skipped'));
    rows = stepEnded(rows, step('3.2.1', 'failed', { failure: { message: 'boom', expected: ['a'], received: ['b'] } }));
    expect(rows.map((r) => [r.id, r.depth, r.status])).toEqual([
      ['1', 0, 'pending'],
      ['2', 0, 'pending'],
      ['3', 0, 'running'],
      ['3.1.1', 2, 'passed'],
      ['3.2.1', 2, 'failed'],
      ['4', 0, 'pending'],
    ]);
    expect(rows[4]!.failure?.expected).toEqual(['a']);
    expect(settleRows(rows).map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped', 'passed', 'failed', 'skipped']);
  });

  it('flattens a result depth first', () => {
    const rows = rowsFromResult([step('1', 'passed'), step('2', 'passed', { children: [step('2.1', 'passed', { children: [step('2.1.1', 'passed')] })] })]);
    expect(rows.map((r) => `${r.id}:${r.depth}`)).toEqual(['1:0', '2:0', '2.1:1', '2.1.1:2']);
    expect(rows[0]!.duration_ms).toBe(3);
  });
});
