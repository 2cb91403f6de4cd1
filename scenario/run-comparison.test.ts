import { describe, expect, it } from 'vitest';
import { alignSequences, compareResults } from './run-comparison.ts';
import type { ObservedEvent, ObservedRun, ScenarioResult, StepResult } from './scenario-result.ts';

type Ev = [type: string, atMs: number, payload?: Record<string, unknown>];

function run(runId: string, user: string, events: Ev[], status: string, response: string | null): ObservedRun {
  const list: ObservedEvent[] = events.map(([type, at_ms, payload], i) => ({ type, seq: i + 1, at_ms, payload: payload ?? {} }));
  return { run_id: runId, user, user_id: `replay-${user}`, thread_id: `th_${runId}`, events: list, status, response };
}

const calc = { tool: 'calculator' };
const docs = { tool: 'search_docs' };

function step(id: string, kind: string, status: StepResult['status'], duration: number, children?: StepResult[]): StepResult {
  return {
    id,
    kind,
    title: `${kind} ${id}`,
    status,
    started_ms: 0,
    duration_ms: duration,
    ...(children ? { children } : {}),
    ...(status === 'failed' ? { failure: { message: `${kind} failed` } } : {}),
  };
}

function result(name: string, status: 'passed' | 'failed', runs: ObservedRun[], steps: StepResult[]): ScenarioResult {
  return {
    name,
    tags: ['recorded'],
    status,
    started_at: status === 'passed' ? '2026-11-24T20:00:00.000Z' : '2026-11-24T21:00:00.000Z',
    duration_ms: 900,
    target: 'http://127.0.0.1:8000',
    steps,
    runs,
    users: { a: { id: 'replay-a' }, b: { id: 'replay-b' } },
    sent: [],
    received: [],
  };
}

/** Yesterday's replay: a's question is answered with the calculator, a's second run is cancelled. */
const before = result(
  'nightly',
  'passed',
  [
    run(
      'run_a1',
      'a',
      [
        ['agent_started', 100],
        ['agent_thinking', 102, { step: 1 }],
        ['tool_executing', 104, calc],
        ['tool_completed', 110, calc],
        ['agent_completed', 115, { status: 'succeeded' }],
      ],
      'succeeded',
      '2 + 2 * 3 = 8.',
    ),
    run(
      'run_b1',
      'b',
      [
        ['agent_started', 130],
        ['agent_completed', 131, { status: 'succeeded' }],
      ],
      'succeeded',
      'hi',
    ),
    run(
      'run_a2',
      'a',
      [
        ['agent_started', 200],
        ['agent_thinking', 203, { step: 1 }],
        ['agent_completed', 210, { status: 'cancelled' }],
      ],
      'cancelled',
      null,
    ),
  ],
  [
    step('1', 'connect', 'passed', 12),
    step('2', 'send', 'passed', 4.5),
    step('3', 'expect_run', 'passed', 20),
    step('4', 'repeat', 'passed', 30, [step('4.1', 'iteration', 'passed', 15), step('4.2', 'iteration', 'passed', 15)]),
  ],
);

/** Today's replay: an extra thinking step, the docs instead of the calculator, the cancel came too late, and one more run. */
const after = result(
  'nightly',
  'failed',
  [
    run(
      'run_x1',
      'a',
      [
        ['agent_started', 50],
        ['agent_thinking', 52, { step: 1 }],
        ['agent_thinking', 60, { step: 2 }],
        ['tool_executing', 61, docs],
        ['tool_completed', 75, docs],
        ['agent_completed', 80, { status: 'succeeded' }],
      ],
      'succeeded',
      'From the docs: ...',
    ),
    run(
      'run_x2',
      'a',
      [
        ['agent_started', 300],
        ['agent_thinking', 301, { step: 1 }],
        ['agent_completed', 306, { status: 'succeeded' }],
      ],
      'succeeded',
      'done',
    ),
    run(
      'run_y1',
      'b',
      [
        ['agent_started', 90],
        ['agent_completed', 91.5, { status: 'succeeded' }],
      ],
      'succeeded',
      'hi',
    ),
    run(
      'run_y2',
      'b',
      [
        ['agent_started', 400],
        ['agent_completed', 401, { status: 'succeeded' }],
      ],
      'succeeded',
      'again',
    ),
  ],
  [
    step('1', 'connect', 'passed', 10),
    step('2', 'send', 'passed', 5),
    step('3', 'expect_run', 'failed', 10_000),
    step('4', 'repeat', 'skipped', 0),
    step('5', 'expect_nothing', 'skipped', 0),
  ],
);

