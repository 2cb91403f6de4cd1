/**
 * The PostgreSQL Store (pg): a small pool whose connections use the configured schema,
 * migrations under an advisory lock, events written in per-tick multi-row batches, runs
 * claimed with FOR UPDATE SKIP LOCKED, each accept one call of a function that serializes
 * the accepts of a user (postgres-accept.ts). Connection failures become
 * StoreUnavailableError; the pool reconnects by itself when the server is back.
 */
import pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
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
import { StoreClosedError } from '../store-errors.ts';
import { ioCounters } from '../../metrics/io-counters.ts';
import { checkEvent, clashingEvent, duplicateEventError, finishStatuses, isoTimestamp, listLimit, normalizeAccept } from '../store-rules.ts';
import {
  connectFailure,
  describeTarget,
  duplicateEventKey,
  isConnectionError,
  mapPgError,
  pgConstraint,
  pgErrorCode,
  type PgTarget,
} from './postgres-errors.ts';
import type { AcceptReply } from './postgres-accept.ts';
import { PgEventBatcher } from './postgres-event-batcher.ts';
import { checkSchemaName, migratePostgres } from './postgres-migrations.ts';
import type { EventRow, MessageRow, MessageWithRunRow, RunRow, RunSummaryRow, ThreadRow, ThreadSummaryRow } from '../store-rows.ts';
import type { PgColumns } from './postgres-rows.ts';
import { toEvent, toMessage, toMessageWithRun, toRun, toRunSummary, toThread, toThreadSummary } from './postgres-rows.ts';
import { PgGate } from './postgres-gate.ts';
import { SQL, type SqlName } from './postgres-sql.ts';

export interface PostgresStoreOptions {
  url: string;
  /** Schema holding the tables; created when missing. Default `public`. */
  schema?: string;
  /** Pool size (default 5). */
  maxConnections?: number;
  /** How long a call waits for a connection before failing (default 5000 ms). */
  connectionTimeoutMs?: number;
  /** The schema is the store's own (an ephemeral store): dropped, with all its data, on close. */
  dropSchemaOnClose?: boolean;
}

type Queryable = Pick<PoolClient, 'query'>;

