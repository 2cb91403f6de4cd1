import { describe, expect, it } from 'vitest';
import type { ObservedRun, ReceivedRecord } from '../../../../scenario/scenario-result.ts';
import { laneGaps } from '../timeline/index.ts';
import { lanesFromObservedRuns, lanesFromReceived } from './scenario-lanes.ts';

const TYPES = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'];
const started = '2025-01-01T00:00:00.000Z';

describe('scenario run lanes', () => {
  it('builds lanes from observed runs with arrival gaps', () => {
    const run: ObservedRun = {
      run_id: 'run_1',
      user: 'a',
      user_id: 'x-a-1',
      thread_id: 'thr_1',
      events: TYPES.map((type, i) => ({
        type,
        seq: i + 1,
        at_ms: 100 + i * 10,
        payload: type === 'agent_completed' ? { status: 'succeeded', response: '42' } : {},
      })),
      status: 'succeeded',
      response: '42',
    };
    const [lane] = lanesFromObservedRuns([run], started);
    expect(lane).toMatchObject({ runId: 'run_1', userId: 'a', status: 'succeeded', response: '42', flagged: false });
    expect(Object.values(lane!.seen).every(Boolean)).toBe(true);
    expect(laneGaps(lane!)).toEqual([10, 10, 10, 10]);
    expect(lane!.events[0]!.at).toBe(Date.parse(started) + 100);
  });

  it('builds lanes from received envelopes, ignoring acks and server timestamps', () => {
    const received: ReceivedRecord[] = [
      { user: 'b', at_ms: 5, envelope: { type: 'message_ack', payload: { run_id: 'run_2' } } },
      { user: 'b', at_ms: 7, envelope: { type: 'agent_started', run_id: 'run_2', seq: 1, timestamp: '2000-01-01T00:00:00Z' } },
      { user: 'b', at_ms: 9, envelope: { type: 'agent_completed', run_id: 'run_2', seq: 2, payload: { status: 'failed', error: 'no' } } },
    ];
    const [lane] = lanesFromReceived(received, started);
    expect(lane).toMatchObject({ runId: 'run_2', userId: 'b', status: 'failed', error: 'no', flagged: true });
    expect(lane!.events.map((e) => e.at - Date.parse(started))).toEqual([7, 9]);
  });
});
