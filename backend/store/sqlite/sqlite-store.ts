/**
 * The SQLite Store (better-sqlite3 or node:sqlite, see sqlite-driver.ts): WAL, synchronous=NORMAL, cached prepared statements,
 * versioned migrations, and writes batched per tick (see sqlite-write-queue.ts). One
 * connection per store; several processes may share the file (writers take turns).
 */
import fs from 'node:fs';
import path from 'node:path';
import type {
  AcceptMessageInput,
  AcceptMessageResult,
  ClaimRequest,
  FinishRunInput,
  ListRunsQuery,
  MessagePage,
  MessageWithRun,
  RunRecord,
  RunSummaryRecord,
  Store,
  StoredEvent,
  ThreadRecord,
  ThreadSummaryRecord,
} from '../store-types.ts';
import { envelopeJson } from '../envelope-json.ts';
import { StoreClosedError, StoreUnavailableError } from '../store-errors.ts';
import { checkEvent, duplicateEventError, finishStatuses, isoTimestamp, listLimit, normalizeAccept } from '../store-rules.ts';
import { isPrimaryKeyViolation, mapSqliteError } from './sqlite-errors.ts';
import { betterSqliteEntry, nativeBindingOf, openSqliteDatabase, type SqliteDatabase, type SqliteDriverChoice } from './sqlite-driver.ts';
import { SqliteCheckpointer } from './sqlite-checkpointer.ts';
import { migrateSqlite } from './sqlite-migrations.ts';
import { toEvent, toMessage, toMessageWithRun, toRun, toRunSummary, toThread, toThreadSummary } from './sqlite-rows.ts';
import { EVENTS_PER_INSERT, FINISH_STATUS_SLOTS, prepareStatements, type SqliteStatements } from './sqlite-statements.ts';
import { SqliteWriteQueue } from './sqlite-write-queue.ts';

export interface SqliteStoreOptions {
  /** Path of the database file, or `:memory:`. */
  filename: string;
  /** How long a write waits for another process holding the write lock. */
  busyTimeoutMs?: number;
  /** The file's folder is the store's own (an ephemeral store): removed, with everything in it, on close. */
  removeDirOnClose?: boolean;
  /** Which driver opens it (default `auto`). */
  driver?: SqliteDriverChoice | undefined;
  /** A `better_sqlite3.node` built for this runtime. */
  nativeBinding?: string | undefined;
  /**
   * WAL checkpoints in a worker thread (sqlite-checkpointer.ts) instead of inside the commits
   * of the store's own connection (default true; files only, never `:memory:`).
   */
  checkpointWorker?: boolean | undefined;
}

interface Open {
  db: SqliteDatabase;
  statements: SqliteStatements;
  writes: SqliteWriteQueue;
  checkpointer: SqliteCheckpointer | null;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly crossProcess = false;
  private open: Open | null = null;
  private closed = false;

  constructor(private readonly options: SqliteStoreOptions) {}

  get filename(): string {
    return this.options.filename;
  }

  /** The driver that opened the database (after init). */
  get driver(): SqliteDatabase['driver'] | undefined {
    return this.open?.db.driver;
  }

  get namespace(): string {
    return this.options.filename;
  }

