import { describe, expect, it } from 'vitest';
import { formatRunsStages, formatScenarioEnd } from './report-pretty.ts';
import type { ObservedRun, ScenarioResult } from '../scenario/scenario-result.ts';

function run(n: number, ack: number | undefined, arrivals: Array<[string, number]>): ObservedRun {
  return {
    run_id: `run_${n}`,
    user: 'a',
    user_id: 'u-a',
    thread_id: 't',
    events: arrivals.map(([type, at_ms], i) => ({ type, seq: i + 1, at_ms, payload: type === 'agent_completed' ? { status: 'succeeded' } : {} })),
    status: 'succeeded',
    response: 'ok',
    ...(ack !== undefined ? { ack_at_ms: ack } : {}),
  };
}

describe('stage lines of the pretty report', () => {
  it('gives each of a few runs its own line, computed from the events when the result has no stages', () => {
    expect(
      formatRunsStages([
        run(1, 10, [
          ['agent_started', 12],
          ['agent_thinking', 20],
          ['agent_completed', 40],
        ]),
        run(2, undefined, [['agent_started', 5]]),
      ]),
    ).toEqual(['⏱ run run_1 (a, succeeded): queue 2 ms · first thinking 8 ms · total 30 ms', '⏱ run run_2 (a, not completed)']);
    expect(formatRunsStages([])).toEqual([]);
  });

  it('summarises many runs as medians and maxima, and prints before the verdict', () => {
    const runs = Array.from({ length: 7 }, (_, i) =>
      run(i, 0, [
        ['agent_started', i + 1],
        ['agent_completed', 100 * (i + 1)],
      ]),
    );
    expect(formatRunsStages(runs)).toEqual(['⏱ 7 runs: queue p50 4 ms, max 7 ms · total p50 400 ms, max 700 ms']);
    const result: ScenarioResult = {
      name: 'x',
      tags: [],
      status: 'passed',
      started_at: '',
      duration_ms: 5,
      target: 't',
      steps: [],
      runs,
      users: {},
      sent: [],
      received: [],
    };
    expect(formatScenarioEnd(result, { color: false })).toBe(
      '  ⏱ 7 runs: queue p50 4 ms, max 7 ms · total p50 400 ms, max 700 ms\n  PASS 0 passed, 0 failed, 0 skipped, 7 runs (5 ms)\n',
    );
  });
});
