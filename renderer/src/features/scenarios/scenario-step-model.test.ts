import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../../../scenario/scenario-result.ts';
import type { Scenario } from '../../../../scenario/scenario-schema.ts';
import { LiveStepRows, planRows, rowsFromResult, settleRows } from './scenario-step-model.ts';

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
    const live = new LiveStepRows(planRows(scenario));
    live.started(step('3', 'skipped', { kind: 'repeat' }));
    live.started(step('3.1.1', 'skipped'));
    live.ended(step('3.1.1', 'passed'));
    live.started(step('3.2.1', 'skipped'));
    live.ended(step('3.2.1', 'failed', { failure: { message: 'boom', expected: ['a'], received: ['b'] } }));
    const rows = live.rows();
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

  it('keeps thousands of nested steps in id order, one row each, reusing unchanged rows', () => {
    const N = 5000;
    const big: Scenario = {
      ...scenario,
      steps: [{ connect: 'a' }, { repeat: { times: N, steps: [{ set: { x: 1 } }] } }, { parallel: [[{ sleep: 1 }], [{ sleep: 1 }]] }],
    };
    const live = new LiveStepRows(planRows(big));
    live.started(step('1', 'skipped'));
    live.ended(step('1', 'passed'));
    live.started(step('2', 'skipped', { kind: 'repeat' }));
    const before = live.rows();
    for (let i = 1; i <= N; i++) {
      live.started(step(`2.${i}.1`, 'skipped', { kind: 'set' }));
      live.ended(step(`2.${i}.1`, 'passed', { kind: 'set' }));
    }
    live.ended(step('2', 'passed', { kind: 'repeat' }));
    // parallel branches report interleaved, and a later branch may start first
    live.started(step('3', 'skipped', { kind: 'parallel' }));
    live.started(step('3.2.1', 'skipped'));
    live.started(step('3.1.1', 'skipped'));
    live.ended(step('3.2.1', 'passed'));
    live.started(step('3.1.2', 'skipped'));
    live.started(step('3.1.10', 'skipped'));
    const rows = live.rows();

    expect(live.size).toBe(3 + N + 4);
    expect(rows).toHaveLength(live.size);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect(rows.slice(0, 4).map((r) => [r.id, r.depth, r.status])).toEqual([
      ['1', 0, 'passed'],
      ['2', 0, 'passed'],
      ['2.1.1', 2, 'passed'],
      ['2.2.1', 2, 'passed'],
    ]);
    expect(rows[N + 1]).toMatchObject({ id: `2.${N}.1`, depth: 2, status: 'passed' });
    expect(rows.slice(2, N + 2).every((r, i) => r.id === `2.${i + 1}.1` && r.status === 'passed')).toBe(true);
    expect(rows.slice(N + 2).map((r) => [r.id, r.status])).toEqual([
      ['3', 'running'],
      ['3.1.1', 'running'],
      ['3.1.2', 'running'],
      ['3.1.10', 'running'],
      ['3.2.1', 'passed'],
    ]);
    // the snapshot is stable until the next change, and untouched rows keep their identity
    expect(live.rows()).toBe(rows);
    live.ended(step('3.1.1', 'passed'));
    const after = live.rows();
    expect(after).not.toBe(rows);
    expect(after[0]).toBe(rows[0]);
    expect(after[N + 1]).toBe(rows[N + 1]);
    expect(after[N + 3]).not.toBe(rows[N + 3]);
    expect(before).toHaveLength(3);
  });

  it('flattens a result depth first', () => {
    const rows = rowsFromResult([step('1', 'passed'), step('2', 'passed', { children: [step('2.1', 'passed', { children: [step('2.1.1', 'passed')] })] })]);
    expect(rows.map((r) => `${r.id}:${r.depth}`)).toEqual(['1:0', '2:0', '2.1:1', '2.1.1:2']);
    expect(rows[0]!.duration_ms).toBe(3);
  });
});
