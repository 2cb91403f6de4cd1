import { describe, expect, it } from 'vitest';
import type { StreamEvent } from './stream-event.ts';
import {
  EMPTY_FILTER,
  collectIds,
  filterEvents,
  focusRun,
  isFilterActive,
  matchesFilter,
  runIdOf,
  searchTextOf,
  shortId,
  threadIdOf,
  type EventFilter,
} from './event-filter.ts';

let nextKey = 1;

function ev(userId: string, type: string, ids: { run?: string; thread?: string } = {}, payload: Record<string, unknown> = {}): StreamEvent {
  const envelope: StreamEvent['envelope'] = { type, timestamp: '2025-01-01T00:00:00.000Z', payload };
  if (ids.run) envelope.run_id = ids.run;
  if (ids.thread) envelope.thread_id = ids.thread;
  return { key: nextKey++, userId, receivedAt: 0, envelope, source: 'live' };
}

const filter = (patch: Partial<EventFilter>): EventFilter => ({ ...EMPTY_FILTER, ...patch });
const keys = (list: StreamEvent[]) => list.map((e) => e.key);

// Two users, three runs in three threads, plus events that belong to no run.
const ackA1 = ev('alice', 'message_ack', { run: 'run_a1', thread: 'thr_a1' }, { run_id: 'run_a1', thread_id: 'thr_a1', queue_position: 0 });
const startA1 = ev('alice', 'agent_started', { run: 'run_a1', thread: 'thr_a1' }, { agent: 'calc', input: 'What is 2 + 2?' });
const ackB1 = ev('bob', 'message_ack', { run: 'run_b1', thread: 'thr_b1' }, { run_id: 'run_b1', thread_id: 'thr_b1', queue_position: 0 });
const startB1 = ev('bob', 'agent_started', { run: 'run_b1', thread: 'thr_b1' }, { agent: 'calc', input: 'hello' });
const doneA1 = ev('alice', 'agent_completed', { run: 'run_a1', thread: 'thr_a1' }, { status: 'succeeded', response: '4' });
const startA2 = ev('alice', 'agent_started', { run: 'run_a2', thread: 'thr_a2' }, { agent: 'calc', input: 'again' });
const errA = ev('alice', 'error', {}, { code: 'INVALID_JSON', message: 'bad json' });
const pongB = ev('bob', 'pong', {}, {});
const doneB1 = ev('bob', 'agent_completed', { run: 'run_b1', thread: 'thr_b1' }, { status: 'failed', error: 'boom' });
const ALL = [ackA1, startA1, ackB1, startB1, doneA1, startA2, errA, pongB, doneB1];

describe('runIdOf / threadIdOf', () => {
  it('read the top-level ids of run events and acks', () => {
    expect(runIdOf(startA1.envelope)).toBe('run_a1');
    expect(threadIdOf(startA1.envelope)).toBe('thr_a1');
  });

  it('fall back to the payload ids of a message_ack without top-level ids', () => {
    const ack = { type: 'message_ack', payload: { run_id: 'run_x', thread_id: 'thr_x' } };
    expect(runIdOf(ack)).toBe('run_x');
    expect(threadIdOf(ack)).toBe('thr_x');
  });

  it('are null for events of no run, and ignore non-string or empty ids', () => {
    expect(runIdOf(errA.envelope)).toBeNull();
    expect(threadIdOf(pongB.envelope)).toBeNull();
    expect(runIdOf({ type: 'agent_started', run_id: 42, payload: { run_id: '' } })).toBeNull();
    expect(runIdOf({ type: '(unparseable)', raw: '{"run_id":"run_a1"' })).toBeNull();
    expect(runIdOf({ type: 'error', payload: null })).toBeNull();
  });
});

describe('filterEvents', () => {
  it('with no filter returns every event, newest first', () => {
    expect(keys(filterEvents(ALL, EMPTY_FILTER))).toEqual(keys([...ALL].reverse()));
  });

  it('by run: only that run, its ack included', () => {
    expect(filterEvents(ALL, filter({ runId: 'run_a1' }))).toEqual([doneA1, startA1, ackA1]);
    expect(filterEvents(ALL, filter({ runId: 'run_b1' }))).toEqual([doneB1, startB1, ackB1]);
    expect(filterEvents(ALL, filter({ runId: 'run_nope' }))).toEqual([]);
  });

  it('by thread: only that thread', () => {
    expect(filterEvents(ALL, filter({ threadId: 'thr_a2' }))).toEqual([startA2]);
  });

  it('by user and by type, as before', () => {
    expect(filterEvents(ALL, filter({ userId: 'bob' }))).toEqual([doneB1, pongB, startB1, ackB1]);
    expect(filterEvents(ALL, filter({ type: 'agent_started' }))).toEqual([startA2, startB1, startA1]);
  });

  it('by text: case-insensitive, trimmed, over the whole envelope', () => {
    expect(filterEvents(ALL, filter({ query: '  what IS ' }))).toEqual([startA1]);
    expect(filterEvents(ALL, filter({ query: 'run_b1' }))).toEqual([doneB1, startB1, ackB1]);
    expect(filterEvents(ALL, filter({ query: '   ' }))).toHaveLength(ALL.length);
  });

  it('combines every criterion', () => {
    expect(filterEvents(ALL, filter({ userId: 'alice', runId: 'run_a1', type: 'agent_completed' }))).toEqual([doneA1]);
    expect(filterEvents(ALL, filter({ runId: 'run_a1', threadId: 'thr_b1' }))).toEqual([]);
    expect(filterEvents(ALL, filter({ userId: 'bob', runId: 'run_a1' }))).toEqual([]);
    expect(filterEvents(ALL, filter({ threadId: 'thr_a1', query: 'succeeded' }))).toEqual([doneA1]);
  });

  it('stays cheap over thousands of events and agrees with matchesFilter', () => {
    const many: StreamEvent[] = [];
    for (let i = 0; i < 5000; i++) {
      const run = `run_${i % 50}`;
      many.push(ev(i % 2 ? 'alice' : 'bob', i % 5 ? 'agent_thinking' : 'agent_started', { run, thread: `thr_${i % 50}` }, { thought: `step ${i}`, step: i }));
    }
    const f = filter({ runId: 'run_7', query: 'step' });
    const started = performance.now();
    const rows = filterEvents(many, f);
    for (let i = 0; i < 20; i++) filterEvents(many, f);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(rows).toHaveLength(100);
    expect(rows.every((e) => e.envelope.run_id === 'run_7')).toBe(true);
    expect(rows.length).toBe(many.filter((e) => matchesFilter(e, f)).length);
    expect(rows[0]!.key).toBeGreaterThan(rows[1]!.key);
  });
});

