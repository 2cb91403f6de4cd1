import { describe, expect, it } from 'vitest';
import { evaluateThreshold, failureKey, iterationSamples, LoadStats, parseThreshold, SampleSet, ThresholdSyntaxError } from './load-stats.ts';
import type { ObservedRun, ScenarioResult, StepResult } from '../scenario/scenario-result.ts';
import { runStages } from '../scenario/run-stages.ts';

function step(id: string, kind: string, duration_ms: number, extra: Partial<StepResult> = {}): StepResult {
  return { id, kind, title: kind, status: 'passed', started_ms: 0, duration_ms, ...extra };
}

function run(user: string, run_id: string, arrivals: Array<[string, number]>): ObservedRun {
  return {
    run_id,
    user,
    user_id: `u-${user}`,
    thread_id: 't1',
    events: arrivals.map(([type, at_ms], i) => ({ type, seq: i + 1, at_ms, payload: {} })),
    status: 'succeeded',
    response: 'ok',
  };
}

function result(extra: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    name: 'flow',
    tags: [],
    status: 'passed',
    started_at: new Date(0).toISOString(),
    duration_ms: 100,
    target: 'http://x',
    steps: [],
    runs: [],
    users: { a: { id: 'flow-a-k3x9' } },
    sent: [],
    received: [],
    ...extra,
  };
}

const ack = (user: string, at_ms: number, message_id: string, run_id: string, duplicate = false) => ({
  user,
  at_ms,
  envelope: { type: 'message_ack', payload: { message_id, run_id, thread_id: 't1', queue_position: 0, duplicate } },
});

describe('SampleSet', () => {
  it('gives nearest-rank percentiles, exact min, max, mean and count', () => {
    const s = new SampleSet();
    for (let v = 100; v >= 1; v--) s.add(v);
    expect(s.summary()).toEqual({ count: 100, min: 1, p50: 50, p90: 90, p95: 95, p99: 99, max: 100, mean: 50.5 });
    expect(s.percentile(99.9)).toBe(100);
    s.add(0.04);
    expect(s.percentile(0)).toBe(0.04);
    expect(s.summary().min).toBe(0);
  });

  it('is empty without samples, ignores non-finite values, and sorts again after an add', () => {
    const s = new SampleSet();
    s.add(Number.NaN);
    expect(s.summary()).toEqual({ count: 0, min: null, p50: null, p90: null, p95: null, p99: null, max: null, mean: null });
    s.add(10);
    expect(s.percentile(50)).toBe(10);
    s.add(2);
    s.add(3);
    expect(s.percentile(50)).toBe(3);
  });

  it('keeps a bounded reservoir past its capacity; count, min, max and mean stay exact', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const s = new SampleSet(1000, random);
    for (let i = 0; i < 100_000; i++) s.add(i % 1000);
    expect(s.count).toBe(100_000);
    expect(s.min).toBe(0);
    expect(s.max).toBe(999);
    expect(s.mean()).toBeCloseTo(499.5, 6);
    // An unbiased sample of a uniform 0..999: the median is near 500.
    expect(Math.abs((s.percentile(50) as number) - 500)).toBeLessThan(80);
    expect(s.percentile(50)).toBeLessThanOrEqual(s.percentile(95) as number);
  });
});

