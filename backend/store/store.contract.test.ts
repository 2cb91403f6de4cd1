/**
 * The Store contract, run against every adapter in STORES (env `STORES=sqlite,postgres`),
 * each with its harness from `HARNESSES` (keyed by adapter name: a name the factory does not
 * know, or one without a harness, fails the suite). SQLite: a temp dir per test. PostgreSQL:
 * one ephemeral schema for the suite (the factory's option; tables emptied before each test),
 * dropped when its first store closes; skipped with one visible line when the server does
 * not answer (a failure in CI). Several stores opened on the same database stand for
 * several processes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Priority, RunEventEnvelope, RunEventType } from '../../protocol/index.ts';
import { STORES, TEST_DATABASE_URL, postgresAvailable, uniqueTestName } from '../../test/support/test-services.ts';
import { StoreClosedError, StoreConflictError, StoreUnavailableError } from './store-errors.ts';
import { betterSqliteLoadProblem, createStore, hasNodeSqlite, openSqliteDatabase, storeAdapter, type SqliteDriverName } from './store-factory.ts';
import type { AcceptMessageInput, AcceptMessageResult, RunRecord, Store, StoredEvent } from './store-types.ts';

// ---------------------------------------------------------------- fixtures

let counter = 0;
const uid = (prefix: string) => `${prefix}-${(++counter).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Six messages of one user, accepted in this order: named by priority and order within it. */
const MIXED_PRIORITIES = [
  ['low1', 'low'],
  ['normal1', 'normal'],
  ['high1', 'high'],
  ['normal2', 'normal'],
  ['high2', 'high'],
  ['low2', 'low'],
] as const;

/** Strictly increasing timestamps, one second apart. */
let clock = Date.parse('2030-01-01T00:00:00.000Z');
const tick = () => new Date((clock += 1000)).toISOString();

interface AcceptOptions {
  userId: string;
  threadId?: string;
  title?: string;
  clientMessageId?: string | null;
  priority?: Priority;
  content?: string;
  at?: string;
  maxQueuedPerUser?: number;
}

function acceptInput(o: AcceptOptions): AcceptMessageInput {
  const threadId = o.threadId ?? uid('thread');
  const at = o.at ?? tick();
  const messageId = uid('msg');
  const priority = o.priority ?? 'normal';
  const content = o.content ?? `hello ${messageId}`;
  const input: AcceptMessageInput = {
    thread: { id: threadId, title: o.title ?? '' },
    message: {
      id: messageId,
      threadId,
      userId: o.userId,
      clientMessageId: o.clientMessageId === undefined ? uid('client') : o.clientMessageId,
      content,
      agent: 'assistant',
      priority,
      createdAt: at,
    },
    run: {
      id: uid('run'),
      userId: o.userId,
      threadId,
      messageId,
      agent: 'assistant',
      priority,
      status: 'queued',
      input: { content, agent: 'assistant', script: [{ think: 'hmm' }, { tool: 'clock', args: { tz: 'UTC' } }, { respond: 'ok' }] },
      response: null,
      error: null,
      createdAt: at,
      startedAt: null,
      endedAt: null,
      ownerId: null,
    },
  };
  if (o.maxQueuedPerUser !== undefined) input.maxQueuedPerUser = o.maxQueuedPerUser;
  return input;
}

async function accept(store: Store, o: AcceptOptions) {
  const input = acceptInput(o);
  const result = await store.acceptMessage(input);
  if (result.kind !== 'accepted') throw new Error(`expected accepted, got ${result.kind}`);
  return { input, result, run: result.run };
}

function envelope(run: RunRecord, seq: number, type: RunEventType): RunEventEnvelope {
  const base = { run_id: run.id, thread_id: run.threadId, message_id: run.messageId, user_id: run.userId, seq, timestamp: tick() };
  switch (type) {
    case 'agent_started':
      return { type, ...base, payload: { agent: run.agent, input: run.input.content } };
    case 'agent_thinking':
      return { type, ...base, payload: { thought: `step ${seq}: "quoted" \\ back, ünïcødé ✓`, step: seq } };
    case 'tool_executing':
      return { type, ...base, payload: { tool: 'calculator', call_id: `call-${seq}`, args: { expression: '1+2', nested: { a: [1, 2.5, { b: null }] } } } };
    case 'tool_completed':
      return {
        type,
        ...base,
        payload: { tool: 'calculator', call_id: `call-${seq}`, ok: true, result: { value: 3, big: 1e21, text: 'x\ny' }, duration_ms: 1.25 },
      };
    case 'agent_completed':
      return { type, ...base, payload: { status: 'succeeded', response: 'done', error: null, duration_ms: 42 } };
  }
}

function event(run: RunRecord, seq: number, type: RunEventType = 'agent_thinking'): StoredEvent {
  const env = envelope(run, seq, type);
  return { runId: run.id, seq, userId: run.userId, type, envelope: env, createdAt: env.timestamp };
}

