import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../live-events/index.ts';
import { RunIndex } from './run-index.ts';

let key = 0;
const ev = (type: string, runId: string, seq: number | undefined, at: number, payload: object = {}, userId = 'alice'): StreamEvent => ({
  key: ++key,
  userId,
  receivedAt: at,
  source: 'live',
  envelope: { type, run_id: runId, ...(seq !== undefined ? { seq } : {}), timestamp: new Date(at).toISOString(), payload },
});

describe('RunIndex', () => {
  it('builds lanes with stage latencies, newest run first, dropping repeated seqs', () => {
    const index = new RunIndex();
    index.add(ev('message_ack', 'r1', undefined, 1000, { run_id: 'r1', duplicate: false }));
    index.add(ev('agent_started', 'r1', 1, 1040));
    index.add(ev('agent_thinking', 'r1', 2, 1065));
    index.add(ev('tool_executing', 'r1', 3, 1070, { tool: 'calc', call_id: 'c1' }));
    index.add(ev('tool_completed', 'r1', 4, 1100, { tool: 'calc', call_id: 'c1', ok: true, duration_ms: 28 }));
    expect(index.add(ev('tool_completed', 'r1', 4, 1100, { tool: 'calc', call_id: 'c1', ok: true, duration_ms: 28 }))).toBe(false);
    index.add(ev('agent_completed', 'r1', 5, 1200, { status: 'succeeded', response: '4' }));
    index.add(ev('agent_started', 'r2', 1, 2000));
    const [second, first] = index.lanes();
    expect(second!.runId).toBe('r2');
    expect(first!.events).toHaveLength(5);
    expect(first!.stages).toMatchObject({ queue_wait_ms: 40, first_thinking_ms: 25, total_ms: 200, total_from: 'ack', status: 'succeeded' });
    expect(first!.stages.tools).toEqual([
      expect.objectContaining({ tool: 'calc', call_id: 'c1', state: 'completed', duration_ms: 30, reported_ms: 28, ok: true }),
    ]);
    expect(second!.stages.total_ms).toBeUndefined();
  });

  it('lists the runs in progress for a resume, with their last seq (0 for acked, not started)', () => {
    const index = new RunIndex();
    index.add(ev('agent_started', 'r1', 1, 1));
    index.add(ev('agent_thinking', 'r1', 2, 2));
    index.add(ev('agent_started', 'r2', 1, 3));
    index.add(ev('agent_completed', 'r2', 2, 4, { status: 'succeeded' }));
    index.add(ev('message_ack', 'r3', undefined, 5, { run_id: 'r3', duplicate: false }));
    index.add(ev('agent_started', 'rb', 1, 6, {}, 'bob'));
    expect(index.inProgress('alice')).toEqual([
      { runId: 'r1', lastSeq: 2 },
      { runId: 'r3', lastSeq: 0 },
    ]);
  });

  it('keeps at most `cap` runs and counts the dropped ones', () => {
    const index = new RunIndex(3);
    for (let i = 0; i < 5; i++) index.add(ev('agent_started', `r${i}`, 1, i));
    expect(index.lanes().map((l) => l.runId)).toEqual(['r4', 'r3', 'r2']);
    expect(index.dropped).toBe(2);
  });
});

describe('RunIndex.order / lane', () => {
  it('lists the run ids newest first and builds one lane on demand, again only after its run changed', () => {
    const index = new RunIndex();
    index.add(ev('agent_started', 'r1', 1, 1));
    index.add(ev('agent_started', 'r2', 1, 2));
    const order = index.order();
    expect(order).toEqual(['r2', 'r1']);
    const lane = index.lane('r1')!;
    expect(lane.runId).toBe('r1');
    expect(index.lane('r1')).toBe(lane);
    // a change to a known run keeps the order (the same array) and rebuilds only that lane
    index.add(ev('agent_thinking', 'r1', 2, 3));
    expect(index.order()).toBe(order);
    expect(index.lane('r1')).not.toBe(lane);
    expect(index.lane('r1')!.events).toHaveLength(2);
    expect(index.lane('nope')).toBeNull();
    index.add(ev('agent_started', 'r3', 1, 4));
    expect(index.order()).toEqual(['r3', 'r2', 'r1']);
    expect(index.lanes().map((l) => l.runId)).toEqual(['r3', 'r2', 'r1']);
  });
});
