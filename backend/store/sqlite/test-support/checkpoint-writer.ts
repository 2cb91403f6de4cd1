/**
 * A writer process for the SIGKILL test of sqlite-checkpointer.test.ts: opens the store at
 * argv[2], appends events of one run in commits of four (the checkpoint worker starts after a
 * few), and prints `acked <seq>` once each commit resolved, until it is killed.
 */
import { SqliteStore } from '../sqlite-store.ts';
import { acceptInput, thinkingEvent } from './checkpoint-records.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: checkpoint-writer.ts FILE');
const store = new SqliteStore({ filename: file });
await store.init();
await store.acceptMessage(acceptInput('run_1'));
const text = 'y'.repeat(4000);
let seq = 0;
for (;;) {
  const events = [1, 2, 3, 4].map(() => thinkingEvent('run_1', ++seq, text));
  await store.appendEvents(events);
  process.stdout.write(`acked ${seq} ${store.checkpoints?.state} ${store.checkpoints?.stats.checkpoints ?? 0}\n`);
}
