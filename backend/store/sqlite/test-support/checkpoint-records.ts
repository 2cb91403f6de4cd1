/** The records the checkpointer's tests write: one user's run on one thread, and its thinking events. */
import type { AcceptMessageInput, StoredEvent } from '../../store-types.ts';

const AT = '2026-12-07T00:00:00.000Z';

/** The accept of run `id` (message `msg_<id>`) for user u1 on thread thr_1. */
export function acceptInput(id: string): AcceptMessageInput {
  return {
    thread: { id: 'thr_1', title: 't' },
    message: { id: `msg_${id}`, threadId: 'thr_1', userId: 'u1', clientMessageId: null, content: 'hi', agent: 'echo', priority: 'normal', createdAt: AT },
    run: {
      id,
      userId: 'u1',
      threadId: 'thr_1',
      messageId: `msg_${id}`,
      agent: 'echo',
      priority: 'normal',
      status: 'queued',
      input: { content: 'hi', agent: 'echo' },
      response: null,
      error: null,
      createdAt: AT,
      startedAt: null,
      endedAt: null,
      ownerId: null,
    },
  };
}

/** An agent_thinking event of user u1's run. */
export function thinkingEvent(runId: string, seq: number, thought: string): StoredEvent {
  return {
    runId,
    seq,
    userId: 'u1',
    type: 'agent_thinking',
    envelope: { type: 'agent_thinking', run_id: runId, seq, timestamp: AT, payload: { thought, step: seq } },
    createdAt: AT,
  };
}
