import { describe, expect, it } from 'vitest';
import { sessionFromResult, type RecordedSession } from './recorded-session.ts';
import type { ScenarioResult } from './scenario-result.ts';

function result(): ScenarioResult {
  return {
    name: 'Complete flow',
    file: 'scenarios/golden/complete-flow.yaml',
    tags: ['golden'],
    status: 'passed',
    started_at: '2026-11-24T20:00:00.000Z',
    duration_ms: 412,
    target: 'http://127.0.0.1:8000',
    steps: [{ id: '1', kind: 'connect', title: 'connect a over socketio', status: 'passed', started_ms: 0.4, duration_ms: 31.2 }],
    runs: [],
    users: { a: { id: 'complete-flow-a-mwv53t' }, b: { id: 'complete-flow-b-mwv53t' } },
    sent: [{ user: 'a', at_ms: 32.1, data: { type: 'ping', message_id: 'mwv53t-m1' } }],
    received: [{ user: 'a', at_ms: 33.4, envelope: { type: 'pong', message_id: 'mwv53t-m1', timestamp: '2026-11-24T20:00:00.033Z' } }],
  };
}

describe('sessionFromResult', () => {
  it('keeps a result’s target, start, users and records; transport per user', () => {
    const r = result();
    const session: RecordedSession = sessionFromResult(r, { a: 'socketio', b: 'ws' });
    expect(session).toEqual({
      target: 'http://127.0.0.1:8000',
      started_at: '2026-11-24T20:00:00.000Z',
      users: [
        { key: 'a', id: 'complete-flow-a-mwv53t', transport: 'socketio' },
        { key: 'b', id: 'complete-flow-b-mwv53t', transport: 'ws' },
      ],
      sent: r.sent,
      received: r.received,
    });
    // A copy: editing the session leaves the result alone.
    session.sent[0]!.at_ms = 0;
    expect(r.sent[0]?.at_ms).toBe(32.1);
  });

  it('defaults every user to Socket.IO, or to the one transport given', () => {
    expect(sessionFromResult(result()).users.map((u) => u.transport)).toEqual(['socketio', 'socketio']);
    expect(sessionFromResult(result(), 'ws').users.map((u) => u.transport)).toEqual(['ws', 'ws']);
  });

  it('adds a user that appears only in the records', () => {
    const r = result();
    r.received.push({ user: 'c', at_ms: 40, envelope: { type: 'pong', timestamp: 't' } });
    expect(sessionFromResult(r).users.at(-1)).toEqual({ key: 'c', id: 'c', transport: 'socketio' });
  });
});