  async init(): Promise<void> {
    if (this.closed) throw new StoreClosedError('sqlite');
    if (this.open) {
      this.open.writes.flush();
      migrateSqlite(this.open.db);
      return;
    }
    const { filename } = this.options;
    let db: SqliteDatabase | undefined;
    try {
      if (filename !== ':memory:') fs.mkdirSync(path.dirname(filename), { recursive: true });
      db = openSqliteDatabase(filename, { driver: this.options.driver, nativeBinding: this.options.nativeBinding });
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(this.options.busyTimeoutMs ?? 5000))}`);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('PRAGMA foreign_keys = ON');
      db.exec('PRAGMA journal_size_limit = 67108864');
      migrateSqlite(db);
      let checkpointer: SqliteCheckpointer | null = null;
      const writes = new SqliteWriteQueue(
        db,
        (err) => mapSqliteError(err, filename),
        () => checkpointer?.noteCommit(),
      );
      checkpointer = this.newCheckpointer(db, writes);
      this.open = { db, statements: prepareStatements(db), writes, checkpointer };
    } catch (err) {
      db?.close();
      throw this.mapOpenError(err);
    }
  }

  async ping(): Promise<void> {
    this.read((s) => s.ping.get());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const open = this.open;
    this.open = null;
    try {
      if (!open) return;
      try {
        open.writes.flush();
      } finally {
        // The worker's connection first: the store's, closing last, checkpoints what is left and removes the WAL.
        await open.checkpointer?.close();
        open.db.close();
      }
    } finally {
      if (this.options.removeDirOnClose) fs.rmSync(path.dirname(this.options.filename), { recursive: true, force: true });
    }
  }

  /** The checkpoint worker's state (null: none for this store). */
  get checkpoints(): SqliteCheckpointer | null {
    return this.open?.checkpointer ?? null;
  }

  private newCheckpointer(db: SqliteDatabase, writes: SqliteWriteQueue): SqliteCheckpointer | null {
    const { filename } = this.options;
    if (this.options.checkpointWorker === false || filename === ':memory:') return null;
    const betterSqlitePath = db.driver === 'better-sqlite3' ? betterSqliteEntry() : undefined;
    if (db.driver === 'better-sqlite3' && !betterSqlitePath) return null;
    return new SqliteCheckpointer(db, {
      filename,
      driver: db.driver,
      betterSqlitePath,
      nativeBinding: nativeBindingOf(this.options.nativeBinding),
      busyTimeoutMs: this.options.busyTimeoutMs ?? 5000,
      holdWrites: () => writes.hold(),
    });
  }

  // ---- writes (batched per tick) ----

  acceptMessage(input: AcceptMessageInput): Promise<AcceptMessageResult> {
    return this.write((s): AcceptMessageResult => {
      const accept = normalizeAccept(input);
      const { message, run, userId } = accept;
      if (message.clientMessageId !== null) {
        const original = s.findByClientId.get(userId, message.clientMessageId);
        if (original) {
          const originalRun = s.getRunByMessage.get(original.id);
          if (!originalRun) throw new Error(`Message ${original.id} has no run`);
          return { kind: 'duplicate', run: toRun(originalRun), message: toMessage(original) };
        }
      }
      const checks = s.acceptChecks.get({ thread: accept.threadId, userId, rank: accept.priorityRank });
      const owner = checks?.owner ?? null;
      if (owner === null ? accept.threadMustExist : owner !== userId) return { kind: 'thread_not_found' };
      const queued = checks?.queued ?? 0;
      if (accept.maxQueuedPerUser !== undefined && queued >= accept.maxQueuedPerUser) return { kind: 'queue_full', queued };
      if (owner !== null) s.bumpThread.run(message.createdAt, accept.threadId);
      else s.insertThread.run(accept.threadId, userId, accept.threadTitle, message.createdAt, message.createdAt);
      s.insertMessage.run(message.id, accept.threadId, userId, message.clientMessageId, message.content, message.agent, message.priority, message.createdAt);
      // Counted before the insert: the new run is last of its rank.
      const queuePosition = checks?.ahead ?? 0;
      const inputJson = JSON.stringify(run.input);
      const { claim } = input;
      // Nothing of the user's is queued, so a claim would take this run: stored already claimed
      // (the row claimNext would leave), without a queued row to update.
      const claimNew = claim !== undefined && claim.userId === userId && queued === 0;
      const startedAt = claimNew ? isoTimestamp(claim.startedAt) : null;
      const ownerId = claimNew ? claim.ownerId : null;
      s.insertRun.run(
        run.id,
        userId,
        accept.threadId,
        message.id,
        run.agent,
        run.priority,
        accept.priorityRank,
        claimNew ? 'running' : 'queued',
        inputJson,
        run.createdAt,
        ownerId,
        startedAt,
      );
      if (claimNew) {
        const claimed: RunRecord = { ...run, input: JSON.parse(inputJson) as RunRecord['input'], status: 'running', ownerId, startedAt };
        return { kind: 'accepted', run, message, queuePosition, claimed };
      }
      if (!claim) return { kind: 'accepted', run, message, queuePosition };
      const claimed = s.claimNext.get(claim.ownerId, isoTimestamp(claim.startedAt), claim.userId);
      return { kind: 'accepted', run, message, queuePosition, claimed: claimed ? toRun(claimed) : null };
    });
  }

  claimNextRun(userId: string, ownerId: string, startedAt: string): Promise<RunRecord | null> {
    return this.write((s) => {
      const row = s.claimNext.get(ownerId, isoTimestamp(startedAt), userId);
      return row ? toRun(row) : null;
    });
  }

  appendEvent(event: StoredEvent): Promise<void> {
    return this.write((s) => insertEvents(s, [event]));
  }

  appendEvents(events: StoredEvent[]): Promise<void> {
    // One write: the queue runs it whole or (after a failure) rolls it back whole.
    return this.write((s) => insertEvents(s, events));
  }

  finishRun(runId: string, input: FinishRunInput): Promise<boolean> {
    return this.write((s) => finish(s, runId, input));
  }

  finishRunAndClaimNext(runId: string, input: FinishRunInput, claim: ClaimRequest): Promise<{ finished: boolean; next: RunRecord | null }> {
    return this.write((s) => {
      const startedAt = isoTimestamp(claim.startedAt);
      const finished = finish(s, runId, input);
      const row = s.claimNext.get(claim.ownerId, startedAt, claim.userId);
      return { finished, next: row ? toRun(row) : null };
    });
  }

  releaseRun(runId: string, ownerId: string): Promise<boolean> {
    return this.write((s) => Number(s.releaseRun.run(runId, ownerId).changes) > 0);
  }

  // ---- reads (flush pending writes first) ----

  async getRun(runId: string): Promise<RunRecord | null> {
    const row = this.read((s) => s.getRun.get(runId));
    return row ? toRun(row) : null;
  }

  async getThread(threadId: string): Promise<ThreadRecord | null> {
    const row = this.read((s) => s.getThread.get(threadId));
    return row ? toThread(row) : null;
  }

  async listUsersWithQueuedRuns(limit?: number): Promise<string[]> {
    return this.read((s) => s.usersWithQueued.all(listLimit(limit)).map((r) => r.user_id));
  }

  async listRunningRuns(): Promise<Array<{ id: string; userId: string; ownerId: string | null }>> {
    return this.read((s) => s.running.all().map((r) => ({ id: r.id, userId: r.user_id, ownerId: r.owner_id })));
  }

  async countQueuedRuns(userId?: string): Promise<number> {
    return this.read((s) => (userId === undefined ? s.countQueued.get() : s.countQueuedForUser.get(userId))?.n ?? 0);
  }

  async countRunningRuns(): Promise<number> {
    return this.read((s) => s.countRunning.get()?.n ?? 0);
  }

  async listEvents(runId: string, afterSeq = 0): Promise<StoredEvent[]> {
    return this.read((s) => s.listEvents.all(runId, afterSeq).map(toEvent));
  }

  async lastSeq(runId: string): Promise<number> {
    return this.read((s) => s.lastSeq.get(runId)?.n ?? 0);
  }

  async listThreads(userId: string, limit?: number): Promise<ThreadSummaryRecord[]> {
    return this.read((s) => s.listThreads.all(userId, listLimit(limit)).map(toThreadSummary));
  }

  async listMessages(threadId: string, page?: MessagePage): Promise<MessageWithRun[]> {
    if (!page) return this.read((s) => s.listMessages.all(threadId).map(toMessageWithRun));
    const params = { thread: threadId, after: page.after ?? null, limit: listLimit(page.limit) };
    return this.read((s) => s.listMessagesPage.all(params).map(toMessageWithRun));
  }

  async listRuns(query: ListRunsQuery): Promise<RunSummaryRecord[]> {
    const limit = listLimit(query.limit);
    return this.read((s) =>
      (query.threadId === undefined ? s.listRuns.all(query.userId, limit) : s.listThreadRuns.all(query.userId, query.threadId, limit)).map(toRunSummary),
    );
  }

  // ---- plumbing ----

  private current(): Open {
    if (this.closed || !this.open) {
      if (this.closed) throw new StoreClosedError('sqlite');
      throw new Error('SqliteStore: call init() first');
    }
    return this.open;
  }

  private write<T>(fn: (s: SqliteStatements) => T): Promise<T> {
    let open: Open;
    try {
      open = this.current();
    } catch (err) {
      return Promise.reject(err);
    }
    return open.writes.enqueue(() => fn(open.statements));
  }

  /** Flushes the pending writes, then reads: the read sees every write issued before it. */
  private read<T>(fn: (s: SqliteStatements) => T): T {
    const open = this.current();
    try {
      open.writes.flush();
      return fn(open.statements);
    } catch (err) {
      throw mapSqliteError(err, this.options.filename);
    }
  }

  private mapOpenError(err: unknown): unknown {
    const mapped = mapSqliteError(err, this.options.filename);
    if (mapped !== err) return mapped;
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && ['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST'].includes(code)) {
      return new StoreUnavailableError(
        'sqlite',
        `SQLite database ${this.options.filename} cannot be created (${code}): make DATA_DIR a writable folder or fix DATABASE_URL.`,
        { code, cause: err },
      );
    }
    return err;
  }
}

/** The run's end (status, its last events, the final one) when status and owner match. */
function finish(s: SqliteStatements, runId: string, input: FinishRunInput): boolean {
  const statuses = finishStatuses(runId, input);
  const owner = input.expectedOwnerId ?? null;
  // At most the six statuses, each once.
  const slots: Array<string | null> = [...new Set(statuses)].slice(0, FINISH_STATUS_SLOTS);
  while (slots.length < FINISH_STATUS_SLOTS) slots.push(null);
  const { changes } = s.finishRun.run(input.status, input.response, input.error, isoTimestamp(input.endedAt), runId, ...slots, owner, owner);
  if (Number(changes) === 0) return false;
  insertEvents(s, [...(input.events ?? []), input.finalEvent]);
  return true;
}

/**
 * Events in as few statements as it takes (EVENTS_PER_INSERT rows each): one INSERT of a
 * run's batch instead of one per event. A duplicate fails its whole statement (SQLite undoes
 * the statement alone); a statement of several rows is then written row by row, so the error
 * names the event.
 */
function insertEvents(s: SqliteStatements, events: readonly StoredEvent[]): void {
  for (let from = 0; from < events.length; from += EVENTS_PER_INSERT) {
    const chunk = events.slice(from, from + EVENTS_PER_INSERT);
    const params: Array<string | number> = [];
    for (const event of chunk) {
      checkEvent(event);
      params.push(event.runId, event.seq, event.userId, event.type, envelopeJson(event.envelope), isoTimestamp(event.createdAt));
    }
    try {
      s.insertEvents[chunk.length]!.run(...params);
    } catch (err) {
      if (!isPrimaryKeyViolation(err)) throw err;
      if (chunk.length === 1) throw duplicateEventError(chunk[0]!, err);
      for (const event of chunk) insertEvents(s, [event]);
      throw err;
    }
  }
}
