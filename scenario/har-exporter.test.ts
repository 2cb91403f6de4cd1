import { describe, expect, it } from 'vitest';
import { connectionUrl, harFromSession } from './har-exporter.ts';
import type { RecordedSession } from './recorded-session.ts';

const STARTED = '2026-11-24T20:00:00.000Z';
const T0 = Date.parse(STARTED) / 1000;

const ack = {
  type: 'message_ack',
  run_id: 'run_1',
  thread_id: 'th_1',
  message_id: 'm1',
  user_id: 'alice',
  timestamp: '2026-11-24T20:00:00.015Z',
  payload: { message_id: 'm1', run_id: 'run_1', thread_id: 'th_1', queue_position: 0, duplicate: false },
};
const started = {
  type: 'agent_started',
  run_id: 'run_1',
  thread_id: 'th_1',
  message_id: 'msg_1',
  user_id: 'alice',
  seq: 1,
  timestamp: '2026-11-24T20:00:00.020Z',
  payload: { agent: 'assistant', input: 'what is 6 * 7?' },
};
const invalidJson = {
  type: 'error',
  timestamp: '2026-11-24T20:00:00.502Z',
  payload: { code: 'INVALID_JSON', message: 'Message is not valid JSON', message_id: null },
};

function session(): RecordedSession {
  return {
    target: 'http://127.0.0.1:8000',
    started_at: STARTED,
    users: [
      { key: 'a', id: 'alice', transport: 'socketio' },
      { key: 'b', id: 'bob', transport: 'ws' },
    ],
    sent: [
      { user: 'a', at_ms: 12.5, data: { type: 'user_message', message_id: 'm1', payload: { content: 'what is 6 * 7?' } } },
      { user: 'b', at_ms: 500, data: 'not json {' },
      { user: 'a', at_ms: 600, data: 'not json {' },
    ],
    received: [
      { user: 'a', at_ms: 15, envelope: ack },
      { user: 'a', at_ms: 20.3, envelope: started },
      { user: 'b', at_ms: 502, envelope: invalidJson },
    ],
  };
}

describe('harFromSession', () => {
  it('writes HAR 1.2 with one websocket entry per user connection', () => {
    const har = harFromSession(session());
    expect(har.log.version).toBe('1.2');
    expect(har.log.creator.name).toBe('flowscope');
    expect(har.log.pages).toEqual([{ startedDateTime: STARTED, id: 'page_1', title: 'http://127.0.0.1:8000', pageTimings: { onContentLoad: -1, onLoad: -1 } }]);
    expect(har.log.entries).toHaveLength(2);
    const [a, b] = har.log.entries;
    expect(a?._resourceType).toBe('websocket');
    expect(a?.pageref).toBe('page_1');
    expect(a?.request.url).toBe('ws://127.0.0.1:8000/socket.io/?EIO=4&transport=websocket');
    expect(a?.request.queryString).toEqual([
      { name: 'EIO', value: '4' },
      { name: 'transport', value: 'websocket' },
    ]);
    expect(a?.response.status).toBe(101);
    expect(a?.startedDateTime).toBe('2026-11-24T20:00:00.012Z');
    expect(b?.request.url).toBe('ws://127.0.0.1:8000/ws');
    expect(a?._flowscope).toEqual({ user: 'a', user_id: 'alice', transport: 'socketio' });
  });

  it('frames Socket.IO traffic as on the wire: handshake, 42["message",...] out, 42["<type>",envelope] in', () => {
    const frames = harFromSession(session()).log.entries[0]?._webSocketMessages ?? [];
    expect(frames.map((f) => [f.type, f.opcode])).toEqual([
      ['receive', 1],
      ['send', 1],
      ['receive', 1],
      ['send', 1],
      ['receive', 1],
      ['receive', 1],
      ['send', 1],
    ]);
    expect(frames[0]?.data).toMatch(/^0\{"sid":"[A-Za-z0-9_-]{20}","upgrades":\[\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000\}$/);
    // The connect packet goes without its auth: no token in the file.
    expect(frames[1]?.data).toBe('40');
    expect(frames[2]?.data).toMatch(/^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
    expect(frames[3]?.data).toBe('42["message",{"type":"user_message","message_id":"m1","payload":{"content":"what is 6 * 7?"}}]');
    expect(frames[4]?.data).toBe(`42["message_ack",${JSON.stringify(ack)}]`);
    expect(frames[5]?.data).toBe(`42["agent_started",${JSON.stringify(started)}]`);
    // Raw text is a string argument, as socket.emit('message', text) sends it.
    expect(frames[6]?.data).toBe('42["message","not json {"]');
  });

  it('stamps every frame in epoch seconds with the milliseconds as fraction', () => {
    const frames = harFromSession(session()).log.entries[0]?._webSocketMessages ?? [];
    expect(frames[3]?.time).toBeCloseTo(T0 + 0.0125, 6);
    expect(frames[4]?.time).toBeCloseTo(T0 + 0.015, 6);
    expect(frames[5]?.time).toBeCloseTo(T0 + 0.0203, 6);
  });

  it('writes /ws frames as the JSON text itself', () => {
    const frames = harFromSession(session()).log.entries[1]?._webSocketMessages ?? [];
    expect(frames).toEqual([
      { type: 'send', time: T0 + 0.5, opcode: 1, data: 'not json {' },
      { type: 'receive', time: T0 + 0.502, opcode: 1, data: JSON.stringify(invalidJson) },
    ]);
  });

  it('never writes a token, and keeps a path prefix and https', () => {
    expect(connectionUrl('https://example.com/flowscope/?token=secret', 'socketio')).toBe('wss://example.com/flowscope/socket.io/?EIO=4&transport=websocket');
    expect(connectionUrl('http://127.0.0.1:8000/?token=secret', 'ws')).toBe('ws://127.0.0.1:8000/ws');
    const s = session();
    s.target = 'http://127.0.0.1:8000/?token=eyJhbGciOiJIUzI1NiJ9.secret.sig';
    expect(JSON.stringify(harFromSession(s))).not.toContain('eyJhbGciOiJIUzI1NiJ9');
  });

  it('writes a connection for a user who exchanged nothing, and is deterministic', () => {
    const s = session();
    s.users.push({ key: 'c', id: 'carol', transport: 'socketio' });
    const har = harFromSession(s);
    expect(har.log.entries[2]?._webSocketMessages?.map((f) => f.data.slice(0, 2))).toEqual(['0{', '40', '40']);
    expect(JSON.stringify(harFromSession(s))).toBe(JSON.stringify(har));
  });
});
