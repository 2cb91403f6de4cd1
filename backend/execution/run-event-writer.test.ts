/**
 * RunEventWriter over a real SQLite store: events of a run are written in order, in
 * batches, each published only after its batch committed; after a failed batch nothing
 * more is written or published and storedSeq stays at the last committed event.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../store/store-factory.ts';
import type { RunRecord, Store, StoredEvent } from '../store/store-types.ts';
import { buildRunEvent } from './run-executor.ts';
import { RunEventWriter } from './run-event-writer.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-writer-'));
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let n = 0;
async function setup(): Promise<{ store: Store; run: RunRecord }> {
  const store = await createStore({ dataDir: path.join(dir, String(++n)) });
  stores.push(store);
  const at = new Date().toISOString();
  const run: RunRecord = {
    id: `run-${n}`,
    userId: 'u',
    threadId: `thr-${n}`,
    messageId: `msg-${n}`,
    agent: 'assistant',
    priority: 'normal',
    status: 'queued',
    input: { content: 'hi', agent: 'assistant' },
    response: null,
    error: null,
    createdAt: at,
    startedAt: null,
    endedAt: null,
    ownerId: null,
  };
  await store.acceptMessage({
    thread: { id: run.threadId, title: '' },
    message: {
      id: run.messageId,
      threadId: run.threadId,
      userId: 'u',
      clientMessageId: null,
      content: 'hi',
      agent: 'assistant',
      priority: 'normal',
      createdAt: at,
    },
    run,
  });
  return { store, run };
}

const thinking = (run: RunRecord, step: number) => (seq: number) => buildRunEvent(run, seq, { type: 'agent_thinking', payload: { thought: `t${step}`, step } });

describe('RunEventWriter', () => {
  it('batches what is pushed in one tick, publishes only committed events, in order', async () => {
    const { store, run } = await setup();
    const published: Array<{ seq: number; storedBefore: boolean }> = [];
    const batches: number[] = [];
    const writer = new RunEventWriter(
      store,
      (e: StoredEvent) => published.push({ seq: e.seq, storedBefore: true }),
      (_ms, count) => batches.push(count),
    );
    for (let i = 1; i <= 3; i++) writer.push(thinking(run, i));
    expect(published).toEqual([]); // nothing is published before its commit
    // Until the batch committed (a fixed sleep is too short on a loaded machine).
    for (let waited = 0; batches.length === 0 && waited < 5000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    expect(batches).toEqual([3]);
    expect(published.map((p) => p.seq)).toEqual([1, 2, 3]);
    expect((await store.listEvents(run.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
    writer.push(thinking(run, 4));
    const rest = await writer.takeRest();
    expect(rest.map((e) => e.seq)).toEqual([4]); // not written: it goes with the final event
    expect(writer.storedSeq).toBe(3);
  });

  it('after a failed batch, writes and publishes nothing more and keeps storedSeq', async () => {
    const { store, run } = await setup();
    const published: number[] = [];
    const writer = new RunEventWriter(store, (e) => published.push(e.seq));
    writer.push(thinking(run, 1));
    await new Promise((r) => setTimeout(r, 20));
    // A clash: seq 2 is taken by another writer, so this batch fails as a whole.
    await store.appendEvent(buildRunEvent(run, 2, { type: 'agent_thinking', payload: { thought: 'other', step: 9 } }));
    writer.push(thinking(run, 2));
    writer.push(thinking(run, 3));
    await new Promise((r) => setTimeout(r, 20));
    await expect(writer.takeRest()).rejects.toThrow(/already stored/);
    expect(() => writer.push(thinking(run, 4))).toThrow(/already stored/);
    expect(published).toEqual([1]);
    expect(writer.storedSeq).toBe(1);
    expect((await store.listEvents(run.id)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('backpressure: room() waits while the backlog is over its limits, and the event loop turns meanwhile', async () => {
    const { store, run } = await setup();
    const writer = new RunEventWriter(store, () => undefined, undefined, { maxEvents: 10, maxBytes: 1_000_000 });
    let macrotasks = 0;
    const ticker = setInterval(() => (macrotasks += 1), 0);
    try {
      // The loop of an agent that awaits every think(): without room() it never yields.
      let maxBacklog = 0;
      for (let i = 1; i <= 200; i++) {
        writer.push(thinking(run, i), 30);
        maxBacklog = Math.max(maxBacklog, writer.backlog.events);
        await writer.room();
      }
      expect(maxBacklog).toBeLessThanOrEqual(11);
      expect(macrotasks).toBeGreaterThan(0);
      const rest = await writer.takeRest();
      expect(writer.storedSeq + rest.length).toBe(200);
    } finally {
      clearInterval(ticker);
    }
  });

  it('backpressure by bytes: one large event makes the next push wait for its commit', async () => {
    const { store, run } = await setup();
    const writer = new RunEventWriter(store, () => undefined, undefined, { maxEvents: 1000, maxBytes: 100 });
    writer.push(thinking(run, 1), 500);
    let resolved = false;
    const room = writer.room().then(() => (resolved = true));
    expect(resolved).toBe(false);
    await room;
    expect(writer.storedSeq).toBe(1);
    expect(writer.backlog).toEqual({ events: 0, bytes: 0 });
  });
});