describe('searchTextOf', () => {
  it('is the lower-cased envelope JSON, computed once per event', () => {
    const e = ev('alice', 'agent_thinking', { run: 'RUN_X' }, { thought: 'Hello' });
    const first = searchTextOf(e);
    expect(first).toBe(JSON.stringify(e.envelope).toLowerCase());
    expect(first).toContain('run_x');
    expect(searchTextOf(e)).toBe(first);
  });
});

describe('isFilterActive', () => {
  it('is false only when every criterion is empty (blank text counts as empty)', () => {
    expect(isFilterActive(EMPTY_FILTER)).toBe(false);
    expect(isFilterActive(filter({ query: '  ' }))).toBe(false);
    for (const patch of [{ userId: 'a' }, { type: 'error' }, { runId: 'r' }, { threadId: 't' }, { query: 'x' }]) {
      expect(isFilterActive(filter(patch))).toBe(true);
    }
  });
});

describe('collectIds', () => {
  it('lists the runs and threads seen, most recently active first, with their user and count', () => {
    const { runs, threads } = collectIds(ALL);
    expect(runs).toEqual([
      { id: 'run_b1', userId: 'bob', count: 3 },
      { id: 'run_a2', userId: 'alice', count: 1 },
      { id: 'run_a1', userId: 'alice', count: 3 },
    ]);
    expect(threads.map((t) => t.id)).toEqual(['thr_b1', 'thr_a2', 'thr_a1']);
  });

  it('is scoped to a user, and runs to a thread', () => {
    expect(collectIds(ALL, { userId: 'alice' }).runs.map((r) => r.id)).toEqual(['run_a2', 'run_a1']);
    expect(collectIds(ALL, { userId: 'alice' }).threads.map((t) => t.id)).toEqual(['thr_a2', 'thr_a1']);
    const inThread = collectIds(ALL, { threadId: 'thr_a1' });
    expect(inThread.runs.map((r) => r.id)).toEqual(['run_a1']);
    expect(inThread.threads.map((t) => t.id)).toEqual(['thr_b1', 'thr_a2', 'thr_a1']);
  });

  it('is empty for no events or events of no run', () => {
    expect(collectIds([])).toEqual({ runs: [], threads: [] });
    expect(collectIds([errA, pongB])).toEqual({ runs: [], threads: [] });
  });
});

describe('focusRun', () => {
  it('sets the run and drops the thread, keeping type and text', () => {
    const f = focusRun(filter({ threadId: 'thr_b1', type: 'agent_started', query: 'calc' }), 'run_a1', 'alice');
    expect(f).toEqual(filter({ runId: 'run_a1', type: 'agent_started', query: 'calc' }));
  });

  it("drops a user filter naming another user, keeps the run's own user", () => {
    expect(focusRun(filter({ userId: 'bob' }), 'run_a1', 'alice').userId).toBe('');
    expect(focusRun(filter({ userId: 'alice' }), 'run_a1', 'alice').userId).toBe('alice');
    expect(focusRun(filter({ userId: 'bob' }), 'run_a1').userId).toBe('bob');
  });

  it('shows exactly that run when applied', () => {
    expect(filterEvents(ALL, focusRun(filter({ userId: 'bob', threadId: 'thr_b1' }), 'run_a1', 'alice'))).toEqual([doneA1, startA1, ackA1]);
  });
});

describe('shortId', () => {
  it('keeps short ids and cuts long ones with an ellipsis', () => {
    expect(shortId('run_1')).toBe('run_1');
    // the kind and the end: ids made in one minute share their start (the time)
    expect(shortId('run_01a2530c42b90002b269b499a5729cdf')).toBe('run_…5729cdf');
    expect(shortId('run_01a2530c4478000283518e8a13620adb')).toBe('run_…3620adb');
    expect(shortId('thread-with-a-long-name-7')).toBe('…long-name-7');
    expect(shortId('abcdef', 3)).toBe('…cdef');
  });
});
