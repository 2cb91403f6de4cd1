import { describe, expect, it } from 'vitest';
import { SessionCapture } from './session-capture.ts';

describe('session capture', () => {
  it('records sends and envelopes per user with times since the start', () => {
    const capture = new SessionCapture('http://127.0.0.1:8000', 1_000, (u) => (u === 'bob' ? 'ws' : 'socketio'), ['carol']);
    capture.add({ direction: 'sent', userId: 'alice', at: 1_250, text: '{"type":"ping"}' });
    capture.add({ direction: 'received', userId: 'alice', at: 1_260, envelope: { type: 'pong' } });
    capture.add({ direction: 'received', userId: 'bob', at: 900, envelope: { type: 'agent_started', run_id: 'r' } });
    expect(capture.counts).toEqual({ users: 3, sent: 1, received: 2 });
    const session = capture.finish();
    expect(session).toEqual({
      target: 'http://127.0.0.1:8000',
      started_at: new Date(1_000).toISOString(),
      users: [
        { key: 'carol', id: 'carol', transport: 'socketio' },
        { key: 'alice', id: 'alice', transport: 'socketio' },
        { key: 'bob', id: 'bob', transport: 'ws' },
      ],
      sent: [{ user: 'alice', at_ms: 250, data: '{"type":"ping"}' }],
      received: [
        { user: 'alice', at_ms: 260, envelope: { type: 'pong' } },
        { user: 'bob', at_ms: 0, envelope: { type: 'agent_started', run_id: 'r' } },
      ],
    });
  });
});
