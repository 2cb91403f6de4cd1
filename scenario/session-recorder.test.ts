import { describe, expect, it } from 'vitest';
import { validateScenario } from './scenario-schema.ts';
import type { RecordedSession } from './recorded-session.ts';
import type { ReceivedRecord, SentRecord } from './scenario-result.ts';
import { scenarioFromSession } from './session-recorder.ts';

const TS = '2026-11-24T20:00:00.000Z';

function ack(user: string, at: number, messageId: string, runId: string, threadId: string, duplicate = false, userId = 'alice'): ReceivedRecord {
  return {
    user,
    at_ms: at,
    envelope: {
      type: 'message_ack',
      run_id: runId,
      thread_id: threadId,
      message_id: messageId,
      user_id: userId,
      timestamp: TS,
      payload: { message_id: messageId, run_id: runId, thread_id: threadId, queue_position: 0, duplicate },
    },
  };
}

function event(
  user: string,
  at: number,
  runId: string,
  threadId: string,
  seq: number,
  type: string,
  payload: Record<string, unknown>,
  userId = 'alice',
): ReceivedRecord {
  return { user, at_ms: at, envelope: { type, run_id: runId, thread_id: threadId, message_id: `msg_${runId}`, user_id: userId, seq, timestamp: TS, payload } };
}

function error(user: string, at: number, code: string, messageId: string | null): ReceivedRecord {
  return {
    user,
    at_ms: at,
    envelope: { type: 'error', message_id: messageId ?? undefined, timestamp: TS, payload: { code, message: `refused: ${code}`, message_id: messageId } },
  };
}

/** A golden-path run: started, thinking, tool, completed. */
function fiveEvents(user: string, at: number, runId: string, threadId: string, tool: string, response: string, userId = 'alice'): ReceivedRecord[] {
  return [
    event(user, at, runId, threadId, 1, 'agent_started', { agent: 'assistant', input: '...' }, userId),
    event(user, at + 2, runId, threadId, 2, 'agent_thinking', { thought: 'pick a tool', step: 1 }, userId),
    event(user, at + 4, runId, threadId, 3, 'tool_executing', { tool, call_id: 'c1', args: {} }, userId),
    event(user, at + 9, runId, threadId, 4, 'tool_completed', { tool, call_id: 'c1', ok: true, result: {}, duration_ms: 5 }, userId),
    event(user, at + 12, runId, threadId, 5, 'agent_completed', { status: 'succeeded', response, error: null, duration_ms: 12 }, userId),
  ];
}

/**
 * A console session: alice (Socket.IO) asks a question, sends the same message id again on
 * purpose, continues the thread, cancels that run mid-way, sends malformed JSON, pings, and
 * sends a text with braces; bob (/ws, as editor text) asks the time and tries to cancel
 * alice's run.
 */
function consoleSession(): RecordedSession {
  const sent: SentRecord[] = [
    { user: 'alice', at_ms: 10, data: { type: 'user_message', message_id: 'm-1', payload: { content: 'what is 2 + 2 * 3?' } } },
    { user: 'alice', at_ms: 200, data: { type: 'user_message', message_id: 'm-1', payload: { content: 'what is 2 + 2 * 3?' } } },
    { user: 'alice', at_ms: 300, data: { type: 'user_message', message_id: 'm-2', thread_id: 'th_1', payload: { content: 'and times 10?' } } },
    { user: 'alice', at_ms: 335, data: { type: 'cancel_run', message_id: 'm-3', payload: { run_id: 'run_A2' } } },
    { user: 'alice', at_ms: 400, data: 'not json {' },
    { user: 'bob', at_ms: 450, data: '{"type":"user_message","payload":{"content":"what time is it?"}}' },
    { user: 'bob', at_ms: 500, data: { type: 'cancel_run', message_id: 'm-b2', payload: { run_id: 'run_A1' } } },
    { user: 'alice', at_ms: 520, data: { type: 'ping', message_id: 'p1' } },
    { user: 'alice', at_ms: 530, data: { type: 'user_message', message_id: 'm-4', payload: { content: 'what does {{name}} mean?' } } },
  ];
  const received: ReceivedRecord[] = [
    ack('alice', 14, 'm-1', 'run_A1', 'th_1'),
    ...fiveEvents('alice', 20, 'run_A1', 'th_1', 'calculator', 'The answer is 8.'),
    ack('alice', 203, 'm-1', 'run_A1', 'th_1', true),
    ack('alice', 304, 'm-2', 'run_A2', 'th_1'),
    event('alice', 320, 'run_A2', 'th_1', 1, 'agent_started', { agent: 'assistant', input: 'and times 10?' }),
    event('alice', 330, 'run_A2', 'th_1', 2, 'agent_thinking', { thought: 'multiply', step: 1 }),
    event('alice', 340, 'run_A2', 'th_1', 3, 'agent_completed', { status: 'cancelled', response: null, error: 'cancelled', duration_ms: 20 }),
    error('alice', 401, 'INVALID_JSON', null),
    ack('bob', 455, 'msg_srv1', 'run_B1', 'th_2', false, 'bob'),
    ...fiveEvents('bob', 460, 'run_B1', 'th_2', 'clock', 'It is 20:00 UTC.', 'bob'),
    error('bob', 502, 'NOT_FOUND', 'm-b2'),
    { user: 'alice', at_ms: 521, envelope: { type: 'pong', message_id: 'p1', timestamp: TS } },
    ack('alice', 535, 'm-4', 'run_A3', 'th_3'),
  ];
  return {
    target: 'http://127.0.0.1:8000',
    started_at: TS,
    users: [
      { key: 'alice', id: 'alice', transport: 'socketio' },
      { key: 'bob', id: 'bob', transport: 'ws' },
    ],
    sent,
    received,
  };
}

