import { describe, expect, it } from 'vitest';
import { formatRunStages, formatStageMs, runStages, stageSamples, type StageEvent } from './run-stages.ts';

const ev = (type: string, at_ms: number, seq?: number, payload: Record<string, unknown> = {}): StageEvent => ({ type, at_ms, seq, payload });
const exec = (at: number, seq: number | undefined, call_id: string, tool = 'search') => ev('tool_executing', at, seq, { tool, call_id, args: {} });
const done = (at: number, seq: number | undefined, call_id: string, duration_ms: number, tool = 'search', ok = true) =>
  ev('tool_completed', at, seq, { tool, call_id, ok, duration_ms });

describe('runStages', () => {
  it('measures queue wait, first thinking, one tool call and total from the ack', () => {
    const s = runStages(
      [
        ev('agent_started', 105, 1, { agent: 'echo', input: 'x' }),
        ev('agent_thinking', 130, 2, { thought: 't', step: 1 }),
        exec(140, 3, 'c1'),
        done(190, 4, 'c1', 48),
        ev('agent_completed', 200, 5, { status: 'succeeded', response: 'ok', error: null, duration_ms: 94 }),
      ],
      { ack_at_ms: 100 },
    );
    expect(s).toMatchObject({
      queue_wait_ms: 5,
      first_thinking_ms: 25,
      total_ms: 100,
      total_from: 'ack',
      reported_total_ms: 94,
      status: 'succeeded',
      ack_at_ms: 100,
      started_at_ms: 105,
      completed_at_ms: 200,
      duplicates: 0,
    });
    expect(s.tools).toEqual([
      { call_id: 'c1', tool: 'search', state: 'completed', executing_at_ms: 140, completed_at_ms: 190, duration_ms: 50, reported_ms: 48, ok: true },
    ]);
    expect(stageSamples(s)).toEqual({ queue_wait: [5], first_thinking: [25], tool: [50], total: [100] });
    expect(formatRunStages(s)).toBe('queue 5 ms · first thinking 25 ms · search 50 ms · total 100 ms');
  });

  it('takes the ack time from a message_ack among the events, and total from agent_started without one', () => {
    const withAck = runStages([ev('message_ack', 10), ev('agent_started', 12, 1), ev('agent_completed', 40, 2, { status: 'succeeded' })]);
    expect([withAck.queue_wait_ms, withAck.total_ms, withAck.total_from]).toEqual([2, 30, 'ack']);
    const without = runStages([ev('agent_started', 12, 1), ev('agent_completed', 40, 2, { status: 'failed' })]);
    expect([without.queue_wait_ms, without.first_thinking_ms, without.total_ms, without.total_from, without.status]).toEqual([
      undefined,
      undefined,
      28,
      'agent_started',
      'failed',
    ]);
    // The option wins over an ack among the events.
    expect(runStages([ev('message_ack', 10), ev('agent_started', 12, 1)], { ack_at_ms: 11 }).queue_wait_ms).toBe(1);
  });

  it('pairs parallel tool calls by call_id, whatever the interleaving', () => {
    const s = runStages([
      ev('agent_started', 0, 1),
      exec(10, 2, 'a', 'search'),
      exec(11, 3, 'b', 'calc'),
      exec(12, 4, 'c', 'search'),
      done(30, 5, 'c', 17, 'search'),
      done(55, 6, 'a', 44, 'search'),
      done(70, 7, 'b', 58, 'calc', false),
      ev('agent_completed', 80, 8, { status: 'succeeded' }),
    ]);
    expect(s.tools.map((t) => [t.call_id, t.tool, t.duration_ms, t.reported_ms, t.ok])).toEqual([
      ['a', 'search', 45, 44, true],
      ['b', 'calc', 59, 58, false],
      ['c', 'search', 18, 17, true],
    ]);
    expect(stageSamples(s).tool).toEqual([45, 59, 18]);
    expect(formatRunStages(s)).toBe('search 45 ms · calc 59 ms (failed) · search 18 ms · total 80 ms');
  });

  it('counts a seq delivered twice once, at its first arrival, whatever order the events are given in', () => {
    const events = [
      ev('agent_started', 5, 1),
      ev('agent_thinking', 9, 2),
      exec(10, 3, 'c1'),
      // A reconnect replays 2 and 3 later.
      ev('agent_thinking', 60, 2),
      exec(61, 3, 'c1'),
      done(70, 4, 'c1', 59),
      ev('agent_completed', 75, 5, { status: 'succeeded' }),
      ev('agent_completed', 90, 5, { status: 'succeeded' }),
    ];
    const s = runStages([...events].reverse(), { ack_at_ms: 1 });
    expect([s.queue_wait_ms, s.first_thinking_ms, s.tools[0]?.duration_ms, s.total_ms, s.duplicates]).toEqual([4, 4, 60, 74, 3]);
    expect(s.tools).toHaveLength(1);
  });

  it('ignores duplicates without a seq by identity (the same call_id, a second start or completion)', () => {
    const s = runStages([
      ev('agent_started', 0),
      ev('agent_started', 3),
      exec(5, undefined, 'x'),
      exec(6, undefined, 'x'),
      done(9, undefined, 'x', 3),
      done(12, undefined, 'x', 3),
      ev('agent_completed', 20),
      ev('agent_completed', 21),
    ]);
    expect([s.started_at_ms, s.tools.length, s.tools[0]?.duration_ms, s.completed_at_ms, s.duplicates]).toEqual([0, 1, 4, 20, 4]);
  });

  it('leaves missing stages undefined: cancelled while queued, still running, a completion without its start', () => {
    const cancelled = runStages([ev('agent_completed', 50, 1, { status: 'cancelled', duration_ms: 0 })], { ack_at_ms: 20 });
    expect(cancelled).toMatchObject({
      queue_wait_ms: undefined,
      first_thinking_ms: undefined,
      total_ms: 30,
      total_from: 'ack',
      status: 'cancelled',
      tools: [],
    });
    expect(stageSamples(cancelled)).toEqual({ queue_wait: [], first_thinking: [], tool: [], total: [30] });

    const running = runStages([ev('agent_started', 0, 1), exec(4, 2, 'c1', 'fetch')], { ack_at_ms: 0 });
    expect(running).toMatchObject({ queue_wait_ms: 0, total_ms: undefined, total_from: undefined, status: undefined });
    expect(running.tools[0]).toMatchObject({ state: 'running', duration_ms: undefined, completed_at_ms: undefined });
    expect(stageSamples(running).tool).toEqual([]);
    expect(formatRunStages(running)).toBe('queue 0 ms · fetch running');

    // Resumed after seq 3: the completion's start was never seen; the reported duration still counts.
    const resumed = runStages([done(40, 4, 'c9', 12, 'calc'), ev('agent_completed', 45, 5, { status: 'succeeded' })]);
    expect(resumed.tools[0]).toMatchObject({ call_id: 'c9', state: 'unmatched', duration_ms: undefined, reported_ms: 12 });
    expect(stageSamples(resumed)).toEqual({ queue_wait: [], first_thinking: [], tool: [12], total: [] });
    expect(runStages([]).tools).toEqual([]);
  });

  it('never reports a negative stage when arrivals contradict the seq order, and skips events without a usable time', () => {
    const s = runStages([ev('agent_thinking', 5, 2), ev('agent_started', 9, 1), ev('agent_completed', Number.NaN, 3)], { ack_at_ms: 20 });
    expect([s.first_thinking_ms, s.queue_wait_ms, s.completed_at_ms, s.total_ms]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('pairs tool events without a call_id with the oldest open call of the same tool', () => {
    const bare = (type: string, at: number, tool: string) => ev(type, at, undefined, { tool, duration_ms: 1 });
    const s = runStages([
      bare('tool_executing', 0, 'a'),
      bare('tool_executing', 1, 'b'),
      bare('tool_executing', 2, 'a'),
      bare('tool_completed', 10, 'a'),
      bare('tool_completed', 12, 'a'),
      bare('tool_completed', 13, 'b'),
    ]);
    expect(s.tools.map((t) => [t.tool, t.duration_ms])).toEqual([
      ['a', 10],
      ['b', 12],
      ['a', 10],
    ]);
  });
});

describe('formatStageMs', () => {
  it('reads at every scale', () => {
    expect([undefined, 0.44, 9.96, 37.4, 999.6, 1240, 12_480, 125_000, Number.NaN].map(formatStageMs)).toEqual([
      '—',
      '0.4 ms',
      '10 ms',
      '37 ms',
      '1000 ms',
      '1.24 s',
      '12.5 s',
      '2 m 05 s',
      '—',
    ]);
  });
});
