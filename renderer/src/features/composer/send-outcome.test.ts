import { describe, expect, it } from 'vitest';
import {
  applyReply,
  applyRunNotFound,
  applyRunStatus,
  REFUSAL_WINDOW_MS,
  TRANSPORT_FRAME_LIMIT_BYTES,
  endConnection,
  initialOutcome,
  messageIdOf,
  restoreSent,
  withFreshMessageId,
  type SendOutcome,
  type SentMessage,
} from './send-outcome.ts';

const sent = (key: number, userId: string, messageId: string | null, connection = 1, outcome: SendOutcome = { kind: 'pending' }): SentMessage => ({
  key,
  userId,
  text: '',
  sentAt: 1000,
  messageId,
  connection,
  outcome,
});
const kinds = (list: readonly SentMessage[]) => list.map((s) => s.outcome.kind);
const ack = (messageId: string, runId = 'run_a') => ({
  type: 'message_ack',
  payload: { message_id: messageId, run_id: runId, thread_id: 'thr_a', queue_position: 0, duplicate: false },
});
const error = (code: string, messageId: string | null) => ({ type: 'error', payload: { code, message: `${code} says`, message_id: messageId } });

describe('applyReply: by message_id', () => {
  it('records an ack, a duplicate and an error on the message they answer', () => {
    let list: SentMessage[] = [sent(3, 'alice', 'm3'), sent(2, 'alice', 'm2'), sent(1, 'bob', 'm1')];
    list = applyReply(
      list,
      'alice',
      1,
      { type: 'message_ack', payload: { message_id: 'm2', run_id: 'run_a', thread_id: 'thr_a', queue_position: 1, duplicate: false } },
      1010,
    )!;
    expect(list[1]!.outcome).toEqual({ kind: 'acked', runId: 'run_a', threadId: 'thr_a', queuePosition: 1 });
    expect(list[1]!.answeredAt).toBe(1010);
    list = applyReply(
      list,
      'alice',
      1,
      { type: 'message_ack', payload: { message_id: 'm3', run_id: 'run_a', thread_id: 'thr_a', queue_position: 0, duplicate: true } },
      1020,
    )!;
    expect(list[0]!.outcome).toEqual({ kind: 'duplicate', runId: 'run_a' });
    list = applyReply(list, 'bob', 1, error('FORBIDDEN', 'm1'), 1030)!;
    expect(list[2]!.outcome).toEqual({ kind: 'error', code: 'FORBIDDEN', message: 'FORBIDDEN says' });
  });

  it('matches an oversized message by the id the server echoes, ahead of older lines still waiting', () => {
    const list = [sent(2, 'alice', 'm_big'), sent(1, 'alice', 'm_slow')];
    const next = applyReply(list, 'alice', 1, error('MESSAGE_TOO_LARGE', 'm_big'), 5)!;
    expect(kinds(next)).toEqual(['error', 'pending']);
  });

  it('gives two sends of one kept id their answers oldest first', () => {
    let list = [sent(2, 'alice', 'm'), sent(1, 'alice', 'm')];
    list = applyReply(list, 'alice', 1, ack('m'), 5)!;
    expect(kinds(list)).toEqual(['pending', 'acked']);
    list = applyReply(list, 'alice', 1, { type: 'message_ack', payload: { message_id: 'm', run_id: 'run_a', duplicate: true } }, 6)!;
    expect(kinds(list)).toEqual(['duplicate', 'acked']);
  });

  it('ignores run events and replies to nothing it sent', () => {
    const list = [sent(1, 'alice', 'm1')];
    expect(applyReply(list, 'alice', 1, { type: 'agent_started', run_id: 'r', payload: {} }, 1)).toBeNull();
    expect(applyReply(list, 'alice', 1, { type: 'pong', message_id: 'other', payload: {} }, 1)).toBeNull();
    expect(applyReply(list, 'alice', 1, { type: 'pong', message_id: 'm1', payload: {} }, 1)![0]!.outcome).toEqual({ kind: 'pong' });
  });
});