describe('iterationSamples', () => {
  it('pairs sends with their acks by user and message_id, and a user_message with its run', () => {
    const r = result({
      sent: [
        { user: 'a', at_ms: 10, data: { type: 'user_message', message_id: 'm1', payload: { content: 'x' } } },
        { user: 'a', at_ms: 12, data: '{"type":"user_message","message_id":"m2","payload":{"content":"y"}}' },
        { user: 'a', at_ms: 14, data: { type: 'ping', message_id: 'p1' } },
        { user: 'a', at_ms: 16, data: 'not json' },
        // The same id again: the duplicate's ack names the first run, which is not this send's first event.
        { user: 'a', at_ms: 40, data: { type: 'user_message', message_id: 'm1', payload: { content: 'x' } } },
      ],
      received: [
        ack('a', 13, 'm2', 'run_2'),
        ack('a', 15, 'm1', 'run_1'),
        { user: 'a', at_ms: 15.5, envelope: { type: 'pong', message_id: 'p1' } },
        ack('a', 43, 'm1', 'run_1', true),
        // Another user's ack with the same id is not ours.
        ack('b', 11, 'm1', 'run_9'),
      ],
      runs: [
        run('a', 'run_1', [
          ['agent_started', 20],
          ['agent_thinking', 21],
          ['tool_executing', 24],
          ['tool_completed', 24.5],
          ['agent_completed', 30],
        ]),
        run('a', 'run_2', [['agent_started', 18]]),
      ],
    });
    const s = iterationSamples(r);
    expect(s.ack).toEqual([5, 1, 3]);
    expect(s.first_event).toEqual([10, 6]);
    // Accepted → completed: without server timestamps, run_1's ack (15) → its agent_completed (30).
    expect(s.run_duration).toEqual([15]);
    expect(s.event_gap).toEqual([1, 3, 0.5, 5.5]);
    expect(s.sent).toBe(5);
    // Stages from the events and the ack that named the run (run_1's ack at 15, run_2's at 13); the tool events have no call_id and pair by tool.
    expect(s.stages).toEqual({ queue_wait: [5, 5], first_thinking: [1], tool: [0.5], total: [15] });
  });

  it("samples each run's stages: the runner's breakdown when the result has it, tool calls also by tool", () => {
    const tool = (type: string, at_ms: number, seq: number, call_id: string, name: string, duration_ms?: number) => ({
      type,
      seq,
      at_ms,
      payload: { tool: name, call_id, duration_ms, ok: true },
    });
    const withTools: ObservedRun = {
      ...run('a', 'run_1', []),
      ack_at_ms: 2,
      events: [
        { type: 'agent_started', seq: 1, at_ms: 3, payload: {} },
        tool('tool_executing', 4, 2, 'c1', 'search'),
        tool('tool_executing', 5, 3, 'c2', 'calc'),
        tool('tool_completed', 9, 4, 'c2', 'calc', 3.5),
        tool('tool_completed', 14, 5, 'c1', 'search', 9.8),
        { type: 'agent_completed', seq: 6, at_ms: 20, payload: { status: 'succeeded' } },
      ],
    };
    const s = iterationSamples(result({ runs: [withTools] }));
    expect(s.stages).toEqual({ queue_wait: [1], first_thinking: [], tool: [10, 4], total: [18] });
    expect(s.tools).toEqual({ search: [10], calc: [4] });

    // A result that carries stages is read as it is, not recomputed.
    const given = { ...withTools, stages: { ...runStages(withTools.events), queue_wait_ms: 42 } };
    expect(iterationSamples(result({ runs: [given] })).stages.queue_wait).toEqual([42]);

    const stats = new LoadStats();
    stats.addIteration(result({ runs: [withTools] }));
    stats.addIteration(result({ runs: [{ ...withTools, ack_at_ms: 0 }] }));
    const m = stats.metrics(1000);
    expect(m.stages.queue_wait).toMatchObject({ count: 2, min: 1, max: 3 });
    expect(m.stages.tool.count).toBe(4);
    expect(Object.keys(m.tools)).toEqual(['search', 'calc']);
    const check = (text: string) => evaluateThreshold(parseThreshold(text), stats, m);
    expect(check('p95(stage.queue_wait)<3')).toEqual({ expression: 'p95(stage.queue_wait)<3', actual: 3, ok: false });
    expect(check('p99(stage.total)<=20')).toMatchObject({ actual: 20, ok: true });
    expect(check('max(stage.tool.search)<11')).toMatchObject({ actual: 10, ok: true });
    expect(check('p50(stage.tool)==4')).toMatchObject({ actual: 4, ok: true });
    expect(check('p50(stage.first_thinking)<1')).toMatchObject({ actual: null, ok: false });
    expect(check('p50(stage.tool.unknown_tool)<1')).toMatchObject({ actual: null, ok: false });
  });

  it('measures run_duration from accepted to completed on the server clock, not from the spread of the arrivals', () => {
    const stamp = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
    const completedEnvelope = (run_id: string, at_ms: number, ms: number) => ({
      user: 'a',
      at_ms,
      envelope: { type: 'agent_completed', run_id, seq: 2, timestamp: stamp(ms), payload: { status: 'succeeded', duration_ms: 3 } },
    });
    const stampedAck = (at_ms: number, message_id: string, run_id: string, ms: number, duplicate = false) => {
      const a = ack('a', at_ms, message_id, run_id, duplicate);
      return { ...a, envelope: { ...a.envelope, timestamp: stamp(ms) } };
    };
    const r = result({
      sent: [
        { user: 'a', at_ms: 0, data: { type: 'user_message', message_id: 'm1', payload: { content: 'x' } } },
        { user: 'a', at_ms: 0, data: { type: 'user_message', message_id: 'm2', payload: { content: 'y' } } },
      ],
      received: [
        stampedAck(2, 'm1', 'run_1', 0),
        stampedAck(2, 'm2', 'run_2', 1),
        // run_2 waited for run_1 (one run at a time per user): its events all arrived in one
        // batch 0.1 ms apart, but it was accepted 40 ms before it completed.
        completedEnvelope('run_1', 30, 25),
        completedEnvelope('run_2', 50.1, 41),
        // A duplicate's ack comes later and does not move the acceptance.
        stampedAck(60, 'm1', 'run_1', 55, true),
      ],
      runs: [
        run('a', 'run_1', [
          ['agent_started', 20],
          ['agent_completed', 30],
        ]),
        run('a', 'run_2', [
          ['agent_started', 50],
          ['agent_completed', 50.1],
        ]),
      ],
    });
    expect(iterationSamples(r).run_duration).toEqual([25, 40]);
    // Without the completion's timestamp, on arrival: the ack (2) → agent_completed (50.1).
    const unstamped = { ...r, received: r.received.filter((e) => e.envelope.type !== 'agent_completed') };
    expect(iterationSamples(unstamped).run_duration).toEqual([28, 48.1]);
  });

  it('measures gaps in arrival order and step durations by kind, groups included, skipped steps and synthetic nodes not', () => {
    const r = result({
      runs: [
        run('a', 'run_1', [
          ['agent_started', 5],
          ['agent_thinking', 9],
          ['agent_completed', 7],
        ]),
      ],
      steps: [
        step('1', 'connect', 12),
        step('2', 'parallel', 30, {
          children: [step('2.1', 'branch', 30, { children: [step('2.1.1', 'send', 4)] }), step('2.2', 'branch', 20, { children: [step('2.2.1', 'send', 6)] })],
        }),
        step('3', 'wait', 100, { status: 'failed', failure: { message: 'timeout' } }),
        step('4', 'sleep', 0, { status: 'skipped' }),
      ],
    });
    const s = iterationSamples(r);
    expect(s.event_gap).toEqual([2, 2]);
    // No ack seen: when the run was accepted is unknown, so it has no run_duration sample.
    expect(s.run_duration).toEqual([]);
    expect(s.steps).toEqual({ connect: [12], parallel: [30], send: [4, 6], wait: [100] });
  });
});

