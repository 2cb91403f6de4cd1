/**
 * MESSAGE_TOO_LARGE echoes the frame's message_id when its JSON can be read (within
 * OVERSIZE_ID_READ_MAX_BYTES), over both transports of a real backend; unreadable JSON gets null.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { io as ioClient } from 'socket.io-client';
import { MAX_MESSAGE_BYTES } from '../../protocol/index.ts';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.ts';
import { OVERSIZE_ID_READ_MAX_BYTES, oversizedMessageId } from './inbound-pipeline.ts';

interface ErrorReply {
  type: string;
  message_id?: string | null;
  payload: { code: string; message_id: string | null; details?: { bytes?: number; limit?: number } };
}

const oversized = (messageId?: string) =>
  JSON.stringify({ type: 'user_message', ...(messageId ? { message_id: messageId } : {}), payload: { content: 'x'.repeat(MAX_MESSAGE_BYTES + 10) } });

describe('oversizedMessageId', () => {
  it('reads a string id from text or from an object, nothing else', () => {
    expect(oversizedMessageId(oversized('m_big'), 9000)).toBe('m_big');
    expect(oversizedMessageId({ type: 'ping', message_id: 'm_obj', pad: 'x' }, 9000)).toBe('m_obj');
    expect(oversizedMessageId(oversized(), 9000)).toBeNull();
    expect(oversizedMessageId(oversized('m_big').slice(0, -2), 9000)).toBeNull();
    expect(oversizedMessageId(JSON.stringify({ message_id: 42 }), 9000)).toBeNull();
    expect(oversizedMessageId(JSON.stringify({ message_id: 'x'.repeat(129) }), 9000)).toBeNull();
    expect(oversizedMessageId(JSON.stringify(['m']), 9000)).toBeNull();
    expect(oversizedMessageId('['.repeat(100) + ']'.repeat(100), 9000)).toBeNull();
  });
  it('does not read past its cap', () => {
    const text = oversized('m_capped');
    expect(oversizedMessageId(text, OVERSIZE_ID_READ_MAX_BYTES)).toBe('m_capped');
    expect(oversizedMessageId(text, OVERSIZE_ID_READ_MAX_BYTES + 1)).toBeNull();
  });
});

describe('MESSAGE_TOO_LARGE over a real backend', () => {
  let test: TestBackend;
  beforeAll(async () => {
    test = await startTestBackend();
  });
  afterAll(async () => {
    await test.close();
  });

  /** Sends each frame on one connection and returns the replies, in order. */
  async function exchange(transport: 'ws' | 'socketio', frames: string[]): Promise<ErrorReply[]> {
    const token = await test.backend.mintToken(`big-${transport}`);
    const replies: ErrorReply[] = [];
    let send: (raw: string) => void;
    let close: () => void;
    if (transport === 'ws') {
      const ws = new WebSocket(`${test.backend.url.replace(/^http/, 'ws')}/ws?token=${token}`);
      ws.on('message', (data) => replies.push(JSON.parse(String(data)) as ErrorReply));
      await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
      send = (raw) => ws.send(raw);
      close = () => ws.close();
    } else {
      const socket = ioClient(test.backend.url, { path: '/socket.io', transports: ['websocket'], auth: { token }, reconnection: false });
      socket.onAny((_event: string, envelope: ErrorReply) => replies.push(envelope));
      await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('connect_error', reject));
      send = (raw) => socket.emit('message', raw);
      close = () => socket.close();
    }
    for (const frame of frames) send(frame);
    const deadline = Date.now() + 10_000;
    while (replies.length < frames.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    close();
    return replies;
  }

  for (const transport of ['ws', 'socketio'] as const) {
    it(`${transport}: the id is echoed when the JSON is readable, null when it is not`, async () => {
      const readable = oversized(`m_big_${transport}`);
      const unreadable = readable.slice(0, -1);
      const replies = await exchange(transport, [readable, unreadable, oversized()]);
      expect(replies.map((r) => [r.type, r.payload.code, r.payload.message_id])).toEqual([
        ['error', 'MESSAGE_TOO_LARGE', `m_big_${transport}`],
        ['error', 'MESSAGE_TOO_LARGE', null],
        ['error', 'MESSAGE_TOO_LARGE', null],
      ]);
      expect(replies[0]!.message_id).toBe(`m_big_${transport}`);
      // the limit is unchanged: the bytes counted are those of the frame
      expect(replies[0]!.payload.details).toEqual({ bytes: new TextEncoder().encode(readable).byteLength, limit: MAX_MESSAGE_BYTES });
    });
  }
});