describe('scenarioFromSession', () => {
  it('turns a console session into a replayable scenario, step by step', () => {
    const scenario = scenarioFromSession(consoleSession(), { name: 'Recorded console session' });
    expect(scenario.flowscope).toBe(1);
    expect(scenario.name).toBe('Recorded console session');
    expect(scenario.description).toContain('http://127.0.0.1:8000');
    // No ids: replays get fresh users.
    expect(scenario.users).toEqual({ alice: { transport: 'socketio' }, bob: { transport: 'ws' } });
    expect(scenario.vars).toEqual({ text1: { $literal: 'what does {{name}} mean?' } });
    expect(scenario.steps).toEqual([
      { connect: 'alice' },
      { connect: 'bob' },
      // m-1 was sent twice on purpose: it stays one id per replay, so de-duplication replays.
      { send: { as: 'alice', message: { type: 'user_message', message_id: '{{run.id}}-m-1', payload: { content: 'what is 2 + 2 * 3?' } }, save_as: 'r1' } },
      {
        expect_run: {
          user: 'alice',
          run: '{{r1.run_id}}',
          events: ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'],
          status: 'succeeded',
          response: 'The answer is 8.',
        },
      },
      {
        send: {
          as: 'alice',
          message: { type: 'user_message', message_id: '{{run.id}}-m-1', payload: { content: 'what is 2 + 2 * 3?' } },
          save_as: 'r2',
          reply: { payload: { duplicate: true, run_id: '{{r1.run_id}}' } },
        },
      },
      // The thread learned from the first ack; the once-used message id is dropped.
      { send: { as: 'alice', message: { type: 'user_message', thread_id: '{{r1.thread_id}}', payload: { content: 'and times 10?' } }, save_as: 'r3' } },
      // The cancel went out after the second event: the replay waits for it too.
      { wait: { user: 'alice', match: { type: 'agent_thinking', run_id: '{{r3.run_id}}', seq: 2 } } },
      { send: { as: 'alice', message: { type: 'cancel_run', payload: { run_id: '{{r3.run_id}}' } } } },
      { expect_run: { user: 'alice', run: '{{r3.run_id}}', events: ['agent_started', 'agent_thinking', 'agent_completed'], status: 'cancelled' } },
      { send: { as: 'alice', raw: 'not json {', expect: { error: 'INVALID_JSON' } } },
      // Editor text that is a JSON object replays as a message (fresh ids).
      { send: { as: 'bob', message: { type: 'user_message', payload: { content: 'what time is it?' } }, save_as: 'r4' } },
      // The clock's answer changes with the time: no response pattern.
      {
        expect_run: {
          user: 'bob',
          run: '{{r4.run_id}}',
          events: ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'],
          status: 'succeeded',
        },
      },
      { send: { as: 'bob', message: { type: 'cancel_run', payload: { run_id: '{{r1.run_id}}' } }, expect: { error: 'NOT_FOUND' } } },
      { send: { as: 'alice', message: { type: 'ping' } } },
      // Braces in content go through a variable (templates have no escape); r5 never completed: no expect_run.
      { send: { as: 'alice', message: { type: 'user_message', payload: { content: '{{text1}}' } }, save_as: 'r5' } },
      {
        name: "isolation: alice receives nothing of bob's runs",
        expect_nothing: { user: 'alice', match: { run_id: { $oneOf: ['{{r4.run_id}}'] } } },
      },
      {
        name: "isolation: bob receives nothing of alice's runs",
        expect_nothing: { user: 'bob', match: { run_id: { $oneOf: ['{{r1.run_id}}', '{{r3.run_id}}', '{{r5.run_id}}'] } } },
      },
    ]);
    const check = validateScenario(JSON.parse(JSON.stringify(scenario)));
    expect(check).toEqual({ ok: true, scenario });
  });

  it('never writes a recorded concrete id into the scenario', () => {
    const text = JSON.stringify(scenarioFromSession(consoleSession(), { name: 'ids' }));
    for (const concrete of ['run_A1', 'run_A2', 'run_B1', 'th_1', '"m-2"', '"m-3"', '"p1"', 'msg_']) {
      expect(text.includes(concrete), concrete).toBe(false);
    }
  });

  it('names users a, b, ... when the session keys are not valid scenario keys, and keeps the description given', () => {
    const session: RecordedSession = {
      target: 'http://127.0.0.1:8000',
      started_at: TS,
      users: [
        { key: 'alice@example.com', id: 'alice@example.com', transport: 'socketio' },
        { key: '2nd', id: 'carol', transport: 'socketio' },
      ],
      sent: [{ user: '2nd', at_ms: 5, data: { type: 'ping', message_id: 'x' } }],
      received: [{ user: '2nd', at_ms: 6, envelope: { type: 'pong', message_id: 'x', timestamp: TS } }],
    };
    const scenario = scenarioFromSession(session, { name: 'keys', description: 'pings' });
    expect(scenario.description).toBe('pings');
    expect(Object.keys(scenario.users)).toEqual(['a', 'b']);
    expect(scenario.steps).toEqual([{ connect: 'a' }, { connect: 'b' }, { send: { as: 'b', message: { type: 'ping' } } }]);
  });

  it('gives a second connection of the same user the first one’s token, and no isolation step between them', () => {
    const session: RecordedSession = {
      target: 'http://127.0.0.1:8000',
      started_at: TS,
      users: [
        { key: 'a', id: 'alice', transport: 'socketio' },
        { key: 'b', id: 'alice', transport: 'ws' },
      ],
      sent: [{ user: 'a', at_ms: 1, data: { type: 'user_message', message_id: 'q', payload: { content: 'what is 1 + 1?' } } }],
      received: [
        ack('a', 2, 'q', 'run_1', 'th_1'),
        ...fiveEvents('a', 3, 'run_1', 'th_1', 'calculator', '2'),
        ...fiveEvents('b', 3, 'run_1', 'th_1', 'calculator', '2'),
      ],
    };
    const scenario = scenarioFromSession(session, { name: 'fan-out' });
    expect(scenario.users).toEqual({ a: { transport: 'socketio' }, b: { transport: 'ws', token: '{{user.a.token}}' } });
    expect(scenario.steps.filter((s) => s.expect_nothing)).toEqual([]);
    expect(scenario.steps.map((s) => Object.keys(s).filter((k) => k !== 'name')[0])).toEqual(['connect', 'connect', 'send', 'expect_run']);
  });

  it('makes thread ids the client chose unique per replay and reuses them, and templates user_id', () => {
    const session: RecordedSession = {
      target: 'http://127.0.0.1:8000',
      started_at: TS,
      users: [{ key: 'a', id: 'alice', transport: 'socketio' }],
      sent: [
        { user: 'a', at_ms: 1, data: { type: 'user_message', thread_id: 'my-thread', user_id: 'alice', payload: { content: 'hello' } } },
        { user: 'a', at_ms: 50, data: { type: 'user_message', thread_id: 'my-thread', payload: { content: 'again' } } },
        { user: 'a', at_ms: 60, data: { type: 'user_message', user_id: 'mallory', payload: { content: 'as someone else' } } },
      ],
      received: [
        ack('a', 2, 'msg_1', 'run_1', 'my-thread'),
        ack('a', 51, 'msg_2', 'run_2', 'my-thread'),
        { user: 'a', at_ms: 61, envelope: { type: 'error', timestamp: TS, payload: { code: 'FORBIDDEN', message: 'user_id differs', message_id: null } } },
      ],
    };
    const scenario = scenarioFromSession(session, { name: 'threads' });
    const sends = scenario.steps.filter((s) => s.send).map((s) => s.send);
    expect(sends).toEqual([
      { as: 'a', message: { type: 'user_message', thread_id: '{{run.id}}-my-thread', user_id: '{{user.a.id}}', payload: { content: 'hello' } }, save_as: 'r1' },
      { as: 'a', message: { type: 'user_message', thread_id: '{{run.id}}-my-thread', payload: { content: 'again' } }, save_as: 'r2' },
      { as: 'a', message: { type: 'user_message', user_id: 'mallory', payload: { content: 'as someone else' } }, expect: { error: 'FORBIDDEN' } },
    ]);
  });

  it('awaits replies the runner cannot tie to raw text with wait steps, capturing the ack', () => {
    const session: RecordedSession = {
      target: 'http://127.0.0.1:8000',
      started_at: TS,
      users: [{ key: 'a', id: 'alice', transport: 'ws' }],
      sent: [
        { user: 'a', at_ms: 1, data: '"just a string"' },
        { user: 'a', at_ms: 40, data: '{"type":"user_message","message_id":"bad-1","payload":{"content":""}} trailing' },
        { user: 'a', at_ms: 50, data: '{"type":"user_message","message_id":"v-1","payload":{"content":""}}' },
      ],
      received: [
        ack('a', 2, 'msg_9', 'run_9', 'th_9'),
        ...fiveEvents('a', 3, 'run_9', 'th_9', 'search_docs', 'A bare JSON string is a user_message.'),
        error('a', 41, 'INVALID_JSON', null),
        error('a', 51, 'VALIDATION_FAILED', 'v-1'),
      ],
    };
    const scenario = scenarioFromSession(session, { name: 'raw' });
    expect(scenario.steps).toEqual([
      { connect: 'a' },
      { send: { as: 'a', raw: '"just a string"' } },
      { wait: { user: 'a', match: { type: 'message_ack' }, capture: { r1: 'payload' } } },
      {
        expect_run: {
          user: 'a',
          run: '{{r1.run_id}}',
          events: ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'],
          status: 'succeeded',
          response: 'A bare JSON string is a user_message.',
        },
      },
      { send: { as: 'a', raw: '{"type":"user_message","message_id":"bad-1","payload":{"content":""}} trailing', expect: { error: 'INVALID_JSON' } } },
      // Parsed as an object it is a message: the fresh id still gets the error.
      { send: { as: 'a', message: { type: 'user_message', payload: { content: '' } }, expect: { error: 'VALIDATION_FAILED' } } },
    ]);
    expect(validateScenario(scenario).ok).toBe(true);
  });

  it('checks that a user who received nothing keeps receiving nothing', () => {
    const session: RecordedSession = {
      target: 'http://127.0.0.1:8000',
      started_at: TS,
      users: [
        { key: 'a', id: 'alice', transport: 'socketio' },
        { key: 'watcher', id: 'eve', transport: 'ws' },
      ],
      sent: [{ user: 'a', at_ms: 1, data: { type: 'user_message', payload: { content: 'what is 3 * 3?' } } }],
      received: [ack('a', 2, 'msg_1', 'run_1', 'th_1'), ...fiveEvents('a', 3, 'run_1', 'th_1', 'calculator', '9')],
    };
    const scenario = scenarioFromSession(session, { name: 'isolation' });
    expect(scenario.steps.at(-1)).toEqual({ name: "isolation: watcher receives nothing of a's runs", expect_nothing: { user: 'watcher' } });
    expect(scenario.steps[1]).toEqual({ connect: 'watcher' });
  });

  it('refuses a session without users', () => {
    expect(() => scenarioFromSession({ target: 'http://x', started_at: TS, users: [], sent: [], received: [] }, { name: 'empty' })).toThrow(/no users/);
  });
});