describe('LoadStats', () => {
  it('counts iterations, messages and runs, and groups failures by their first failure without per-iteration ids', () => {
    const stats = new LoadStats();
    const failing = (userId: string, runId: string) =>
      result({
        status: 'failed',
        users: { a: { id: userId } },
        steps: [step('1', 'connect', 1), step('2', 'expect_run', 5, { status: 'failed', failure: { message: `run ${runId} of ${userId}: status failed` } })],
      });
    stats.addIteration(
      result({
        sent: [{ user: 'a', at_ms: 1, data: { type: 'ping' } }],
        runs: [
          {
            ...run('a', 'run_1', [
              ['agent_started', 1],
              ['agent_completed', 3],
            ]),
            ack_at_ms: 1,
          },
        ],
      }),
    );
    stats.addIteration(failing('flow-a-1', 'run_abc'));
    stats.addIteration(failing('flow-a-2', 'run_def'));
    stats.addIteration(result({ status: 'failed', error: 'vars: x is not defined' }));
    stats.addError('runner error: boom');
    const m = stats.metrics(2000);
    expect(m.iterations).toEqual({ total: 5, passed: 1, failed: 4, failed_rate: 0.8, per_s: 2.5 });
    expect(m.messages).toEqual({ sent: 1, per_s: 0.5 });
    expect(m.runs).toBe(1);
    expect(m.metrics.run_duration).toMatchObject({ count: 1, min: 2, max: 2 });
    expect(m.failures).toEqual([
      { message: 'step 2 (expect_run): run run_… of {{user.a.id}}: status failed', count: 2 },
      { message: 'runner error: boom', count: 1 },
      { message: 'vars: x is not defined', count: 1 },
    ]);
    expect(m.steps.connect?.count).toBe(2);
  });

  it('keeps the five most frequent failures and says how many kinds there were', () => {
    const stats = new LoadStats();
    for (let i = 0; i < 7; i++) for (let n = 0; n <= i; n++) stats.addError(`kind ${i}`);
    const m = stats.metrics(1000);
    expect(m.failures.map((f) => f.message)).toEqual(['kind 6', 'kind 5', 'kind 4', 'kind 3', 'kind 2']);
    expect(m.failure_kinds).toBe(7);
  });
});

