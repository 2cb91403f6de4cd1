/**
 * A writer process for the SIGKILL test of sqlite-checkpointer.test.ts: opens the store at
 * argv[2], appends events of one run in commits of four (the checkpoint worker starts after a
 * few), and prints `acked <seq>` once each commit resolved, until it is killed.
 */
import { SqliteStore } from '../sqlite-store.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: checkpoint-writer.ts FILE');
const store = new SqliteStore({ filename: file });
await store.init();
const at = '2026-12-07T00:00:00.000Z';
await store.acceptMessage({
  thread: { id: 'thr_1', title: 't' },
  message: { id: 'msg_1', threadId: 'thr_1', userId: 'u1', clientMessageId: null, content: 'hi', agent: 'echo', priority: 'normal', createdAt: at },
  run: {
    id: 'run_1',
    userId: 'u1',
    threadId: 'thr_1',
    messageId: 'msg_1',
    agent: 'echo',
    priority: 'normal',
    status: 'queued',
    input: { content: 'hi', agent: 'echo' },
    response: null,
    error: null,
    createdAt: at,
    startedAt: null,
    endedAt: null,
    ownerId: null,
  },
});
const text = 'y'.repeat(4000);
let seq = 0;
for (;;) {
  const events = [1, 2, 3, 4].map(() => {
    seq++;
    return {
      runId: 'run_1',
      seq,
      userId: 'u1',
      type: 'agent_thinking' as const,
      envelope: { type: 'agent_thinking' as const, run_id: 'run_1', seq, timestamp: at, payload: { thought: text, step: seq } },
      createdAt: at,
    };
  });
  await store.appendEvents(events);
  process.stdout.write(`acked ${seq} ${store.checkpoints?.state} ${store.checkpoints?.stats.checkpoints ?? 0}\n`);
}