describe('compareResults', () => {
  const cmp = compareResults(before, after);

  it('pairs runs per user in order of appearance, whatever their ids', () => {
    expect(cmp.runs.map((r) => [r.user, r.index, r.left?.run_id, r.right?.run_id, r.change])).toEqual([
      ['a', 1, 'run_a1', 'run_x1', 'changed'],
      ['a', 2, 'run_a2', 'run_x2', 'changed'],
      ['b', 1, 'run_b1', 'run_y1', 'same'],
      ['b', 2, undefined, 'run_y2', 'added'],
    ]);
    expect(cmp.summary.runs).toEqual({ same: 1, changed: 2, added: 1, removed: 0 });
  });

  it('aligns event sequences row by row: an inserted event is added, a different tool is changed', () => {
    const rows = cmp.runs[0]?.events ?? [];
    expect(rows.map((r) => [r.left?.type ?? null, r.left?.label ?? null, r.right?.type ?? null, r.right?.label ?? null, r.change])).toEqual([
      ['agent_started', null, 'agent_started', null, 'same'],
      ['agent_thinking', 'step 1', 'agent_thinking', 'step 1', 'same'],
      [null, null, 'agent_thinking', 'step 2', 'added'],
      ['tool_executing', 'calculator', 'tool_executing', 'search_docs', 'changed'],
      ['tool_completed', 'calculator', 'tool_completed', 'search_docs', 'changed'],
      ['agent_completed', 'succeeded', 'agent_completed', 'succeeded', 'same'],
    ]);
    expect(cmp.runs[0]?.response).toEqual({ left: '2 + 2 * 3 = 8.', right: 'From the docs: ...', changed: true });
    expect(cmp.runs[0]?.status).toEqual({ left: 'succeeded', right: 'succeeded', changed: false });
  });

  it('gives per-event timing from the run’s first event on both sides, and the delta', () => {
    const rows = cmp.runs[0]?.events ?? [];
    expect(rows.map((r) => [r.left?.at_ms, r.right?.at_ms, r.delta_ms])).toEqual([
      [0, 0, 0],
      [2, 2, 0],
      [undefined, 10, undefined],
      [4, 11, 7],
      [10, 25, 15],
      [15, 30, 15],
    ]);
    expect(cmp.runs[0]?.left?.duration_ms).toBe(15);
    expect(cmp.runs[0]?.right?.duration_ms).toBe(30);
    expect(cmp.runs[0]?.duration_delta_ms).toBe(15);
    expect(cmp.runs[2]?.duration_delta_ms).toBe(0.5);
  });

  it('reports a status change of a run', () => {
    const second = cmp.runs[1];
    expect(second?.status).toEqual({ left: 'cancelled', right: 'succeeded', changed: true });
    expect(second?.events.map((r) => r.change)).toEqual(['same', 'same', 'changed']);
    expect(second?.events[2]?.left?.label).toBe('cancelled');
    expect(second?.events[2]?.right?.label).toBe('succeeded');
  });

  it('compares steps by position, with status changes and duration deltas', () => {
    expect(cmp.steps.map((s) => [s.id, s.depth, s.change, s.status_changed, s.duration_delta_ms])).toEqual([
      ['1', 0, 'same', false, -2],
      ['2', 0, 'same', false, 0.5],
      ['3', 0, 'changed', true, 9980],
      ['4', 0, 'changed', true, -30],
      ['4.1', 1, 'removed', true, undefined],
      ['4.2', 1, 'removed', true, undefined],
      ['5', 0, 'added', true, undefined],
    ]);
    expect(cmp.steps[2]?.right).toEqual({ kind: 'expect_run', title: 'expect_run 3', status: 'failed', duration_ms: 10_000, failure: 'expect_run failed' });
    expect(cmp.summary.status_changes.slice(0, 2)).toEqual([
      { id: '3', title: 'expect_run 3', from: 'passed', to: 'failed' },
      { id: '4', title: 'repeat 4', from: 'passed', to: 'skipped' },
    ]);
    expect(cmp.summary.steps).toEqual({ same: 2, changed: 2, added: 1, removed: 2 });
    expect(cmp.status).toEqual({ left: 'passed', right: 'failed', changed: true });
    expect(cmp.summary.event_differences).toBe(3 + 1 + 2);
  });

  it('finds nothing to report between a result and itself', () => {
    const same = compareResults(before, before);
    expect(same.summary.runs).toEqual({ same: 3, changed: 0, added: 0, removed: 0 });
    expect(same.summary.steps).toEqual({ same: 6, changed: 0, added: 0, removed: 0 });
    expect(same.summary.event_differences).toBe(0);
    expect(same.runs.flatMap((r) => r.events.map((e) => e.delta_ms))).toEqual(new Array(10).fill(0));
  });

  it('orders step ids as the document does', () => {
    const tree = [
      step('2', 'repeat', 'passed', 1, [step('2.1', 'iteration', 'passed', 1, [step('2.1.1', 'send', 'passed', 1)]), step('2.10', 'iteration', 'passed', 1)]),
      step('10', 'send', 'passed', 1),
    ];
    const ids = compareResults(result('x', 'passed', [], tree), result('x', 'passed', [], [step('1', 'connect', 'passed', 1)])).steps.map((s) => s.id);
    expect(ids).toEqual(['1', '2', '2.1', '2.1.1', '2.10', '10']);
  });
});

describe('alignSequences', () => {
  it('pairs unmatched stretches as changes and the rest as added or removed', () => {
    expect(alignSequences(['s', 't', 'x', 'c'], ['s', 'y', 'z', 'c', 'e'])).toEqual([
      { left: 0, right: 0, change: 'same' },
      { left: 1, right: 1, change: 'changed' },
      { left: 2, right: 2, change: 'changed' },
      { left: 3, right: 3, change: 'same' },
      { right: 4, change: 'added' },
    ]);
    expect(alignSequences(['a', 'b'], [])).toEqual([
      { left: 0, change: 'removed' },
      { left: 1, change: 'removed' },
    ]);
  });
});