describe('thresholds', () => {
  it('parses aggregations of metrics and plain values', () => {
    expect(parseThreshold('p95(run_duration)<2000')).toEqual({
      expression: 'p95(run_duration)<2000',
      target: { kind: 'timing', aggregation: { kind: 'percentile', p: 95 }, metric: 'run_duration' },
      operator: '<',
      value: 2000,
    });
    expect(parseThreshold(' p99.9( ack ) <= 500.5 ').target).toEqual({ kind: 'timing', aggregation: { kind: 'percentile', p: 99.9 }, metric: 'ack' });
    expect(parseThreshold('avg(step.connect)>=1').target).toEqual({ kind: 'timing', aggregation: { kind: 'mean' }, metric: 'step.connect' });
    expect(parseThreshold('failed_rate<0.01')).toMatchObject({ target: { kind: 'scalar', name: 'failed_rate' }, operator: '<', value: 0.01 });
    expect(parseThreshold('iterations_per_s > 5')).toMatchObject({ target: { kind: 'scalar', name: 'iterations_per_s' }, operator: '>', value: 5 });
    expect(parseThreshold('count(first_event)!=0').operator).toBe('!=');
    expect(parseThreshold('p99(stage.queue_wait)<50').target).toEqual({
      kind: 'timing',
      aggregation: { kind: 'percentile', p: 99 },
      metric: 'stage.queue_wait',
    });
    expect(parseThreshold('p95(stage.tool.web-search)<900').target).toMatchObject({ metric: 'stage.tool.web-search' });
  });

  it.each([
    ['', /empty/],
    ['p95(run_duration)', /no comparison/],
    ['p95(acks)<500', /unknown metric "acks"/],
    ['p95(step.sned)<500', /unknown step kind "sned"/],
    ['p95(stage.queue)<500', /unknown stage "queue" \(queue_wait, first_thinking, tool, total, tool.TOOL\)/],
    ['stage.total<500', /name an aggregation, e.g. 'p95\(stage.total\)<500'/],
    ['q95(ack)<500', /unknown aggregation "q95"/],
    ['p101(ack)<500', /unknown aggregation "p101"/],
    ['p95(ack)<500ms', /"500ms" is not a number/],
    ['p95(ack)<', /"" is not a number/],
    ['ack<500', /name an aggregation, e.g. 'p95\(ack\)<500'/],
    ['p95(failed_rate)<0.1', /compare it directly/],
    ['failed_rate<0.01<1', /one comparison/],
    ['error_rate<0.01', /unknown value "error_rate"/],
    ['p95(ack) + 1 < 3', /cannot read/],
  ])('rejects %j', (text, message) => {
    expect(() => parseThreshold(text)).toThrow(ThresholdSyntaxError);
    expect(() => parseThreshold(text)).toThrow(message);
  });

  it('evaluates against the samples; a metric without samples fails', () => {
    const stats = new LoadStats();
    stats.addIteration(
      result({
        sent: [{ user: 'a', at_ms: 0, data: { type: 'user_message', message_id: 'm1' } }],
        received: [ack('a', 7, 'm1', 'run_1')],
        runs: [
          run('a', 'run_1', [
            ['agent_started', 10],
            ['agent_completed', 1510],
          ]),
        ],
        steps: [step('1', 'send', 7)],
      }),
    );
    const metrics = stats.metrics(1000);
    const check = (text: string) => evaluateThreshold(parseThreshold(text), stats, metrics);
    expect(check('p95(run_duration)<2000')).toEqual({ expression: 'p95(run_duration)<2000', actual: 1503, ok: true });
    expect(check('max(ack)<5')).toEqual({ expression: 'max(ack)<5', actual: 7, ok: false });
    expect(check('p50(first_event)==10')).toMatchObject({ actual: 10, ok: true });
    expect(check('iterations_per_s>5')).toMatchObject({ actual: 1, ok: false });
    expect(check('failed_rate<0.01')).toMatchObject({ actual: 0, ok: true });
    expect(check('p99(step.send)<=7')).toMatchObject({ actual: 7, ok: true });
    expect(check('p99(step.wait)<100')).toEqual({ expression: 'p99(step.wait)<100', actual: null, ok: false });
    expect(check('count(step.wait)==0')).toMatchObject({ actual: 0, ok: true });
  });
});

describe('failureKey', () => {
  it('names the first failed step, depth first', () => {
    const r = result({
      status: 'failed',
      steps: [
        step('1', 'repeat', 5, {
          status: 'failed',
          failure: { message: 'a nested step failed' },
          children: [step('1.1', 'wait', 5, { status: 'failed', failure: { message: 'nothing matching arrived within 10 ms' } })],
        }),
      ],
    });
    expect(failureKey(r)).toBe('step 1.1 (wait): nothing matching arrived within 10 ms');
  });
});
