/**
 * The persistence contract, in domain terms only: no driver types cross it. Every
 * adapter (SQLite, PostgreSQL) implements it and passes `store.contract.test.ts`.
 *
 * Consistency rules every adapter keeps:
 * - A write's promise resolves only once the write is durable (committed). Adapters may
 *   batch writes issued in the same tick into one transaction.
 * - Reads see every write whose promise has resolved, and every write issued before the read.
 * - Timestamps are ISO-8601 strings in UTC.
 */
import type { FinalRunStatus, Priority, RunEventEnvelope, RunStatus, ScriptStep } from '../../protocol/index.ts';

export interface ThreadRecord {
  id: string;
  userId: string;
  title: string;
  createdAt: string;
  updatedAt: string;
}

export interface ThreadSummaryRecord extends ThreadRecord {
  messageCount: number;
}

export interface RunInput {
  content: string;
  agent: string;
  script?: ScriptStep[];
}

export interface MessageRecord {
  id: string;
  threadId: string;
  userId: string;
  /** The client's `message_id`, used for de-duplication per user. */
  clientMessageId: string | null;
  content: string;
  agent: string;
  priority: Priority;
  createdAt: string;
}

export interface MessageWithRun extends MessageRecord {
  runId: string;
  runStatus: RunStatus;
}

export interface RunRecord {
  id: string;
  userId: string;
  threadId: string;
  messageId: string;
  agent: string;
  priority: Priority;
  status: RunStatus;
  input: RunInput;
  response: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Instance id of the process executing the run (status `running`), else null. */
  ownerId: string | null;
}

export interface RunSummaryRecord extends RunRecord {
  eventCount: number;
}

export interface StoredEvent {
  runId: string;
  seq: number;
  userId: string;
  type: RunEventEnvelope['type'];
  envelope: RunEventEnvelope;
  createdAt: string;
}

export interface AcceptMessageInput {
  /**
   * Created when no thread with this id exists; must belong to `userId` when it does.
   * `mustExist`: an unknown id is `thread_not_found` too, like another user's (a client-chosen
   * thread id never creates a thread, so ids reveal nothing and cannot be squatted).
   */
  thread: { id: string; title: string; mustExist?: boolean };
  message: MessageRecord;
  run: RunRecord;
  /** When set, refuse with `queue_full` if the user already has this many queued runs. */
  maxQueuedPerUser?: number;
  /**
   * When set and the message is accepted: `claimNextRun` for it in the same transaction
   * (the engine that holds the user's lease takes the user's next run, normally this one,
   * in the accept's write). Its result is `claimed`.
   */
  claim?: ClaimRequest;
}

export type AcceptMessageResult =
  | {
      kind: 'accepted';
      /** As queued (the claim, if any, is `claimed`). */
      run: RunRecord;
      message: MessageRecord;
      queuePosition: number;
      /** With `claim`: the run claimed in the same transaction (null: none queued). */
      claimed?: RunRecord | null;
    }
  | { kind: 'duplicate'; run: RunRecord; message: MessageRecord }
  | { kind: 'thread_not_found' }
  | { kind: 'queue_full'; queued: number };

export interface FinishRunInput {
  status: FinalRunStatus;
  response: string | null;
  error: string | null;
  endedAt: string;
  /** The run's `agent_completed` event, stored in the same transaction as the status. */
  finalEvent: StoredEvent;
  /**
   * Events of the run not stored yet that come before the final one (seq order): stored in
   * the same transaction, before it (pipelined persistence: the last events of a run and its
   * end in one write). Nothing of them is stored when the run does not finish.
   */
  events?: StoredEvent[];
  /** Only finish the run if its current status is one of these (default: queued or running). */
  expectedStatuses?: RunStatus[];
  /** Only finish the run if it is owned by this instance (for running runs). */
  expectedOwnerId?: string;
}

/** Who claims a user's next run, and when (see Store.claimNextRun). */
export interface ClaimRequest {
  userId: string;
  ownerId: string;
  startedAt: string;
}

/** A page of a thread's messages: after the message with id `after` (from the start when absent). */
export interface MessagePage {
  after?: string | null;
  limit?: number;
}

export interface ListRunsQuery {
  userId: string;
  threadId?: string;
  limit?: number;
}

export interface Store {
  /** The adapter's label (`sqlite`, `postgres`), as `/health` reports it; never branch on it. */
  readonly kind: string;
  /** The driver under the adapter, where it has a choice (SQLite: `better-sqlite3` or `node`). */
  readonly driver?: string | undefined;
  /** See StoreCapabilities.crossProcess. */
  readonly crossProcess: boolean;
  /** Where its data lives: the PostgreSQL schema, or the SQLite file. */
  readonly namespace: string;
  /** Applies migrations. Safe to call on an up-to-date database. */
  init(): Promise<void>;
  /** Cheap round trip for health checks; rejects when the database is unreachable. */
  ping(): Promise<void>;
  /** Flushes pending writes and releases connections. */
  close(): Promise<void>;