const WARN_INTERVAL_MS = 10_000;

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly crossProcess = true;
  private readonly pool: pg.Pool;
  private readonly target: PgTarget;
  private readonly schema: string;
  private readonly events: PgEventBatcher;
  /** Writes not settled yet: reads wait for those issued before them. */
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly gate: PgGate;
  private closed = false;
  private lastWarnAt = 0;
  private readonly dropSchemaOnClose: boolean;

  constructor(options: PostgresStoreOptions) {
    this.schema = checkSchemaName(options.schema ?? 'public');
    if (options.dropSchemaOnClose && this.schema === 'public') throw new Error('PostgresStore: dropSchemaOnClose needs a schema of its own, not public.');
    this.dropSchemaOnClose = options.dropSchemaOnClose ?? false;
    this.target = describeTarget(options.url);
    const max = options.maxConnections ?? 5;
    this.gate = new PgGate(max);
    this.pool = new pg.Pool({
      connectionString: options.url,
      max,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'flowscope',
      options: `-c search_path=${this.schema}`,
    });
    // An idle connection that dies (server restart, admin shutdown) is dropped by the pool
    // and reported here; without a listener it would crash the process.
    this.pool.on('error', (err) => this.warn(err));
    this.events = new PgEventBatcher({
      insertMany: (events) => this.insertEvents(events),
      isDuplicate: (err) => pgErrorCode(err) === '23505',
      duplicateKey: duplicateEventKey,
      isUnavailable: (err) => isConnectionError(err, this.target),
      mapError: (err) => this.mapError(err),
    });
  }

  async init(): Promise<void> {
    this.assertOpen();
    try {
      await this.withClient((c) => migratePostgres(c, this.schema));
    } catch (err) {
      throw this.mapError(err);
    }
  }

  async ping(): Promise<void> {
    await this.read('ping', []);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.events.settled();
    await Promise.allSettled([...this.inflight]);
    try {
      if (this.dropSchemaOnClose) await this.pool.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    } catch (err) {
      throw this.mapError(err);
    } finally {
      await this.pool.end();
    }
  }

  get namespace(): string {
    return this.schema;
  }

  // ---- writes ----

  /**
   * One round trip: the function of postgres-accept.ts de-duplicates, checks the thread,
   * enforces maxQueuedPerUser, stores the message and its run, counts the queue position and
   * with `claim` claims the user's next run, under the user's lock, in one statement.
   */
  acceptMessage(input: AcceptMessageInput): Promise<AcceptMessageResult> {
    return this.write(async () => {
      const accept = normalizeAccept(input);
      const { message, run, userId, threadId } = accept;
      const claim = input.claim;
      let reply: AcceptReply | undefined;
      try {
        const { rows } = await this.withClient((c) =>
          this.query<{ r: AcceptReply }>(c, 'acceptMessage', [
            userId,
            threadId,
            accept.threadTitle,
            accept.threadMustExist,
            message.id,
            message.clientMessageId,
            message.content,
            message.agent,
            message.priority,
            message.createdAt,
            run.id,
            run.agent,
            run.priority,
            accept.priorityRank,
            JSON.stringify(run.input),
            run.createdAt,
            accept.maxQueuedPerUser ?? null,
            claim?.ownerId ?? null,
            claim ? isoTimestamp(claim.startedAt) : null,
          ]),
        );
        reply = rows[0]?.r;
      } catch (err) {
        // The same (user, client id) stored by an accept that did not hold the user's lock:
        // nothing of this one was stored; the answer is the original.
        const clientId = message.clientMessageId;
        if (clientId === null || pgErrorCode(err) !== '23505' || pgConstraint(err) !== 'messages_user_client_id') throw err;
        const original = await this.withClient((c) => this.findByClientId(c, userId, clientId));
        if (!original) throw new Error(`acceptMessage: message ${clientId} conflicted but cannot be found`, { cause: err });
        return original;
      }
      if (!reply) throw new Error('acceptMessage: fs_accept_message returned no reply');
      switch (reply.kind) {
        case 'duplicate':
          if (!reply.run) throw new Error(`Message ${reply.message.id} has no run`);
          return { kind: 'duplicate', run: toRun(reply.run), message: toMessage(reply.message) };
        case 'thread_not_found':
          return { kind: 'thread_not_found' };
        case 'queue_full':
          return { kind: 'queue_full', queued: reply.queued };
        case 'accepted': {
          const accepted = { kind: 'accepted' as const, run, message, queuePosition: reply.queuePosition };
          return claim ? { ...accepted, claimed: reply.claimed ? toRun(reply.claimed) : null } : accepted;
        }
      }
    });
  }

  claimNextRun(userId: string, ownerId: string, startedAt: string): Promise<RunRecord | null> {
    return this.write(async () => {
      const at = isoTimestamp(startedAt);
      const { rows } = await this.withClient((c) => this.query<RunRow<PgColumns>>(c, 'claimNext', [userId, ownerId, at]));
      return rows[0] ? toRun(rows[0]) : null;
    });
  }

  appendEvent(event: StoredEvent): Promise<void> {
    try {
      this.assertOpen();
      checkEvent(event);
      isoTimestamp(event.createdAt);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.track(this.events.append(event));
  }

  appendEvents(events: StoredEvent[]): Promise<void> {
    try {
      this.assertOpen();
      for (const event of events) {
        checkEvent(event);
        isoTimestamp(event.createdAt);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    // Appended in one tick, they go in one multi-row INSERT with the other runs' events.
    // The rows of one call share that statement, so they are stored all or none (a duplicate
    // is refused as a whole call: none of them was new).
    return this.track(this.events.appendAll(events));
  }

  finishRun(runId: string, input: FinishRunInput): Promise<boolean> {
    return this.write(async () => {
      const { rows } = await this.finish<{ updated: number }>(runId, input, 'finishRunWithEvents', []);
      return (rows[0]?.updated ?? 0) > 0;
    });
  }

  finishRunAndClaimNext(runId: string, input: FinishRunInput, claim: ClaimRequest): Promise<{ finished: boolean; next: RunRecord | null }> {
    return this.write(async () => {
      const at = isoTimestamp(claim.startedAt);
      const { rows } = await this.finish<RunRow<PgColumns> & { updated: number }>(runId, input, 'finishRunAndClaim', [claim.userId, claim.ownerId, at]);
      const row = rows[0];
      return { finished: (row?.updated ?? 0) > 0, next: row && row.id !== null ? toRun(row) : null };
    });
  }

  releaseRun(runId: string, ownerId: string): Promise<boolean> {
    return this.write(async () => {
      const { rowCount } = await this.withClient((c) => this.query(c, 'releaseRun', [runId, ownerId]));
      return (rowCount ?? 0) > 0;
    });
  }

  /** A run's end in one statement (`name`: the finish, or the finish with a claim taking `extra`). */
  private async finish<R extends QueryResultRow>(runId: string, input: FinishRunInput, name: SqlName, extra: unknown[]) {
    const statuses = finishStatuses(runId, input);
    const events = [...(input.events ?? []), input.finalEvent];
    for (const event of events) checkEvent(event);
    // Events appended before the final one land first.
    await this.events.settled();
    try {
      return await this.withClient((c) =>
        this.query<R>(c, name, [
          runId,
          input.status,
          input.response,
          input.error,
          isoTimestamp(input.endedAt),
          statuses,
          input.expectedOwnerId ?? null,
          eventRows(events),
          ...extra,
        ]),
      );
    } catch (err) {
      if (pgErrorCode(err) === '23505') throw duplicateEventError(clashingEvent(events, duplicateEventKey(err)), err);
      throw err;
    }
  }

  // ---- reads (wait for the writes issued before them) ----

  async getRun(runId: string): Promise<RunRecord | null> {
    const { rows } = await this.read<RunRow<PgColumns>>('getRun', [runId]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async getThread(threadId: string): Promise<ThreadRecord | null> {
    const { rows } = await this.read<ThreadRow<PgColumns>>('getThread', [threadId]);
    return rows[0] ? toThread(rows[0]) : null;
  }

  async listUsersWithQueuedRuns(limit?: number): Promise<string[]> {
    const { rows } = await this.read<{ user_id: string }>('usersWithQueued', [listLimit(limit)]);
    return rows.map((r) => r.user_id);
  }

  async listRunningRuns(): Promise<Array<{ id: string; userId: string; ownerId: string | null }>> {
    const { rows } = await this.read<{ id: string; user_id: string; owner_id: string | null }>('running', []);
    return rows.map((r) => ({ id: r.id, userId: r.user_id, ownerId: r.owner_id }));
  }

  async countQueuedRuns(userId?: string): Promise<number> {
    const { rows } = userId === undefined ? await this.read<{ n: number }>('countQueued', []) : await this.read<{ n: number }>('countQueuedForUser', [userId]);
    return rows[0]?.n ?? 0;
  }

  async countRunningRuns(): Promise<number> {
    const { rows } = await this.read<{ n: number }>('countRunning', []);
    return rows[0]?.n ?? 0;
  }

  async listEvents(runId: string, afterSeq = 0): Promise<StoredEvent[]> {
    const { rows } = await this.read<EventRow<PgColumns>>('listEvents', [runId, afterSeq]);
    return rows.map(toEvent);
  }

  async lastSeq(runId: string): Promise<number> {
    const { rows } = await this.read<{ n: number }>('lastSeq', [runId]);
    return rows[0]?.n ?? 0;
  }

  async listThreads(userId: string, limit?: number): Promise<ThreadSummaryRecord[]> {
    const { rows } = await this.read<ThreadSummaryRow<PgColumns>>('listThreads', [userId, listLimit(limit)]);
    return rows.map(toThreadSummary);
  }

  async listMessages(threadId: string, page?: MessagePage): Promise<MessageWithRun[]> {
    const { rows } = page
      ? await this.read<MessageWithRunRow<PgColumns>>('listMessagesPage', [threadId, page.after ?? null, listLimit(page.limit)])
      : await this.read<MessageWithRunRow<PgColumns>>('listMessages', [threadId]);
    return rows.map(toMessageWithRun);
  }

  async listRuns(query: ListRunsQuery): Promise<RunSummaryRecord[]> {
    const limit = listLimit(query.limit);
    const { rows } =
      query.threadId === undefined
        ? await this.read<RunSummaryRow<PgColumns>>('listRuns', [query.userId, limit])
        : await this.read<RunSummaryRow<PgColumns>>('listThreadRuns', [query.userId, query.threadId, limit]);
    return rows.map(toRunSummary);
  }

  // ---- plumbing ----

  private async findByClientId(c: Queryable, userId: string, clientMessageId: string): Promise<AcceptMessageResult | undefined> {
    const message = (await this.query<MessageRow<PgColumns>>(c, 'findByClientId', [userId, clientMessageId])).rows[0];
    if (!message) return undefined;
    const run = (await this.query<RunRow<PgColumns>>(c, 'getRunByMessage', [message.id])).rows[0];
    if (!run) throw new Error(`Message ${message.id} has no run`);
    return { kind: 'duplicate', run: toRun(run), message: toMessage(message) };
  }

  private async insertEvents(events: StoredEvent[]): Promise<void> {
    const json = eventRows(events);
    await this.withClient((c) => this.query(c, 'insertEvents', [json]));
  }

  private query<R extends QueryResultRow = QueryResultRow>(c: Queryable, name: SqlName, values: unknown[]) {
    // Every statement is a transaction of its own (the accept too: one function call).
    ioCounters.storeStatements++;
    ioCounters.storeTransactions++;
    return c.query<R>({ name: `fs_${name}`, text: SQL[name], values });
  }

  private async read<R extends QueryResultRow>(name: SqlName, values: unknown[]) {
    this.assertOpen();
    await this.writesIssuedBefore();
    try {
      return await this.withClient((c) => this.query<R>(c, name, values));
    } catch (err) {
      throw this.mapError(err);
    }
  }

  private async writesIssuedBefore(): Promise<void> {
    const events = this.events.settled();
    if (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await events;
  }

  private write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      this.assertOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.track(
      fn().catch((err: unknown) => {
        throw this.mapError(err);
      }),
    );
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    const forget = () => this.inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /**
   * Runs `fn` on a pooled connection once a slot is free. A connection that failed (or
   * whose state is unknown) is discarded, not returned to the pool.
   */
  private withClient<T>(fn: (c: PoolClient, discard: () => void) => Promise<T>): Promise<T> {
    return this.gate.run(async () => {
      let client: PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw connectFailure(err, this.target);
      }
      let broken = false;
      const discard = () => {
        broken = true;
      };
      // The pool listens for errors of idle connections only: a connection that dies while
      // checked out and between queries (its socket reset in an outage) would otherwise emit
      // an unhandled 'error' and end the process.
      const onError = (err: unknown) => {
        broken = true;
        this.warn(err);
      };
      client.on('error', onError);
      try {
        return await fn(client, discard);
      } catch (err) {
        if (isConnectionError(err, this.target) || pgErrorCode(err) === '25P02') broken = true;
        throw err;
      } finally {
        client.off('error', onError);
        // A discarded connection may still report its socket's end: nothing to do then.
        if (broken) client.on('error', () => undefined);
        client.release(broken);
      }
    });
  }

  private mapError(err: unknown): unknown {
    return mapPgError(err, this.target);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError('postgres');
  }

  private warn(err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_INTERVAL_MS) return;
    this.lastWarnAt = now;
    const mapped = this.mapError(err);
    const text = mapped instanceof Error ? mapped.message : String(mapped);
    console.warn(`[store] PostgreSQL connection error (the pool reconnects on the next call): ${text}`);
  }
}

/** Events as the JSON array of rows json_to_recordset reads (each envelope's text made once, envelope-json.ts). */
function eventRows(events: StoredEvent[]): string {
  const rows = events.map(
    (e) =>
      `{"run_id":${JSON.stringify(e.runId)},"seq":${JSON.stringify(e.seq)},"user_id":${JSON.stringify(e.userId)},"type":${JSON.stringify(e.type)},` +
      `"envelope":${envelopeJson(e.envelope)},"created_at":${JSON.stringify(isoTimestamp(e.createdAt))}}`,
  );
  return `[${rows.join(',')}]`;
}
