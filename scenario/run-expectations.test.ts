import { describe, expect, it } from 'vitest';
import { checkRun, isFiveEventShape, sequenceDiff } from './run-expectations.ts';
import type { ObservedEvent, ObservedRun } from './scenario-result.ts';

function run(events: Array<[string, number | undefined, number, unknown?]>, status = 'succeeded', response: string | null = '6 * 7 = 42.'): ObservedRun {
  return {
    run_id: 'run_1',
    user: 'a',
    user_id: 'u-a',
    thread_id: 'th_1',
    status,
    response,
    events: events.map(([type, seq, at_ms, payload]): ObservedEvent => ({ type, seq, at_ms, payload: payload ?? {} })),
  };
}

const golden = run([
  ['agent_started', 1, 10, { agent: 'assistant', input: 'What is 6 * 7?' }],
  ['agent_thinking', 2, 12, { thought: 'arithmetic', step: 1 }],
  ['tool_executing', 3, 13, { tool: 'calculator', call_id: 'c1', args: { expression: '6 * 7' } }],
  ['tool_completed', 4, 15, { tool: 'calculator', call_id: 'c1', ok: true, result: 42 }],
  ['agent_completed', 5, 40, { status: 'succeeded', response: '6 * 7 = 42.' }],
]);

describe('expect_run checks', () => {
  it('the golden run passes with patterns and a latency budget', () => {
    const { problems, timings } = checkRun(golden, {
      status: 'succeeded',
      response: { $contains: '42' },
      payloads: { tool_executing: { tool: 'calculator', args: { expression: '6 * 7' } }, tool_completed: { ok: true, result: 42 } },
      latency: [{ from: 'agent_started', to: 'agent_completed', max_ms: 100 }],
    });
    expect(problems).toEqual([]);
    expect(timings).toEqual(['agent_started → agent_completed 30 ms (budget 100 ms)']);
  });

  it('the five-event shape is the protocol order, not just the five types', () => {
    expect(
      isFiveEventShape([
        'agent_started',
        'agent_thinking',
        'agent_thinking',
        'tool_executing',
        'tool_completed',
        'tool_executing',
        'tool_completed',
        'agent_completed',
      ]),
    ).toBe(true);
    expect(isFiveEventShape(['agent_started', 'tool_executing', 'agent_thinking', 'tool_completed', 'agent_completed'])).toBe(false);
    expect(isFiveEventShape(['agent_started', 'agent_thinking', 'agent_completed'])).toBe(false);
    const { problems } = checkRun(
      run([
        ['agent_started', 1, 0],
        ['agent_thinking', 2, 1],
        ['agent_completed', 3, 2],
      ]),
      {},
    );
    expect(problems[0]?.message).toBe('not the five-event flow: missing tool_executing, tool_completed');
  });

  it('seq gaps, repeats and a second agent_completed are problems', () => {
    const broken = run(
      [
        ['agent_started', 1, 0],
        ['agent_thinking', 3, 1],
        ['agent_completed', 4, 2],
        ['agent_completed', 5, 3],
      ],
      'failed',
    );
    const messages = checkRun(broken, { status: 'failed' }).problems.map((p) => p.message);
    expect(messages).toEqual(['seq is not 1..n without gaps or repeats', '2 agent_completed events, expected exactly 1']);
  });

  it('an exact event list reports a positional diff', () => {
    const { problems } = checkRun(golden, { events: ['agent_started', 'agent_thinking', 'agent_completed'] });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.expected).toEqual(['events:', '  1. agent_started', '  2. agent_thinking', '≠ 3. agent_completed', '≠ 4. (nothing)', '≠ 5. (nothing)']);
    expect(problems[0]?.received).toEqual([
      'events:',
      '  1. agent_started',
      '  2. agent_thinking',
      '≠ 3. tool_executing',
      '≠ 4. tool_completed',
      '≠ 5. agent_completed',
    ]);
  });

  it('status, response, payload and latency failures say expected and received', () => {
    const { problems } = checkRun(golden, {
      status: 'failed',
      response: { $regex: '^43' },
      payloads: { tool_executing: [{ tool: 'calculator' }, { tool: 'clock' }], agent_started: { input: 'other' } },
      latency: [{ from: 'agent_started', to: 'agent_completed', max_ms: 5 }],
    });
    expect(problems.map((p) => p.message)).toEqual([
      'status succeeded, expected failed',
      'the response does not match',
      'no tool_executing[1] event',
      'agent_started payload does not match',
      'latency agent_started → agent_completed was 30 ms, over the 5 ms budget',
    ]);
    expect(problems[1]?.received).toEqual(['response: "6 * 7 = 42."']);
    expect(problems[3]).toMatchObject({ expected: ['agent_started.payload.input: "other"'], received: ['agent_started.payload.input: "What is 6 * 7?"'] });
  });

  it('a tool_completed without its tool_executing is a problem', () => {
    const orphan = run([
      ['agent_started', 1, 0],
      ['agent_thinking', 2, 1],
      ['tool_executing', 3, 2, { call_id: 'c1' }],
      ['tool_completed', 4, 3, { call_id: 'c2' }],
      ['agent_completed', 5, 4],
    ]);
    expect(checkRun(orphan, {}).problems.map((p) => p.message)).toEqual([
      'tool_completed #4 has call_id c2 with no tool_executing before it',
      'tool_executing #3 (call_id c1) never got its tool_completed',
    ]);
  });

  it('any_agent: overlapping pairs pass; a missing start, a reused id or another tool fail', () => {
    const parallel = run([
      ['agent_started', 1, 0],
      ['tool_executing', 2, 1, { call_id: 'a', tool: 'x' }],
      ['tool_executing', 3, 2, { call_id: 'b', tool: 'y' }],
      ['tool_completed', 4, 3, { call_id: 'b', tool: 'y' }],
      ['agent_thinking', 5, 4],
      ['tool_completed', 6, 5, { call_id: 'a', tool: 'x' }],
      ['agent_completed', 7, 6],
    ]);
    expect(checkRun(parallel, { shape: 'any_agent' }).problems).toEqual([]);
    expect(checkRun(parallel, {}).problems.map((p) => p.message)).toEqual(['not the five-event flow']);
    const bad = run([
      ['agent_thinking', 1, 0],
      ['tool_executing', 2, 1, { call_id: 'a', tool: 'x' }],
      ['tool_completed', 3, 2, { call_id: 'a', tool: 'z' }],
      ['tool_executing', 4, 3, { call_id: 'a', tool: 'x' }],
      ['tool_completed', 5, 4, { call_id: 'a', tool: 'x' }],
      ['agent_completed', 6, 5],
    ]);
    expect(checkRun(bad, { shape: 'any_agent' }).problems.map((p) => p.message)).toEqual([
      'a run starts with one agent_started and ends with agent_completed',
      'tool_completed #3 names tool "z", its tool_executing #2 named "x"',
      'tool_executing #4 reuses call_id a',
    ]);
  });

  it('sequenceDiff marks differing positions', () => {
    expect(sequenceDiff(['a', 'b'], ['a', 'c', 'd'])).toEqual({ expected: ['  1. a', '≠ 2. b', '≠ 3. (nothing)'], received: ['  1. a', '≠ 2. c', '≠ 3. d'] });
  });
});