function finalEvent(run: RunRecord, seq: number): StoredEvent {
  return event(run, seq, 'agent_completed');
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

// ---------------------------------------------------------------- harnesses

interface Harness {
  /** A new store on this test's database; several of them stand for several processes. */
  open(): Promise<Store>;
}

function sqliteHarness(driver: SqliteDriverName): Harness {
  let dir = '';
  const stores: Store[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-store-'));
  });
  afterEach(async () => {
    await Promise.allSettled(stores.splice(0).map((s) => s.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    async open() {
      const store = await createStore({ dataDir: dir, sqliteDriver: driver });
      stores.push(store);
      return store;
    },
  };
}

function postgresHarness(): Harness & { readonly schema: string } {
  const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  const stores: Store[] = [];
  /** Holds the suite's ephemeral schema: created with it, dropped when it closes. */
  let owner: Store | undefined;
  let schema = '';
  beforeAll(async () => {
    owner = await createStore({ databaseUrl: TEST_DATABASE_URL, dataDir: os.tmpdir(), ephemeral: true });
    schema = owner.namespace;
  });
  beforeEach(async () => {
    await admin.query(`TRUNCATE "${schema}".events, "${schema}".runs, "${schema}".messages, "${schema}".threads RESTART IDENTITY`);
  });
  afterEach(async () => {
    await Promise.allSettled(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await owner?.close();
    await admin.end();
  });
  return {
    get schema() {
      return schema;
    },
    async open() {
      const store = await createStore({ databaseUrl: TEST_DATABASE_URL, dataDir: os.tmpdir(), schema });
      stores.push(store);
      return store;
    },
  };
}

// ---------------------------------------------------------------- the contract

function contract(kind: string, h: Harness): void {
  const { capabilities } = storeAdapter(kind);
  let store: Store;
  beforeEach(async () => {
    store = await h.open();
  });

  describe('lifecycle', () => {
    it('reports its kind, answers ping, and init() is safe to repeat', async () => {
      expect(store.kind).toBe(kind);
      expect(store.crossProcess).toBe(capabilities.crossProcess);
      await store.ping();
      await store.init();
      await store.init();
      const { run } = await accept(store, { userId: uid('u') });
      expect(await store.getRun(run.id)).toEqual(run);
    });

    it('refuses every call once closed', async () => {
      await store.close();
      await store.close();
      const input = acceptInput({ userId: uid('u') });
      await expect(store.acceptMessage(input)).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.getRun('x')).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.appendEvent(event(input.run, 1))).rejects.toBeInstanceOf(StoreClosedError);
    });

    it('keeps queued runs and events across close and reopen, flushing pending writes on close', async () => {
      const userId = uid('u');
      const low = await accept(store, { userId, priority: 'low' });
      const high = await accept(store, { userId, priority: 'high' });
      const normal = await accept(store, { userId, priority: 'normal' });
      // Issued but not awaited before close: close() must flush it.
      const pending = store.appendEvent(event(low.run, 1));
      await store.close();
      await expect(pending).resolves.toBeUndefined();

      const reopened = await h.open();
      expect(await reopened.countQueuedRuns(userId)).toBe(3);
      expect(await reopened.listEvents(low.run.id)).toHaveLength(1);
      const order: string[] = [];
      for (let i = 0; i < 3; i++) order.push((await reopened.claimNextRun(userId, 'inst', tick()))?.id ?? 'none');
      expect(order).toEqual([high.run.id, normal.run.id, low.run.id]);
    });

    it('returns null / 0 / [] for unknown ids', async () => {
      expect(await store.getRun('nope')).toBeNull();
      expect(await store.getThread('nope')).toBeNull();
      expect(await store.lastSeq('nope')).toBe(0);
      expect(await store.listEvents('nope')).toEqual([]);
      expect(await store.listMessages('nope')).toEqual([]);
      expect(await store.listThreads('nobody')).toEqual([]);
      expect(await store.listRuns({ userId: 'nobody' })).toEqual([]);
      expect(await store.claimNextRun('nobody', 'inst', tick())).toBeNull();
    });
  });

  describe('acceptMessage', () => {
    it('creates the thread, message and queued run, and reads them back', async () => {
      const userId = uid('u');
      const input = acceptInput({ userId, title: 'My thread', content: 'What is 2+2?' });
      const result = await store.acceptMessage(input);
      expect(result).toEqual({ kind: 'accepted', run: input.run, message: input.message, queuePosition: 0 });

      expect(await store.getRun(input.run.id)).toEqual(input.run);
      expect(await store.getThread(input.thread.id)).toEqual({
        id: input.thread.id,
        userId,
        title: 'My thread',
        createdAt: input.message.createdAt,
        updatedAt: input.message.createdAt,
      });
      expect(await store.listMessages(input.thread.id)).toEqual([{ ...input.message, runId: input.run.id, runStatus: 'queued' }]);
      expect(await store.countQueuedRuns(userId)).toBe(1);
    });

    it('titles a new thread with the first ~60 characters of the content when no title is given', async () => {
      const long = `${'word '.repeat(30)}end`;
      const { input } = await accept(store, { userId: uid('u'), content: long });
      const title = (await store.getThread(input.thread.id))?.title ?? '';
      expect(title.length).toBeGreaterThan(50);
      expect(title.length).toBeLessThanOrEqual(60);
      expect(long.startsWith(title.replace(/…$/, ''))).toBe(true);

      const short = await accept(store, { userId: uid('u'), content: 'short one' });
      expect((await store.getThread(short.input.thread.id))?.title).toBe('short one');
    });

    it('adds to an existing thread, keeps its title and bumps updated_at', async () => {
      const userId = uid('u');
      const first = await accept(store, { userId, title: 'First' });
      const threadId = first.input.thread.id;
      const secondAt = tick();
      await accept(store, { userId, threadId, title: 'ignored', at: secondAt });
      const thread = await store.getThread(threadId);
      expect(thread).toMatchObject({ title: 'First', createdAt: first.input.message.createdAt, updatedAt: secondAt });
      expect(await store.listMessages(threadId)).toHaveLength(2);
    });

    it('answers a repeated client message id with the original run and writes nothing', async () => {
      const userId = uid('u');
      const original = await accept(store, { userId, clientMessageId: 'same-id', content: 'original' });
      const again = acceptInput({ userId, threadId: original.input.thread.id, clientMessageId: 'same-id', content: 'retry', at: tick() });
      const result = await store.acceptMessage(again);
      expect(result).toEqual({ kind: 'duplicate', run: original.run, message: original.input.message });

      expect(await store.getRun(again.run.id)).toBeNull();
      const messages = await store.listMessages(original.input.thread.id);
      expect(messages.map((m) => m.content)).toEqual(['original']);
      expect((await store.getThread(original.input.thread.id))?.updatedAt).toBe(original.input.message.createdAt);
      expect(await store.countQueuedRuns(userId)).toBe(1);

      // The duplicate answer still points at the original after it ran.
      await store.claimNextRun(userId, 'inst', tick());
      const later = await store.acceptMessage(acceptInput({ userId, clientMessageId: 'same-id' }));
      expect(later.kind === 'duplicate' && later.run.status).toBe('running');
    });

    it('de-duplicates per user only, and never messages without a client id', async () => {
      const a = await accept(store, { userId: uid('a'), clientMessageId: 'shared' });
      const b = await accept(store, { userId: uid('b'), clientMessageId: 'shared' });
      expect(a.run.id).not.toBe(b.run.id);
      const userId = uid('u');
      await accept(store, { userId, clientMessageId: null });
      await accept(store, { userId, clientMessageId: null });
      expect(await store.countQueuedRuns(userId)).toBe(2);
    });

    it("refuses another user's thread as thread_not_found and writes nothing", async () => {
      const owner = await accept(store, { userId: uid('owner') });
      const intruder = uid('intruder');
      const input = acceptInput({ userId: intruder, threadId: owner.input.thread.id });
      expect(await store.acceptMessage(input)).toEqual({ kind: 'thread_not_found' });
      expect(await store.listMessages(owner.input.thread.id)).toHaveLength(1);
      expect(await store.countQueuedRuns(intruder)).toBe(0);
      expect(await store.getRun(input.run.id)).toBeNull();
    });

    it('with mustExist, refuses an unknown thread id exactly like a foreign one and writes nothing', async () => {
      const owner = await accept(store, { userId: uid('owner') });
      const userId = uid('u');
      const unknown = acceptInput({ userId, threadId: uid('never-created') });
      unknown.thread.mustExist = true;
      const foreign = acceptInput({ userId, threadId: owner.input.thread.id });
      foreign.thread.mustExist = true;
      expect(await store.acceptMessage(unknown)).toEqual({ kind: 'thread_not_found' });
      expect(await store.acceptMessage(foreign)).toEqual({ kind: 'thread_not_found' });
      expect(await store.getThread(unknown.thread.id)).toBeNull();
      expect(await store.countQueuedRuns(userId)).toBe(0);
      expect(await store.getRun(unknown.run.id)).toBeNull();
      // The user's own existing thread is accepted with mustExist.
      const own = await accept(store, { userId });
      const again = acceptInput({ userId, threadId: own.input.thread.id });
      again.thread.mustExist = true;
      expect((await store.acceptMessage(again)).kind).toBe('accepted');
      expect(await store.listMessages(own.input.thread.id)).toHaveLength(2);
    });

    it("pages a thread's messages by limit and the id of the last message seen", async () => {
      const userId = uid('u');
      const first = await accept(store, { userId });
      const threadId = first.input.thread.id;
      for (let i = 0; i < 4; i++) await accept(store, { userId, threadId });
      const all = await store.listMessages(threadId);
      expect(all).toHaveLength(5);
      const p1 = await store.listMessages(threadId, { limit: 2 });
      const p2 = await store.listMessages(threadId, { limit: 2, after: p1.at(-1)!.id });
      const p3 = await store.listMessages(threadId, { limit: 2, after: p2.at(-1)!.id });
      expect([...p1, ...p2, ...p3].map((m) => m.id)).toEqual(all.map((m) => m.id));
      expect(p3).toHaveLength(1);
      expect(await store.listMessages(threadId, { limit: 2, after: p3.at(-1)!.id })).toEqual([]);
      expect(await store.listMessages(threadId, { limit: 2, after: 'no-such-message' })).toEqual([]);
      const other = await accept(store, { userId });
      expect(await store.listMessages(threadId, { after: other.input.message.id })).toEqual([]);
    });

    it('refuses with queue_full once the user has maxQueuedPerUser queued runs', async () => {
      const userId = uid('u');
      await accept(store, { userId, maxQueuedPerUser: 2 });
      await accept(store, { userId, maxQueuedPerUser: 2 });
      const refused = acceptInput({ userId, maxQueuedPerUser: 2 });
      expect(await store.acceptMessage(refused)).toEqual({ kind: 'queue_full', queued: 2 });
      expect(await store.getThread(refused.thread.id)).toBeNull();
      expect(await store.countQueuedRuns(userId)).toBe(2);
      // Other users are not affected, and a claimed run frees a slot.
      await accept(store, { userId: uid('other'), maxQueuedPerUser: 2 });
      await store.claimNextRun(userId, 'inst', tick());
      await accept(store, { userId, maxQueuedPerUser: 2 });
      expect(await store.countQueuedRuns(userId)).toBe(2);
    });

    it('reports the queue position: running runs plus queued runs ahead in priority/FIFO order', async () => {
      const userId = uid('u');
      const positions: Record<string, number> = {};
      for (const [name, priority] of MIXED_PRIORITIES) {
        positions[name] = (await accept(store, { userId, priority })).result.queuePosition;
      }
      expect(positions).toEqual({ low1: 0, normal1: 0, high1: 0, normal2: 2, high2: 1, low2: 5 });
      await store.claimNextRun(userId, 'inst', tick()); // high1 now running
      expect((await accept(store, { userId, priority: 'high' })).result.queuePosition).toBe(2);
      expect((await accept(store, { userId: uid('other'), priority: 'low' })).result.queuePosition).toBe(0);
    });

    it('accepts many concurrent messages of one user with distinct queue positions', async () => {
      const userId = uid('u');
      const results = await Promise.all(Array.from({ length: 30 }, () => store.acceptMessage(acceptInput({ userId }))));
      expect(results.every((r) => r.kind === 'accepted')).toBe(true);
      const positions = results.map((r) => (r.kind === 'accepted' ? r.queuePosition : -1)).sort((a, b) => a - b);
      expect(positions).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(await store.countQueuedRuns(userId)).toBe(30);
    });

    it('accepts exactly one of many concurrent duplicates, across processes', async () => {
      const other = await h.open();
      const userId = uid('u');
      const threadId = uid('thread');
      const inputs = Array.from({ length: 10 }, () => acceptInput({ userId, threadId, clientMessageId: 'dup' }));
      const results: AcceptMessageResult[] = await Promise.all(inputs.map((input, i) => (i % 2 === 0 ? store : other).acceptMessage(input)));
      const accepted = results.filter((r) => r.kind === 'accepted');
      const duplicates = results.filter((r) => r.kind === 'duplicate');
      expect(accepted).toHaveLength(1);
      expect(duplicates).toHaveLength(9);
      const runId = accepted[0]?.kind === 'accepted' ? accepted[0].run.id : '';
      expect(duplicates.every((r) => r.kind === 'duplicate' && r.run.id === runId)).toBe(true);
      expect(await store.listMessages(threadId)).toHaveLength(1);
      expect(await other.countQueuedRuns(userId)).toBe(1);
    });

    it('keeps maxQueuedPerUser and distinct queue positions for concurrent accepts of one user, across processes', async () => {
      const other = await h.open();
      const userId = uid('u');
      const inputs = Array.from({ length: 16 }, () => acceptInput({ userId, maxQueuedPerUser: 6 }));
      const results = await Promise.all(inputs.map((input, i) => (i % 2 === 0 ? store : other).acceptMessage(input)));
      const accepted = results.filter((r) => r.kind === 'accepted');
      expect(accepted).toHaveLength(6);
      expect(results.filter((r) => r.kind === 'queue_full').every((r) => r.kind === 'queue_full' && r.queued === 6)).toBe(true);
      expect(accepted.map((r) => r.queuePosition).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
      // The queue order is the order of those positions (each accept saw all those before it).
      const byPosition = [...accepted].sort((a, b) => a.queuePosition - b.queuePosition).map((r) => r.run.id);
      const claimed: string[] = [];
      for (let run = await other.claimNextRun(userId, 'inst', tick()); run; run = await store.claimNextRun(userId, 'inst', tick())) claimed.push(run.id);
      expect(claimed).toEqual(byPosition);
    });

    it("with a claim, stores the run already claimed when it is the user's next, else claims the run ahead of it", async () => {
      const userId = uid('u');
      const claim = () => ({ userId, ownerId: 'inst-a', startedAt: tick() });
      const first = acceptInput({ userId });
      const firstClaim = claim();
      const result = await store.acceptMessage({ ...first, claim: firstClaim });
      const running = { ...first.run, status: 'running' as const, ownerId: 'inst-a', startedAt: firstClaim.startedAt };
      expect(result).toEqual({ kind: 'accepted', run: first.run, message: first.message, queuePosition: 0, claimed: running });
      expect(await store.getRun(first.run.id)).toEqual(running);
      expect(await store.countQueuedRuns(userId)).toBe(0);

      // Queued without a claim: a high one, then a low one.
      const high = await accept(store, { userId, priority: 'high' });
      await accept(store, { userId, priority: 'low' });
      // A normal one with a claim: the high one ahead of it is claimed, it stays queued.
      const normal = acceptInput({ userId });
      const second = await store.acceptMessage({ ...normal, claim: claim() });
      expect(second).toMatchObject({ kind: 'accepted', queuePosition: 2, claimed: { id: high.run.id, status: 'running', ownerId: 'inst-a' } });
      expect((await store.getRun(normal.run.id))?.status).toBe('queued');
      // A high one with a claim goes before the queued normal one: stored claimed.
      const urgent = acceptInput({ userId, priority: 'high' });
      const third = await store.acceptMessage({ ...urgent, claim: claim() });
      expect(third).toMatchObject({ kind: 'accepted', queuePosition: 2, claimed: { id: urgent.run.id, status: 'running' } });
      expect(await store.countQueuedRuns(userId)).toBe(2);
      expect(await store.countRunningRuns()).toBe(3);

      // A refusal claims nothing.
      const full = acceptInput({ userId, maxQueuedPerUser: 2 });
      expect(await store.acceptMessage({ ...full, claim: claim() })).toEqual({ kind: 'queue_full', queued: 2 });
      expect(await store.countRunningRuns()).toBe(3);
    });
  });

  describe('claimNextRun', () => {
    it('claims high, then normal, then low, FIFO within a priority, and only the given user', async () => {
      const userId = uid('u');
      const ids: Record<string, string> = {};
      for (const [name, priority] of MIXED_PRIORITIES) {
        ids[name] = (await accept(store, { userId, priority, at: '2030-06-01T00:00:00.000Z' })).run.id;
      }
      const otherUser = uid('other');
      await accept(store, { userId: otherUser, priority: 'high' });

      const startedAt = '2031-01-01T00:00:00.000Z';
      const first = await store.claimNextRun(userId, 'inst-a', startedAt);
      expect(first).toMatchObject({ id: ids.high1, status: 'running', ownerId: 'inst-a', startedAt });
      expect(await store.getRun(ids.high1 ?? '')).toEqual(first);

      const rest: Array<string | undefined> = [];
      for (;;) {
        const run = await store.claimNextRun(userId, 'inst-a', tick());
        if (!run) break;
        rest.push(run.id);
      }
      expect(rest).toEqual([ids.high2, ids.normal1, ids.normal2, ids.low1, ids.low2]);
      expect(await store.countQueuedRuns(otherUser)).toBe(1);
      expect(await store.countRunningRuns()).toBe(6);
    });

    it('never gives the same run to two concurrent callers, across processes', async () => {
      const other = await h.open();
      const userId = uid('u');
      for (let i = 0; i < 20; i++) await accept(store, { userId, priority: (['high', 'normal', 'low'] as const)[i % 3] });
      const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? store : other).claimNextRun(userId, `inst-${i % 2}`, tick())));
      const claimed = claims.filter((r): r is RunRecord => r !== null);
      expect(claimed).toHaveLength(20);
      expect(new Set(claimed.map((r) => r.id)).size).toBe(20);
      expect(await store.countQueuedRuns(userId)).toBe(0);
      expect(await other.countRunningRuns()).toBe(20);
    });

    it('two concurrent claims for the same user return different runs', async () => {
      const userId = uid('u');
      await accept(store, { userId });
      await accept(store, { userId });
      const [a, b] = await Promise.all([store.claimNextRun(userId, 'x', tick()), store.claimNextRun(userId, 'y', tick())]);
      expect(a).not.toBeNull();
      expect(b).not.toBeNull();
      expect(a?.id).not.toBe(b?.id);
      expect(await store.claimNextRun(userId, 'z', tick())).toBeNull();
    });
  });

  describe('queue views', () => {
    it('lists users with queued runs, oldest work first', async () => {
      const [u1, u2, u3] = [uid('u1'), uid('u2'), uid('u3')];
      await accept(store, { userId: u1 });
      await accept(store, { userId: u2 });
      await accept(store, { userId: u2 });
      await accept(store, { userId: u3 });
      expect(await store.listUsersWithQueuedRuns()).toEqual([u1, u2, u3]);
      expect(await store.listUsersWithQueuedRuns(2)).toEqual([u1, u2]);
      await store.claimNextRun(u1, 'inst', tick());
      expect(await store.listUsersWithQueuedRuns()).toEqual([u2, u3]);
      await accept(store, { userId: u1 });
      expect(await store.listUsersWithQueuedRuns()).toEqual([u2, u3, u1]);
    });

    it('lists and counts running and queued runs', async () => {
      const [u1, u2] = [uid('u1'), uid('u2')];
      await accept(store, { userId: u1 });
      await accept(store, { userId: u1 });
      await accept(store, { userId: u2 });
      const r1 = await store.claimNextRun(u1, 'inst-1', tick());
      const r2 = await store.claimNextRun(u2, 'inst-2', tick());
      expect(await store.countQueuedRuns()).toBe(1);
      expect(await store.countQueuedRuns(u1)).toBe(1);
      expect(await store.countQueuedRuns(u2)).toBe(0);
      expect(await store.countRunningRuns()).toBe(2);
      expect(await store.listRunningRuns()).toEqual([
        { id: r1?.id, userId: u1, ownerId: 'inst-1' },
        { id: r2?.id, userId: u2, ownerId: 'inst-2' },
      ]);
    });
  });

  describe('events', () => {
    it('round-trips envelopes exactly and lists them in seq order after a given seq', async () => {
      const { run } = await accept(store, { userId: uid('u') });
      const types: RunEventType[] = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'];
      const events = types.map((type, i) => event(run, i + 1, type));
      for (const e of events) await store.appendEvent(e);

      const stored = await store.listEvents(run.id);
      expect(stored).toEqual(events);
      expect(stored.map((e) => JSON.stringify(e.envelope))).toEqual(events.map((e) => JSON.stringify(e.envelope)));
      expect((await store.listEvents(run.id, 3)).map((e) => e.seq)).toEqual([4, 5]);
      expect(await store.listEvents(run.id, 5)).toEqual([]);
      expect(await store.lastSeq(run.id)).toBe(5);
    });

    it('lands 50 concurrent appends, returned in seq order', async () => {
      const { run } = await accept(store, { userId: uid('u') });
      const events = Array.from({ length: 50 }, (_, i) => event(run, i + 1));
      await Promise.all(shuffled(events).map((e) => store.appendEvent(e)));
      const stored = await store.listEvents(run.id);
      expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(stored).toEqual(events);
      expect(await store.lastSeq(run.id)).toBe(50);
      expect((await store.listEvents(run.id, 45)).map((e) => e.seq)).toEqual([46, 47, 48, 49, 50]);
    });

    it('refuses an existing (run, seq) without overwriting it', async () => {
      const { run } = await accept(store, { userId: uid('u') });
      const original = event(run, 1);
      await store.appendEvent(original);
      const clash = event(run, 1, 'tool_executing');
      await expect(store.appendEvent(clash)).rejects.toBeInstanceOf(StoreConflictError);
      // Twice in the same tick: one lands, the other is refused.
      const twins = await Promise.allSettled([store.appendEvent(event(run, 2)), store.appendEvent(event(run, 2, 'tool_executing'))]);
      expect(twins.map((t) => t.status).sort()).toEqual(['fulfilled', 'rejected']);
      const stored = await store.listEvents(run.id);
      expect(stored.map((e) => e.seq)).toEqual([1, 2]);
      expect(stored[0]).toEqual(original);
    });

    it('a failing write in a batch rejects only its own caller', async () => {
      const userId = uid('u');
      const { run } = await accept(store, { userId });
      await store.appendEvent(event(run, 1));
      const ghost = { ...event(run, 1), runId: 'no-such-run' };
      const acceptedLater = acceptInput({ userId });
      const outcomes = await Promise.allSettled([
        store.appendEvent(event(run, 2)),
        store.appendEvent(event(run, 1, 'tool_executing')), // duplicate
        store.appendEvent(event(run, 3)),
        store.appendEvent(ghost), // unknown run
        store.acceptMessage(acceptedLater),
        store.appendEvent(event(run, 4)),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(outcomes[1]?.status === 'rejected' && outcomes[1].reason).toBeInstanceOf(StoreConflictError);
      expect((await store.listEvents(run.id)).map((e) => [e.seq, e.type])).toEqual([
        [1, 'agent_thinking'],
        [2, 'agent_thinking'],
        [3, 'agent_thinking'],
        [4, 'agent_thinking'],
      ]);
      expect(await store.getRun(acceptedLater.run.id)).not.toBeNull();
    });

    it('appendEvents stores the events of one call all or none, next to other calls of the tick', async () => {
      const { run } = await accept(store, { userId: uid('u') });
      const other = (await accept(store, { userId: uid('u') })).run;
      await store.appendEvent(event(run, 3));
      const outcomes = await Promise.allSettled([
        store.appendEvents([event(run, 1), event(run, 2)]),
        store.appendEvents([event(other, 1), event(run, 3, 'tool_executing')]), // the second is a duplicate
        store.appendEvents([event(other, 2), event(other, 3)]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(outcomes[1]?.status === 'rejected' && outcomes[1].reason).toBeInstanceOf(StoreConflictError);
      expect((await store.listEvents(run.id)).map((e) => [e.seq, e.type])).toEqual([
        [1, 'agent_thinking'],
        [2, 'agent_thinking'],
        [3, 'agent_thinking'],
      ]);
      expect((await store.listEvents(other.id)).map((e) => e.seq)).toEqual([2, 3]);
    });

    it('a duplicate deep in a long appendEvents is named, and nothing of that call is stored', async () => {
      const { run } = await accept(store, { userId: uid('u') });
      await store.appendEvent(event(run, 13));
      const batch = Array.from({ length: 20 }, (_, i) => event(run, i + 1, i + 1 === 13 ? 'tool_executing' : 'agent_thinking'));
      const failure = await store.appendEvents(batch).then(
        () => null,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(StoreConflictError);
      expect((failure as Error).message).toContain(`Event 13 of run ${run.id}`);
      expect((await store.listEvents(run.id)).map((e) => e.seq)).toEqual([13]);
      // The same call without the clash: all twenty, in order.
      await store.appendEvents(batch.filter((e) => e.seq !== 13));
      expect((await store.listEvents(run.id)).map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      // Two runs in one call, the same seq in both: the error names the run that had it.
      const other = (await accept(store, { userId: uid('u') })).run;
      const mixed = await store.appendEvents([event(other, 3), event(run, 3, 'tool_executing')]).then(
        () => null,
        (err: unknown) => err,
      );
      expect((mixed as Error).message).toContain(`Event 3 of run ${run.id}`);
      expect(await store.listEvents(other.id)).toEqual([]);
    });

    it('reads see writes issued before them, even before their promise settles', async () => {
      const userId = uid('u');
      const input = acceptInput({ userId });
      const accepting = store.acceptMessage(input);
      expect(await store.getRun(input.run.id)).toMatchObject({ id: input.run.id, status: 'queued' });
      await accepting;
      const appending = store.appendEvent(event(input.run, 1));
      expect(await store.lastSeq(input.run.id)).toBe(1);
      await appending;
      const claiming = store.claimNextRun(userId, 'inst', tick());
      expect(await store.countRunningRuns()).toBe(1);
      await claiming;
    });
  });

  describe('finishRun', () => {
    async function running(userId = uid('u')) {
      const { run } = await accept(store, { userId });
      const claimed = await store.claimNextRun(userId, 'inst-a', tick());
      if (claimed?.id !== run.id) throw new Error('the accepted run was not claimed');
      await store.appendEvent(event(claimed, 1, 'agent_started'));
      return claimed;
    }

    it('finishes a running run of the expected owner and stores its final event', async () => {
      const run = await running();
      const endedAt = tick();
      const ok = await store.finishRun(run.id, {
        status: 'succeeded',
        response: 'four',
        error: null,
        endedAt,
        finalEvent: finalEvent(run, 2),
        expectedStatuses: ['running'],
        expectedOwnerId: 'inst-a',
      });
      expect(ok).toBe(true);
      expect(await store.getRun(run.id)).toEqual({ ...run, status: 'succeeded', response: 'four', error: null, endedAt, ownerId: null });
      expect((await store.listEvents(run.id)).map((e) => e.type)).toEqual(['agent_started', 'agent_completed']);
      expect(await store.countRunningRuns()).toBe(0);
    });

    it('refuses (and writes nothing) on a wrong owner or a status not expected', async () => {
      const run = await running();
      const attempt = (extra: Partial<Parameters<Store['finishRun']>[1]>) =>
        store.finishRun(run.id, { status: 'failed', response: null, error: 'boom', endedAt: tick(), finalEvent: finalEvent(run, 2), ...extra });
      expect(await attempt({ expectedOwnerId: 'inst-b' })).toBe(false);
      expect(await attempt({ expectedStatuses: ['queued'] })).toBe(false);
      expect(await store.getRun(run.id)).toEqual(run);
      expect(await store.lastSeq(run.id)).toBe(1);

      expect(await attempt({})).toBe(true);
      expect((await store.getRun(run.id))?.status).toBe('failed');
      // Already final: the default (queued | running) no longer matches.
      expect(await attempt({ status: 'interrupted', finalEvent: finalEvent(run, 3) })).toBe(false);
      expect(await store.getRun(run.id)).toMatchObject({ status: 'failed', error: 'boom' });
      expect(await store.lastSeq(run.id)).toBe(2);
      expect(
        await store.finishRun('no-such-run', {
          status: 'failed',
          response: null,
          error: null,
          endedAt: tick(),
          finalEvent: { ...finalEvent(run, 9), runId: 'no-such-run' },
        }),
      ).toBe(false);
    });

    it("stores the run's remaining events with its end, in one write, or nothing of them", async () => {
      const run = await running();
      const end = { status: 'succeeded' as const, response: 'ok', error: null, expectedStatuses: ['running' as const], expectedOwnerId: 'inst-a' };
      const rest = [event(run, 2), event(run, 3, 'tool_executing')];
      expect(await store.finishRun(run.id, { ...end, expectedOwnerId: 'inst-b', endedAt: tick(), events: rest, finalEvent: finalEvent(run, 4) })).toBe(false);
      expect(await store.lastSeq(run.id)).toBe(1);
      await expect(
        store.finishRun(run.id, { ...end, endedAt: tick(), events: [event(run, 2), event(run, 1)], finalEvent: finalEvent(run, 3) }),
      ).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.getRun(run.id)).toEqual(run);
      expect(await store.lastSeq(run.id)).toBe(1);
      expect(await store.finishRun(run.id, { ...end, endedAt: tick(), events: rest, finalEvent: finalEvent(run, 4) })).toBe(true);
      expect((await store.listEvents(run.id)).map((e) => [e.seq, e.type])).toEqual([
        [1, 'agent_started'],
        [2, 'agent_thinking'],
        [3, 'tool_executing'],
        [4, 'agent_completed'],
      ]);
    });

    it('cancels a queued run', async () => {
      const userId = uid('u');
      const { run } = await accept(store, { userId });
      const ok = await store.finishRun(run.id, {
        status: 'cancelled',
        response: null,
        error: 'cancelled by user',
        endedAt: tick(),
        finalEvent: finalEvent(run, 1),
        expectedStatuses: ['queued'],
      });
      expect(ok).toBe(true);
      expect(await store.getRun(run.id)).toMatchObject({ status: 'cancelled', startedAt: null, ownerId: null });
      expect(await store.claimNextRun(userId, 'inst', tick())).toBeNull();
    });

    it('is atomic: a final event that clashes leaves the run as it was', async () => {
      const run = await running();
      await expect(
        store.finishRun(run.id, { status: 'succeeded', response: 'x', error: null, endedAt: tick(), finalEvent: finalEvent(run, 1) }),
      ).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.getRun(run.id)).toEqual(run);
      expect((await store.listEvents(run.id)).map((e) => e.type)).toEqual(['agent_started']);
    });

    it('lets exactly one of several concurrent finishers win', async () => {
      const run = await running();
      const results = await Promise.all(
        (['succeeded', 'failed', 'cancelled', 'interrupted'] as const).map((status) =>
          store.finishRun(run.id, { status, response: null, error: null, endedAt: tick(), finalEvent: finalEvent(run, 2), expectedStatuses: ['running'] }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.lastSeq(run.id)).toBe(2);
    });
  });

  describe('finishRunAndClaimNext and releaseRun', () => {
    const end = { status: 'succeeded' as const, response: 'ok', error: null, expectedStatuses: ['running' as const], expectedOwnerId: 'inst-a' };

    it("ends a run and claims the user's next one in priority order, in one write", async () => {
      const userId = uid('u');
      const { run: first } = await accept(store, { userId });
      const claimed = await store.claimNextRun(userId, 'inst-a', tick());
      expect(claimed?.id).toBe(first.id);
      const { run: low } = await accept(store, { userId, priority: 'low' });
      const { run: high } = await accept(store, { userId, priority: 'high' });
      const startedAt = tick();
      const outcome = await store.finishRunAndClaimNext(
        first.id,
        { ...end, endedAt: tick(), events: [event(claimed!, 1, 'agent_started')], finalEvent: finalEvent(claimed!, 2) },
        { userId, ownerId: 'inst-a', startedAt },
      );
      expect(outcome.finished).toBe(true);
      expect(outcome.next).toEqual({ ...high, status: 'running', ownerId: 'inst-a', startedAt });
      expect(await store.getRun(first.id)).toMatchObject({ status: 'succeeded', ownerId: null });
      expect((await store.listEvents(first.id)).map((e) => e.type)).toEqual(['agent_started', 'agent_completed']);
      expect(await store.getRun(high.id)).toEqual(outcome.next);
      expect(await store.getRun(low.id)).toMatchObject({ status: 'queued' });
      expect(await store.countRunningRuns()).toBe(1);
    });

    it('claims whether or not the finish took effect, and null when nothing is queued', async () => {
      const userId = uid('u');
      const { run } = await accept(store, { userId });
      const claimed = (await store.claimNextRun(userId, 'inst-a', tick()))!;
      const { run: queued } = await accept(store, { userId });
      const refused = await store.finishRunAndClaimNext(
        run.id,
        { ...end, expectedOwnerId: 'inst-b', endedAt: tick(), finalEvent: finalEvent(claimed, 1) },
        { userId, ownerId: 'inst-a', startedAt: tick() },
      );
      expect(refused.finished).toBe(false);
      expect(refused.next?.id).toBe(queued.id);
      expect(await store.getRun(run.id)).toMatchObject({ status: 'running', ownerId: 'inst-a' });
      expect(await store.lastSeq(run.id)).toBe(0);
      const last = await store.finishRunAndClaimNext(
        run.id,
        { ...end, endedAt: tick(), finalEvent: finalEvent(claimed, 1) },
        { userId, ownerId: 'inst-a', startedAt: tick() },
      );
      expect(last).toEqual({ finished: true, next: null });
    });

    it('is atomic: a clashing final event changes nothing and claims nothing', async () => {
      const userId = uid('u');
      await accept(store, { userId });
      const claimed = (await store.claimNextRun(userId, 'inst-a', tick()))!;
      await store.appendEvent(event(claimed, 1, 'agent_started'));
      const { run: queued } = await accept(store, { userId });
      await expect(
        store.finishRunAndClaimNext(
          claimed.id,
          { ...end, endedAt: tick(), finalEvent: finalEvent(claimed, 1) },
          { userId, ownerId: 'inst-a', startedAt: tick() },
        ),
      ).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.getRun(claimed.id)).toEqual(claimed);
      expect(await store.getRun(queued.id)).toEqual(queued);
    });

    it('releaseRun gives a claimed run back to the queue, only to its owner, only while running', async () => {
      const userId = uid('u');
      const { run: first } = await accept(store, { userId });
      await accept(store, { userId });
      const claimed = (await store.claimNextRun(userId, 'inst-a', tick()))!;
      expect(claimed.id).toBe(first.id);
      expect(await store.releaseRun(claimed.id, 'inst-b')).toBe(false);
      expect(await store.releaseRun(claimed.id, 'inst-a')).toBe(true);
      expect(await store.getRun(first.id)).toEqual(first);
      expect(await store.releaseRun(claimed.id, 'inst-a')).toBe(false);
      // Back in its place: it is claimed first again.
      expect((await store.claimNextRun(userId, 'inst-b', tick()))?.id).toBe(first.id);
      expect(await store.releaseRun('no-such-run', 'inst-b')).toBe(false);
    });
  });

  describe('history views', () => {
    it('lists threads newest updated first, with message counts, only the user’s', async () => {
      const userId = uid('u');
      const a = await accept(store, { userId, title: 'A' });
      const b = await accept(store, { userId, title: 'B' });
      await accept(store, { userId: uid('other'), title: 'not mine' });
      expect((await store.listThreads(userId)).map((t) => [t.title, t.messageCount])).toEqual([
        ['B', 1],
        ['A', 1],
      ]);
      const bumpAt = tick();
      await accept(store, { userId, threadId: a.input.thread.id, at: bumpAt });
      const threads = await store.listThreads(userId);
      expect(threads.map((t) => [t.title, t.messageCount])).toEqual([
        ['A', 2],
        ['B', 1],
      ]);
      expect(threads[0]).toEqual({
        id: a.input.thread.id,
        userId,
        title: 'A',
        createdAt: a.input.message.createdAt,
        updatedAt: bumpAt,
        messageCount: 2,
      });
      expect((await store.listThreads(userId, 1)).map((t) => t.id)).toEqual([a.input.thread.id]);
      expect(b.run.threadId).toBe(b.input.thread.id);
    });

    it('lists messages in acceptance order with their run id and status', async () => {
      const userId = uid('u');
      const first = await accept(store, { userId, priority: 'low', content: 'one' });
      const threadId = first.input.thread.id;
      const second = await accept(store, { userId, threadId, priority: 'high', content: 'two' });
      const third = await accept(store, { userId, threadId, content: 'three' });
      await store.claimNextRun(userId, 'inst', tick()); // the high one
      const messages = await store.listMessages(threadId);
      expect(messages.map((m) => [m.content, m.runId, m.runStatus])).toEqual([
        ['one', first.run.id, 'queued'],
        ['two', second.run.id, 'running'],
        ['three', third.run.id, 'queued'],
      ]);
      expect(messages[1]).toEqual({ ...second.input.message, runId: second.run.id, runStatus: 'running' });
    });

    it('lists runs newest first with event counts, by thread when asked', async () => {
      const userId = uid('u');
      const r1 = await accept(store, { userId });
      const threadId = r1.input.thread.id;
      const r2 = await accept(store, { userId, threadId });
      const r3 = await accept(store, { userId });
      await accept(store, { userId: uid('other') });
      await Promise.all([1, 2, 3].map((seq) => store.appendEvent(event(r1.run, seq))));
      await store.appendEvent(event(r3.run, 1));

      const runs = await store.listRuns({ userId });
      expect(runs.map((r) => [r.id, r.eventCount])).toEqual([
        [r3.run.id, 1],
        [r2.run.id, 0],
        [r1.run.id, 3],
      ]);
      expect(runs[2]).toEqual({ ...r1.run, eventCount: 3 });
      expect((await store.listRuns({ userId, threadId })).map((r) => r.id)).toEqual([r2.run.id, r1.run.id]);
      expect((await store.listRuns({ userId, limit: 2 })).map((r) => r.id)).toEqual([r3.run.id, r2.run.id]);
      expect(await store.listRuns({ userId: uid('other'), threadId })).toEqual([]);
    });
  });
}

// ---------------------------------------------------------------- adapter-specific checks

function sqliteSpecifics(h: Harness): void {
  describe('sqlite specifics', () => {
    it('uses WAL and records its migrations', async () => {
      const store = await h.open();
      const filename = (store as unknown as { filename: string }).filename;
      const db = openSqliteDatabase(filename, { driver: store.driver as SqliteDriverName });
      try {
        expect(db.prepare<[], { journal_mode: string }>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
        expect(
          db
            .prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version')
            .all()
            .map((r) => ({ ...r })),
        ).toEqual([{ version: 1 }]);
      } finally {
        db.close();
      }
    });
  });
}

function postgresSpecifics(h: Harness & { schema: string }): void {
  describe('postgres specifics', () => {
    it('migrates once when several processes start at once on a fresh schema', async () => {
      const schema = uniqueTestName('store_fresh').toLowerCase();
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      try {
        const stores = await Promise.all(Array.from({ length: 4 }, () => createStore({ databaseUrl: TEST_DATABASE_URL, dataDir: os.tmpdir(), schema })));
        await accept(stores[0] as Store, { userId: uid('u') });
        expect(await (stores[3] as Store).countQueuedRuns()).toBe(1);
        await Promise.all(stores.map((s) => s.close()));
        const { rows } = await admin.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
        // Every migration recorded once, none skipped.
        expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => i + 1));
        expect(rows.length).toBeGreaterThan(1);
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.end();
      }
    });

    it('survives the server dropping its connections and recovers by itself', async () => {
      const appName = uniqueTestName('fs_recover').toLowerCase();
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set('application_name', appName);
      const store = await createStore({ databaseUrl: url.toString(), dataDir: os.tmpdir(), schema: h.schema });
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      try {
        const userId = uid('u');
        await accept(store, { userId });
        await Promise.all([store.ping(), store.ping(), store.countQueuedRuns()]); // several pooled connections
        const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName]);
        expect(killed.rowCount).toBeGreaterThan(0);
        const errors: unknown[] = [];
        let recovered = false;
        for (let i = 0; i < 50 && !recovered; i++) {
          try {
            expect(await store.countQueuedRuns(userId)).toBe(1);
            recovered = true;
          } catch (err) {
            errors.push(err);
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        expect(recovered).toBe(true);
        for (const err of errors) expect(err).toBeInstanceOf(StoreUnavailableError);
        await accept(store, { userId });
        expect(await store.countQueuedRuns(userId)).toBe(2);
      } finally {
        await admin.end();
        await store.close();
      }
    });
  });
}

interface HarnessEntry {
  /** Whether its server answers (asked only when the adapter is in STORES). */
  available(): Promise<boolean>;
  /** Registers the harness's hooks and the contract (and its adapter's own tests) in the current describe. */
  define(kind: string): void;
}

const HARNESSES: Record<string, HarnessEntry> = {
  sqlite: {
    available: async () => true,
    // Once per driver: better-sqlite3 (must load: it is a dependency) and node:sqlite, where
    // the runtime has it (Node >= 22.13; skipped visibly on Node 20).
    define(kind) {
      for (const driver of ['better-sqlite3', 'node'] as const) {
        describe(driver, () => {
          if (driver === 'better-sqlite3') {
            it('better-sqlite3 loads in this runtime', () => expect(betterSqliteLoadProblem()).toBeNull());
          }
          if (driver === 'node' && !hasNodeSqlite()) {
            it.skip(`node:sqlite is not in Node ${process.versions.node}`, () => undefined);
            return;
          }
          const h = sqliteHarness(driver);
          contract(kind, h);
          sqliteSpecifics(h);
          it(`opens with the ${driver} driver`, async () => expect((await h.open()).driver).toBe(driver));
        });
      }
    },
  },
  postgres: {
    available: async () => (await postgresAvailable()).available,
    define(kind) {
      const h = postgresHarness();
      contract(kind, h);
      postgresSpecifics(h);
    },
  },
};

/** The harness of each adapter in STORES; an unknown adapter name fails here, before any test. */
const suites = await Promise.all(
  STORES.map(async (name) => {
    storeAdapter(name);
    const entry = HARNESSES[name];
    if (!entry) throw new Error(`store contract: no harness for the "${name}" adapter; add one to HARNESSES`);
    return { name, entry, up: await entry.available() };
  }),
);

for (const { name, entry, up } of suites) {
  describe.skipIf(!up)(name, () => entry.define(name));
}