  /**
   * Atomically: de-duplicates by (userId, clientMessageId), checks thread ownership,
   * creates the thread if needed, and stores the message and its queued run.
   */
  acceptMessage(input: AcceptMessageInput): Promise<AcceptMessageResult>;

  getRun(runId: string): Promise<RunRecord | null>;
  getThread(threadId: string): Promise<ThreadRecord | null>;

  /**
   * Atomically claims the user's next queued run (priority high, normal, low; FIFO within
   * a priority): marks it running, owned by `ownerId`, started now. Null when none.
   * At most one caller ever gets a given run.
   */
  claimNextRun(userId: string, ownerId: string, startedAt: string): Promise<RunRecord | null>;

  /** User ids that have at least one queued run, oldest work first. */
  listUsersWithQueuedRuns(limit?: number): Promise<string[]>;
  /** Runs currently in status running (for the interrupted-run sweeper). */
  listRunningRuns(): Promise<Array<{ id: string; userId: string; ownerId: string | null }>>;
  countQueuedRuns(userId?: string): Promise<number>;
  countRunningRuns(): Promise<number>;

  /** Persists a run event. Resolves once durable; adapters batch per tick. */
  appendEvent(event: StoredEvent): Promise<void>;
  /**
   * Persists events (of one run, in seq order) all or none: resolves once all are durable,
   * rejects having stored none of them. Adapters batch the calls of a tick (group commit
   * across runs and users).
   */
  appendEvents(events: StoredEvent[]): Promise<void>;
  /**
   * Sets the run's final status and stores its final event, atomically, only when the
   * current status (and owner) match. Returns false (and stores nothing) otherwise.
   */
  finishRun(runId: string, input: FinishRunInput): Promise<boolean>;
  /**
   * `finishRun`, then `claimNextRun` for `claim`, in one transaction (one write): the engine
   * ends a run and takes the user's next one in the same commit. The claim is made whether
   * or not the finish took effect.
   */
  finishRunAndClaimNext(runId: string, input: FinishRunInput, claim: ClaimRequest): Promise<{ finished: boolean; next: RunRecord | null }>;
  /**
   * Gives a claimed run back to the queue (status queued, no owner, not started), only when
   * it is running and owned by `ownerId`; false otherwise. For a run claimed with a finish
   * that its engine, stopped meanwhile, will not execute.
   */
  releaseRun(runId: string, ownerId: string): Promise<boolean>;
  /** Events of a run with seq > afterSeq, in seq order. */
  listEvents(runId: string, afterSeq?: number): Promise<StoredEvent[]>;
  /** Highest seq stored for the run (0 when none). */
  lastSeq(runId: string): Promise<number>;

  listThreads(userId: string, limit?: number): Promise<ThreadSummaryRecord[]>;
  /** The thread's messages in order; with `page`, at most `page.limit` after the message `page.after` (none when that id is not in the thread). */
  listMessages(threadId: string, page?: MessagePage): Promise<MessageWithRun[]>;
  listRuns(query: ListRunsQuery): Promise<RunSummaryRecord[]>;
}

export interface StoreOptions {
  /** `undefined` or `sqlite:...`: SQLite; `postgres://...`: PostgreSQL. */
  databaseUrl?: string | undefined;
  /** Folder for the SQLite file when databaseUrl is unset. */
  dataDir: string;
  /** PostgreSQL schema to use (tests use one per run); default `public`. */
  schema?: string;
  /** SQLite: which driver opens the file (`auto`, `better-sqlite3`, `node`; sqlite/sqlite-driver.ts). */
  sqliteDriver?: 'auto' | 'better-sqlite3' | 'node' | undefined;
  /** SQLite: a `better_sqlite3.node` built for this runtime (SQLITE_NATIVE_BINDING). */
  sqliteNativeBinding?: string | undefined;
  /**
   * A private namespace of its own, created now and dropped (with all its data) when the
   * store closes: PostgreSQL a fresh schema, SQLite a file in a fresh temporary folder. For
   * embedded backends, tests and benchmarks on a shared server. Not with `schema`.
   */
  ephemeral?: boolean;
}

/** What an adapter can do, for code that must not ask which adapter it is. */
export interface StoreCapabilities {
  /** Several backend processes can share this store (scale-out): PostgreSQL yes, SQLite no. */
  readonly crossProcess: boolean;
}
