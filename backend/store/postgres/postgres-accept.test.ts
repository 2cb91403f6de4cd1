/**
 * The accept as one call (postgres-accept.ts), on a real PostgreSQL: one round trip per
 * accept, and the answer for a duplicate that an accept not holding the user's lock (a
 * writer outside this store) committed while the call waited.
 */
import os from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, postgresAvailable } from '../../../test/support/test-services.ts';
import { ioCounters } from '../../metrics/io-counters.ts';
import { createStore } from '../store-factory.ts';
import { MESSAGE_COLUMNS, RUN_COLUMNS } from '../store-rows.ts';
import { ACCEPT_MESSAGE_COLUMNS, ACCEPT_RUN_COLUMNS } from './postgres-accept.ts';
import type { AcceptMessageInput, Store } from '../store-types.ts';

const pgUp = await postgresAvailable();
let n = 0;

function input(userId: string, clientMessageId: string | null): AcceptMessageInput {
  const i = ++n;
  const at = new Date(Date.UTC(2031, 0, 1, 0, 0, i)).toISOString();
  const ids = { threadId: `thr_pa_${i}`, messageId: `msg_pa_${i}`, runId: `run_pa_${i}` };
  return {
    thread: { id: ids.threadId, title: 't' },
    message: { id: ids.messageId, threadId: ids.threadId, userId, clientMessageId, content: 'hi', agent: 'assistant', priority: 'normal', createdAt: at },
    run: {
      id: ids.runId,
      userId,
      threadId: ids.threadId,
      messageId: ids.messageId,
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
    },
  };
}

describe('fs_accept_message as migration 2 made it', () => {
  it('returns the columns the store reads (else store-rows.ts changed: add a migration that replaces the function)', () => {
    expect(ACCEPT_RUN_COLUMNS).toBe(RUN_COLUMNS);
    expect(ACCEPT_MESSAGE_COLUMNS).toBe(MESSAGE_COLUMNS);
  });
});

describe.skipIf(!pgUp.available)('PostgreSQL accept in one call', () => {
  let store: Store;
  let admin: pg.Client;
  beforeAll(async () => {
    store = await createStore({ databaseUrl: TEST_DATABASE_URL, dataDir: os.tmpdir(), ephemeral: true });
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${store.namespace}` });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await store?.close();
  });

  it('is one statement and one transaction, with or without a claim', async () => {
    await store.ping();
    const before = { ...ioCounters };
    await store.acceptMessage(input('one-trip', 'c-1'));
    await store.acceptMessage({ ...input('one-trip', 'c-2'), claim: { userId: 'one-trip', ownerId: 'inst', startedAt: new Date().toISOString() } });
    await store.acceptMessage(input('one-trip', 'c-1')); // a duplicate
    expect(ioCounters.storeStatements - before.storeStatements).toBe(3);
    expect(ioCounters.storeTransactions - before.storeTransactions).toBe(3);
  });

  it('answers with the original when a writer without the lock commits the same client id meanwhile', async () => {
    const original = input('racer', 'same');
    const retry = input('racer', 'same');
    // Another writer's accept, uncommitted: the call finds no original, then waits on its row.
    await admin.query('BEGIN');
    await admin.query("INSERT INTO threads (id, user_id, title, created_at, updated_at) VALUES ($1, 'racer', 't', $2, $2)", [
      original.thread.id,
      original.message.createdAt,
    ]);
    await admin.query(
      "INSERT INTO messages (id, thread_id, user_id, client_message_id, content, agent, priority, created_at) VALUES ($1, $2, 'racer', 'same', 'hi', 'assistant', 'normal', $3)",
      [original.message.id, original.thread.id, original.message.createdAt],
    );
    await admin.query(
      "INSERT INTO runs (id, user_id, thread_id, message_id, agent, priority, priority_rank, status, input, created_at) VALUES ($1, 'racer', $2, $3, 'assistant', 'normal', 1, 'queued', $4, $5)",
      [original.run.id, original.thread.id, original.message.id, JSON.stringify(original.run.input), original.run.createdAt],
    );
    const pending = store.acceptMessage(retry);
    await new Promise((r) => setTimeout(r, 200));
    await admin.query('COMMIT');
    const result = await pending;
    expect(result).toEqual({ kind: 'duplicate', message: original.message, run: original.run });
    // Nothing of the retry was stored.
    expect(await store.getThread(retry.thread.id)).toBeNull();
    expect(await store.getRun(retry.run.id)).toBeNull();
    expect(await store.countQueuedRuns('racer')).toBe(1);
  });
});