describe('applyReply: by send order', () => {
  it('gives an error without an id to the oldest line of that connection still waiting, whatever its id', () => {
    // an oversized message from a server that does not echo the id (or text it could not read)
    const list = [sent(4, 'alice', 'm4'), sent(3, 'alice', 'm3'), sent(2, 'alice', 'm_old', 0), sent(1, 'bob', null)];
    const next = applyReply(list, 'alice', 1, error('MESSAGE_TOO_LARGE', null), 5)!;
    expect(kinds(next)).toEqual(['pending', 'error', 'pending', 'pending']);
    expect(applyReply(list, 'carol', 1, error('INVALID_JSON', null), 5)).toBeNull();
  });

  it('gives an ack naming an id nobody sent to the oldest waiting line sent without one, with the server id shown', () => {
    // "keep id" with no message_id: the server acks with its own id
    const list = [sent(3, 'alice', null), sent(2, 'alice', 'm2'), sent(1, 'alice', null, 7)];
    const next = applyReply(list, 'alice', 1, ack('srv_123', 'run_z'), 5)!;
    expect(next[0]!.outcome).toEqual({ kind: 'acked', runId: 'run_z', threadId: 'thr_a', queuePosition: 0, serverId: 'srv_123' });
    expect(kinds(next)).toEqual(['acked', 'pending', 'pending']);
  });

  it('gives a pong without an id to the oldest waiting line sent without one', () => {
    const list = [sent(2, 'alice', null), sent(1, 'alice', 'm1')];
    expect(kinds(applyReply(list, 'alice', 1, { type: 'pong', payload: {} }, 5)!)).toEqual(['pong', 'pending']);
  });

  it('never gives a send-order reply to a cancel, which has no ack', () => {
    const cancel = sent(1, 'alice', 'c1', 1, { kind: 'cancel', runId: 'run_a', result: 'sent' });
    const list = [sent(2, 'alice', null), cancel];
    expect(kinds(applyReply(list, 'alice', 1, ack('srv_1'), 5)!)).toEqual(['acked', 'cancel']);
    // but an error naming the cancel's id is its outcome (an unknown run)
    expect(applyReply(list, 'alice', 1, error('NOT_FOUND', 'c1'), 5)![1]!.outcome).toEqual({ kind: 'error', code: 'NOT_FOUND', message: 'NOT_FOUND says' });
  });
});

describe('a cancel_run or resume sent without a message_id', () => {
  const noIdCancel = (key: number, at = 1000) => ({ ...sent(key, 'alice', null, 1, { kind: 'cancel', runId: 'run_x', result: 'sent' }), sentAt: at });
  it('takes an error without an id (its unknown run) when sent just before, oldest line first', () => {
    const list = [noIdCancel(1)];
    expect(applyReply(list, 'alice', 1, error('NOT_FOUND', null), 1000 + 50)![0]!.outcome).toEqual({
      kind: 'error',
      code: 'NOT_FOUND',
      message: 'NOT_FOUND says',
    });
    const resume = { ...sent(1, 'alice', null, 1, { kind: 'no-ack' }), sentAt: 1000 };
    expect(kinds(applyReply([resume], 'alice', 1, error('NOT_FOUND', null), 1100)!)).toEqual(['error']);
    // a malformed text sent after the cancel: the cancel, older, is answered first, then the text
    const both = applyReply([sent(2, 'alice', null), noIdCancel(1)], 'alice', 1, error('NOT_FOUND', null), 1050)!;
    expect(kinds(both)).toEqual(['pending', 'error']);
    expect(kinds(applyReply(both, 'alice', 1, error('INVALID_JSON', null), 1060)!)).toEqual(['error', 'error']);
  });

  it('an accepted one, never answered, does not take a later message its error', () => {
    const list = [sent(2, 'alice', null), noIdCancel(1)];
    const next = applyReply(list, 'alice', 1, error('INVALID_JSON', null), 1000 + REFUSAL_WINDOW_MS + 1)!;
    expect(kinds(next)).toEqual(['error', 'cancel']);
    // nor another connection's, nor one with an id
    expect(applyReply([noIdCancel(1)], 'alice', 2, error('NOT_FOUND', null), 1010)).toBeNull();
    expect(applyReply([sent(1, 'alice', 'c1', 1, { kind: 'cancel', runId: 'run_x', result: 'sent' })], 'alice', 1, error('NOT_FOUND', null), 1010)).toBeNull();
  });

  it('a cancel whose run the REST API does not know ends in NOT_FOUND; one with an outcome keeps it', () => {
    const list = [noIdCancel(1), sent(2, 'alice', 'c2', 1, { kind: 'cancel', runId: 'run_y', result: 'cancelled', status: 'cancelled' })];
    const next = applyRunNotFound(list, 1, 'Run "run_x" was not found.', 2000)!;
    expect(next[0]!.outcome).toEqual({ kind: 'error', code: 'NOT_FOUND', message: 'Run "run_x" was not found.' });
    expect(next[0]!.answeredAt).toBe(2000);
    expect(applyRunNotFound(list, 2, 'gone', 2000)).toBeNull();
    expect(applyRunNotFound(list, 99, 'gone', 2000)).toBeNull();
  });
});

