import { describe, expect, it } from 'vitest';
import { applyReply, messageIdOf, withFreshMessageId, type SentMessage } from './send-outcome.ts';

const sent = (key: number, userId: string, messageId: string | null): SentMessage => ({
  key,
  userId,
  text: '',
  sentAt: 1000,
  messageId,
  outcome: { kind: 'pending' },
});

describe('applyReply', () => {
  it('records an ack, a duplicate and an error on the message they answer', () => {
    let list: SentMessage[] = [sent(3, 'alice', 'm3'), sent(2, 'alice', 'm2'), sent(1, 'bob', 'm1')];
    list = applyReply(
      list,
      'alice',
      { type: 'message_ack', payload: { message_id: 'm2', run_id: 'run_a', thread_id: 'thr_a', queue_position: 1, duplicate: false } },
      1010,
    )!;
    expect(list[1]!.outcome).toEqual({ kind: 'acked', runId: 'run_a', threadId: 'thr_a', queuePosition: 1 });
    expect(list[1]!.answeredAt).toBe(1010);
    list = applyReply(
      list,
      'alice',
      { type: 'message_ack', payload: { message_id: 'm3', run_id: 'run_a', thread_id: 'thr_a', queue_position: 0, duplicate: true } },
      1020,
    )!;
    expect(list[0]!.outcome).toEqual({ kind: 'duplicate', runId: 'run_a' });
    list = applyReply(list, 'bob', { type: 'error', payload: { code: 'FORBIDDEN', message: 'user_id is not yours', message_id: 'm1' } }, 1030)!;
    expect(list[2]!.outcome).toEqual({ kind: 'error', code: 'FORBIDDEN', message: 'user_id is not yours' });
  });

  it('gives an error without an id to the oldest waiting message without one, of that user only', () => {
    const list = [sent(3, 'alice', null), sent(2, 'alice', null), sent(1, 'bob', null)];
    const next = applyReply(list, 'alice', { type: 'error', payload: { code: 'INVALID_JSON', message: 'not JSON', message_id: null } }, 5)!;
    expect(next.map((s) => s.outcome.kind)).toEqual(['pending', 'error', 'pending']);
  });

  it('ignores run events and replies to nothing it sent', () => {
    const list = [sent(1, 'alice', 'm1')];
    expect(applyReply(list, 'alice', { type: 'agent_started', run_id: 'r', payload: {} }, 1)).toBeNull();
    expect(applyReply(list, 'alice', { type: 'pong', message_id: 'other', payload: {} }, 1)).toBeNull();
    expect(applyReply(list, 'alice', { type: 'pong', message_id: 'm1', payload: {} }, 1)![0]!.outcome).toEqual({ kind: 'pong' });
  });
});

describe('withFreshMessageId', () => {
  it('replaces a string id in place and keeps the rest of the text', () => {
    const text = '{\n  "type": "ping",\n    "message_id": "m_old"  }';
    expect(withFreshMessageId(text, 'm_new')).toBe('{\n  "type": "ping",\n    "message_id": "m_new"  }');
  });
  it('adds an id after the type when there is none', () => {
    const out = withFreshMessageId('{"type":"user_message","payload":{"content":"hi"}}', 'm_1');
    expect(JSON.parse(out)).toEqual({ type: 'user_message', message_id: 'm_1', payload: { content: 'hi' } });
    expect(Object.keys(JSON.parse(out) as object)).toEqual(['type', 'message_id', 'payload']);
  });
  it('leaves text that is not a JSON object, and a non-string id, alone', () => {
    expect(withFreshMessageId('{"type": "user', 'x')).toBe('{"type": "user');
    expect(withFreshMessageId('[1]', 'x')).toBe('[1]');
    expect(withFreshMessageId('{"message_id": 42}', 'x')).toBe('{"message_id": 42}');
  });
  it('reads the id a text carries', () => {
    expect(messageIdOf('{"message_id":"a"}')).toBe('a');
    expect(messageIdOf('{"message_id":4}')).toBeNull();
    expect(messageIdOf('nope')).toBeNull();
  });
});
