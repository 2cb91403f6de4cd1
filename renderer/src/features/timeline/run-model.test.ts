import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../live-events/index.ts';
import { buildRuns, checkStates, isBadStatus, laneDuration, laneGaps, laneSpan, type RunLaneModel } from './run-model.ts';

const T0 = Date.parse('2025-01-01T12:00:00.000Z');
let nextKey = 1;

interface Opts {
  /** null for an envelope without run_id. */
  runId?: string | null;
  seq?: number | undefined;
  /** Milliseconds after T0 for the envelope's timestamp; null for no timestamp. */
  ms?: number | null;
  userId?: string;
  source?: 'live' | 'history';
  payload?: Record<string, unknown>;
  receivedAt?: number;
}

function ev(type: string, opts: Opts = {}): StreamEvent {
  const { runId = 'run_a', seq, ms = 0, userId = 'alice', source = 'live', payload = {}, receivedAt = T0 + 999_999 } = opts;
  const envelope: StreamEvent['envelope'] = { type, payload };
  if (runId !== null) envelope.run_id = runId;
  if (seq !== undefined) envelope.seq = seq;
  if (ms !== null) envelope.timestamp = new Date(T0 + ms).toISOString();
  return { key: nextKey++, userId, receivedAt, envelope, source };
}

/** The five events of a run that called one tool, with timestamps 0, 5, 12, 40, 41 ms. */
function fiveEvents(
  runId = 'run_a',
  extra: Partial<Opts> = {},
  completed: Record<string, unknown> = { status: 'succeeded', response: '8', error: null, duration_ms: 41 },
) {
  return [
    ev('agent_started', { runId, seq: 1, ms: 0, payload: { agent: 'calc', input: 'what is 2 + 2 * 3?' }, ...extra }),
    ev('agent_thinking', { runId, seq: 2, ms: 5, payload: { thought: 'multiply first', step: 1 }, ...extra }),
    ev('tool_executing', { runId, seq: 3, ms: 12, payload: { tool: 'calc', call_id: 'c1', args: {} }, ...extra }),
    ev('tool_completed', { runId, seq: 4, ms: 40, payload: { tool: 'calc', call_id: 'c1', ok: true, duration_ms: 28 }, ...extra }),
    ev('agent_completed', { runId, seq: 5, ms: 41, payload: completed, ...extra }),
  ];
}

const types = (lane: RunLaneModel) => lane.events.map((e) => e.event.envelope.type);
const seqs = (lane: RunLaneModel) => lane.events.map((e) => e.event.envelope.seq);

function only(lanes: RunLaneModel[]): RunLaneModel {
  expect(lanes).toHaveLength(1);
  return lanes[0]!;
}