describe('cancel_run: sent with no ack expected, then what became of the run', () => {
  const cancel = (result: 'sent' | 'running' = 'sent') => sent(1, 'alice', 'c1', 1, { kind: 'cancel', runId: 'run_a', result });
  it('starts as such; a resume too; anything else waits for its reply', () => {
    expect(initialOutcome('{"type":"cancel_run","payload":{"run_id":"run_a"}}')).toEqual({ kind: 'cancel', runId: 'run_a', result: 'sent' });
    expect(initialOutcome('{"type":"resume","payload":{"run_id":"run_a","after_seq":0}}')).toEqual({ kind: 'no-ack' });
    expect(initialOutcome('{"type":"ping"}')).toEqual({ kind: 'pending' });
    expect(initialOutcome('{"type":"cancel_run"')).toEqual({ kind: 'pending' });
  });

  it("follows the run's agent_completed: cancelled, or ended otherwise first", () => {
    const end = (status: string, runId = 'run_a') => ({ type: 'agent_completed', run_id: runId, payload: { status } });
    expect(applyReply([cancel()], 'alice', 1, end('cancelled', 'run_b'), 5)).toBeNull();
    expect(applyReply([cancel()], 'bob', 1, end('cancelled'), 5)).toBeNull();
    expect(applyReply([cancel()], 'alice', 1, end('cancelled'), 5)![0]!.outcome).toEqual({
      kind: 'cancel',
      runId: 'run_a',
      result: 'cancelled',
      status: 'cancelled',
    });
    expect(applyReply([cancel('running')], 'alice', 2, end('succeeded'), 5)![0]!.outcome).toMatchObject({ result: 'finished', status: 'succeeded' });
  });

  it("takes the run's status over REST: still running, already finished, or cancelled", () => {
    expect(applyRunStatus([cancel()], 1, { status: 'running', ended_at: null }, 5)![0]!.outcome).toEqual({ kind: 'cancel', runId: 'run_a', result: 'running' });
    expect(applyRunStatus([cancel('running')], 1, { status: 'running', ended_at: null }, 5)).toBeNull();
    expect(applyRunStatus([cancel()], 1, { status: 'succeeded', ended_at: new Date(900).toISOString() }, 5)![0]!.outcome).toEqual({
      kind: 'cancel',
      runId: 'run_a',
      result: 'finished',
      status: 'succeeded',
      endedBefore: true,
    });
    expect(applyRunStatus([cancel()], 1, { status: 'cancelled', ended_at: new Date(1100).toISOString() }, 5)![0]!.outcome).toMatchObject({
      result: 'cancelled',
    });
    expect(applyRunStatus([cancel()], 2, { status: 'cancelled', ended_at: null }, 5)).toBeNull();
    const done = applyRunStatus([cancel()], 1, { status: 'cancelled', ended_at: new Date(1100).toISOString() }, 5)!;
    expect(applyRunStatus(done, 1, { status: 'succeeded', ended_at: null }, 6)).toBeNull();
  });
});

describe('a connection that ends, a page reload', () => {
  it('says a line over the transports\' frame limit ended it: refused, not "no answer"', () => {
    const huge = { ...sent(2, 'alice', 'm_huge'), text: 'y'.repeat(TRANSPORT_FRAME_LIMIT_BYTES + 1) };
    const atLimit = { ...sent(1, 'alice', 'm_big'), text: 'y'.repeat(TRANSPORT_FRAME_LIMIT_BYTES) };
    const next = endConnection([huge, atLimit], 'alice', 1, 50)!;
    expect(next[0]!.outcome).toMatchObject({ kind: 'error', code: 'MESSAGE_TOO_LARGE' });
    expect((next[0]!.outcome as { message: string }).message).toContain(`${TRANSPORT_FRAME_LIMIT_BYTES + 1} bytes is over the transports' frame limit`);
    expect(next[1]!.outcome).toEqual({ kind: 'unanswered', reason: 'closed' });
  });

  it('says a line of that connection got no answer; other connections and other outcomes stay', () => {
    const list = [sent(3, 'alice', 'm3', 2), sent(2, 'alice', 'm2', 1), sent(1, 'alice', 'm1', 1, { kind: 'pong' })];
    const next = endConnection(list, 'alice', 1, 9)!;
    expect(next.map((s) => s.outcome)).toEqual([{ kind: 'pending' }, { kind: 'unanswered', reason: 'closed' }, { kind: 'pong' }]);
    expect(endConnection(list, 'bob', 1, 9)).toBeNull();
  });

  it('restores the lines kept for this target: waiting ones will get no answer, cancels still follow their run', () => {
    const kept = {
      baseUrl: 'http://a',
      sent: [
        sent(3, 'alice', 'm3'),
        sent(2, 'alice', 'c2', 4, { kind: 'cancel', runId: 'run_a', result: 'running' }),
        sent(1, 'alice', 'm1', 4, { kind: 'pong' }),
        { key: 'broken' },
      ],
    };
    const restored = restoreSent(JSON.parse(JSON.stringify(kept)) as unknown, 'http://a');
    expect(restored.map((s) => [s.key, s.connection, s.outcome])).toEqual([
      [3, 0, { kind: 'unanswered', reason: 'reloaded' }],
      [2, 0, { kind: 'cancel', runId: 'run_a', result: 'running' }],
      [1, 0, { kind: 'pong' }],
    ]);
    expect(restoreSent(kept, 'http://b')).toEqual([]);
    expect(restoreSent(null, 'http://a')).toEqual([]);
    expect(restoreSent({ baseUrl: 'http://a', sent: 'x' }, 'http://a')).toEqual([]);
    // a restored line can no longer be answered by send order (its connection is gone)
    expect(applyReply(restored, 'alice', 1, error('INVALID_JSON', null), 1)).toBeNull();
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