describe('buildRuns', () => {
  it('builds one lane from the five events, in seq order, with the gaps between them in ms', () => {
    const lane = only(buildRuns(fiveEvents(), {}));
    expect(lane.runId).toBe('run_a');
    expect(lane.userId).toBe('alice');
    expect(types(lane)).toEqual(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed']);
    expect(lane.events.map((e) => e.at - T0)).toEqual([0, 5, 12, 40, 41]);
    expect(laneGaps(lane)).toEqual([5, 7, 28, 1]);
    expect(laneSpan(lane)).toBe(41);
    expect(lane.seen).toEqual({ agent_started: true, agent_thinking: true, tool_executing: true, tool_completed: true, agent_completed: true });
    expect(lane.status).toBe('succeeded');
    expect(lane.response).toBe('8');
    expect(lane.error).toBeNull();
    expect(lane.flagged).toBe(false);
    expect(lane.source).toBe('live');
  });

  it('puts events that arrived out of order back in seq order', () => {
    const [a, b, c, d, e] = fiveEvents();
    const lane = only(buildRuns([c!, e!, a!, d!, b!], {}));
    expect(seqs(lane)).toEqual([1, 2, 3, 4, 5]);
    expect(laneGaps(lane)).toEqual([5, 7, 28, 1]);
  });

  it('orders by seq even when the timestamps disagree, so a gap can be negative', () => {
    const lane = only(buildRuns([ev('agent_started', { seq: 1, ms: 30 }), ev('agent_thinking', { seq: 2, ms: 10 })], {}));
    expect(seqs(lane)).toEqual([1, 2]);
    expect(laneGaps(lane)).toEqual([-20]);
  });

  it('keeps the first copy of a duplicate seq and drops the replay', () => {
    const events = fiveEvents();
    const replay = ev('agent_thinking', { seq: 2, ms: 500, payload: { thought: 'replayed', step: 1 } });
    const lane = only(buildRuns([...events, replay], {}));
    expect(seqs(lane)).toEqual([1, 2, 3, 4, 5]);
    expect(lane.events[1]!.event).toBe(events[1]);
    expect(laneGaps(lane)).toEqual([5, 7, 28, 1]);
  });

  it('drops a later event of another type that reuses a seq the run already has', () => {
    const lane = only(buildRuns([ev('agent_started', { seq: 1 }), ev('agent_completed', { seq: 1, payload: { status: 'failed' } })], {}));
    expect(types(lane)).toEqual(['agent_started']);
    expect(lane.status).toBe('running');
    expect(lane.seen.agent_completed).toBe(false);
  });

  it('does not dedupe events without a numeric seq, and sorts them first', () => {
    const lane = only(buildRuns([ev('agent_thinking', { seq: 2 }), ev('agent_started', {}), ev('agent_started', {})], {}));
    expect(seqs(lane)).toEqual([undefined, undefined, 2]);
  });

  it('falls back to the receive time when the timestamp is missing or unparseable', () => {
    const noTs = ev('agent_started', { seq: 1, ms: null, receivedAt: T0 + 100 });
    const badTs = ev('agent_thinking', { seq: 2, receivedAt: T0 + 130 });
    badTs.envelope.timestamp = 'not a date';
    const lane = only(buildRuns([noTs, badTs], {}));
    expect(lane.events.map((e) => e.at)).toEqual([T0 + 100, T0 + 130]);
    expect(laneGaps(lane)).toEqual([30]);
  });

  it('checks off only the events that arrived; a run without agent_completed is running', () => {
    const [started, thinking] = fiveEvents();
    const lane = only(buildRuns([started!, thinking!], {}));
    expect(lane.seen).toEqual({ agent_started: true, agent_thinking: true, tool_executing: false, tool_completed: false, agent_completed: false });
    expect(lane.status).toBe('running');
    expect(lane.response).toBeNull();
    expect(lane.error).toBeNull();
    expect(lane.flagged).toBe(false);
    expect(laneGaps(lane)).toEqual([5]);
  });

  it('a run without tools misses only the two tool events', () => {
    const [started, thinking, , , completed] = fiveEvents();
    const lane = only(buildRuns([started!, thinking!, completed!], {}));
    expect(lane.seen.tool_executing).toBe(false);
    expect(lane.seen.tool_completed).toBe(false);
    expect(lane.seen.agent_completed).toBe(true);
    expect(lane.status).toBe('succeeded');
  });

  it.each([
    ['failed', 'tool exploded'],
    ['interrupted', 'the process owning the run stopped'],
  ])('flags a %s run and keeps its error', (status, error) => {
    const lane = only(buildRuns(fiveEvents('run_a', {}, { status, response: null, error, duration_ms: 41 }), {}));
    expect(lane.status).toBe(status);
    expect(lane.flagged).toBe(true);
    expect(lane.error).toBe(error);
    expect(lane.response).toBeNull();
  });

  it('flags a queued run cancelled with a single agent_completed (seq 1)', () => {
    const lane = only(
      buildRuns([ev('agent_completed', { seq: 1, payload: { status: 'cancelled', response: null, error: 'cancelled by user', duration_ms: 0 } })], {}),
    );
    expect(lane.status).toBe('cancelled');
    expect(lane.flagged).toBe(true);
    expect(lane.seen).toEqual({ agent_started: false, agent_thinking: false, tool_executing: false, tool_completed: false, agent_completed: true });
    expect(laneGaps(lane)).toEqual([]);
    expect(laneSpan(lane)).toBe(0);
  });

  it('ignores events that are not run events or carry no run_id', () => {
    const ack = ev('message_ack', { payload: { run_id: 'run_a', queue_position: 0 } });
    const error = ev('error', { runId: 'run_b', payload: { code: 'NOT_FOUND' } });
    const orphan = ev('agent_started', { runId: null, seq: 1 });
    const numericRun = ev('agent_started', { seq: 1 });
    numericRun.envelope.run_id = 7;
    expect(buildRuns([ack, error, orphan, numericRun], {})).toEqual([]);
    const lane = only(buildRuns([ack, ...fiveEvents()], {}));
    expect(lane.events).toHaveLength(5);
  });

  it('one lane per run, the most recently first-seen first, each with its own user', () => {
    const a = fiveEvents('run_a');
    const b = fiveEvents('run_b', { userId: 'bob' });
    const lanes = buildRuns([a[0]!, b[0]!, a[1]!, b[1]!, ...a.slice(2), ...b.slice(2)], {});
    expect(lanes.map((l) => [l.runId, l.userId])).toEqual([
      ['run_b', 'bob'],
      ['run_a', 'alice'],
    ]);
    for (const lane of lanes) expect(seqs(lane)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a run loaded from history is a history lane; a live copy of the same seqs adds nothing', () => {
    const loaded = fiveEvents('run_h', { source: 'history' });
    const onlyHistory = only(buildRuns([], { run_h: loaded }));
    expect(onlyHistory.source).toBe('history');
    expect(onlyHistory.status).toBe('succeeded');

    const live = fiveEvents('run_h');
    const merged = only(buildRuns(live, { run_h: loaded }));
    expect(merged.events.map((e) => e.event)).toEqual(loaded);
    expect(merged.source).toBe('history');
  });

  it('a run part live, part history is a live lane with the union of its seqs', () => {
    const [s1, s2, s3, s4, s5] = fiveEvents('run_m');
    const history = [s1!, s2!, s3!].map((e) => ({ ...e, source: 'history' as const }));
    const lane = only(buildRuns([s3!, s4!, s5!], { run_m: history }));
    expect(seqs(lane)).toEqual([1, 2, 3, 4, 5]);
    expect(lane.events[2]!.event.source).toBe('history');
    expect(lane.source).toBe('live');
    expect(lane.status).toBe('succeeded');
  });

  it('history lanes come after live ones (loaded runs are grouped first, lanes are reversed)', () => {
    const lanes = buildRuns(fiveEvents('run_live'), { run_old: fiveEvents('run_old', { source: 'history' }) });
    expect(lanes.map((l) => l.runId)).toEqual(['run_live', 'run_old']);
  });

  it('returns no lanes for no events', () => {
    expect(buildRuns([], {})).toEqual([]);
  });
});

describe('isBadStatus', () => {
  it('is true for failed, cancelled and interrupted only', () => {
    expect(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'].filter(isBadStatus)).toEqual(['failed', 'cancelled', 'interrupted']);
  });
});

describe('checkStates: pending is not failure', () => {
  it('a running run: what has not come yet is pending, never missing', () => {
    const [started, thinking] = fiveEvents();
    const lane = only(buildRuns([started!, thinking!], {}));
    expect(lane.checks).toEqual({
      agent_started: 'seen',
      agent_thinking: 'seen',
      tool_executing: 'pending',
      tool_completed: 'pending',
      agent_completed: 'pending',
    });
  });

  it('a run that succeeded without a tool: the tool pair is "not used"', () => {
    const [started, thinking, , , completed] = fiveEvents();
    const lane = only(buildRuns([started!, thinking!, completed!], {}));
    expect(lane.checks.tool_executing).toBe('not-used');
    expect(lane.checks.tool_completed).toBe('not-used');
    expect(lane.checks.agent_completed).toBe('seen');
  });

  it('a succeeded run that called a tool but lacks its completion, or lacks thinking: missing', () => {
    expect(
      checkStates({ agent_started: true, agent_thinking: true, tool_executing: true, tool_completed: false, agent_completed: true }, 'succeeded'),
    ).toMatchObject({
      tool_completed: 'missing',
    });
    expect(checkStates({ agent_started: true, agent_thinking: false, agent_completed: true }, 'succeeded')).toMatchObject({
      agent_thinking: 'missing',
      tool_executing: 'not-used',
    });
  });

  it('a run cancelled (or failed, interrupted) before an event: not reached', () => {
    const lane = only(buildRuns([ev('agent_completed', { seq: 1, payload: { status: 'cancelled', response: null, error: 'cancelled by user' } })], {}));
    expect(lane.checks).toEqual({
      agent_started: 'not-reached',
      agent_thinking: 'not-reached',
      tool_executing: 'not-reached',
      tool_completed: 'not-reached',
      agent_completed: 'seen',
    });
  });
});

describe('one time base: server timestamps', () => {
  it('gaps, span and stage latencies come from the server times, not from when events arrived', () => {
    // a burst: 61 ms apart on the server, received 1 ms apart
    const started = ev('agent_started', { seq: 1, ms: 0, receivedAt: T0 + 500 });
    const thinking = ev('agent_thinking', { seq: 2, ms: 61, receivedAt: T0 + 501, payload: { thought: 't', step: 1 } });
    const lane = only(buildRuns([started, thinking], {}));
    expect(laneGaps(lane)).toEqual([61]);
    expect(laneSpan(lane)).toBe(61);
    expect(lane.stages.first_thinking_ms).toBe(61);
  });
});

describe('laneDuration', () => {
  it('an ended run: first event to last', () => {
    const lane = only(buildRuns(fiveEvents(), {}));
    expect(laneDuration(lane, T0 + 10_000_000)).toBe(41);
  });

  it('a running run ticks: its span plus the time since its last event arrived', () => {
    const started = ev('agent_started', { seq: 1, ms: 0, receivedAt: T0 + 1000 });
    const thinking = ev('agent_thinking', { seq: 2, ms: 20, receivedAt: T0 + 1020 });
    const lane = only(buildRuns([started, thinking], {}));
    expect(laneDuration(lane, T0 + 1020)).toBe(20);
    expect(laneDuration(lane, T0 + 1520)).toBe(520);
    expect(laneDuration(lane, T0 + 2020)).toBe(1020);
    // a clock that lags the last arrival never makes it go back
    expect(laneDuration(lane, T0 + 900)).toBe(20);
  });
});
