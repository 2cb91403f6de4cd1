/**
 * Per-tick write batching for SQLite. Writes issued in the same tick are queued and run on
 * `setImmediate` in ONE transaction (one fsync for the lot), with no savepoint per write on
 * the happy path. When a write throws, the whole batch is rolled back and replayed write by
 * write, each in its own transaction, so a failing write rejects only its own caller and
 * never leaves half of itself behind. Every caller's promise settles after the commit. `flush()` runs the queue synchronously (reads call it first, so they see every
 * write issued before them).
 */
import { immediateTransaction, type SqliteDatabase } from './sqlite-driver.ts';
import { isSqliteUnavailable } from './sqlite-errors.ts';

type WriteFn = () => unknown;

interface QueuedWrite {
  fn: WriteFn;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown };
}

/** The batch transaction was lost mid-way (SQLite rolled it back): replay op by op. */
class BatchAbortedError extends Error {}

export class SqliteWriteQueue {
  private queue: QueuedWrite[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private holds = 0;
  private flushing = false;
  constructor(
    private readonly db: SqliteDatabase,
    private readonly mapError: (err: unknown) => unknown,
    /** Told after each committed transaction (the checkpointer counts them). */
    private readonly onCommit: () => void = () => undefined,
  ) {}

  /** The whole batch in one IMMEDIATE transaction; a failing write aborts it (BatchAbortedError). */
  private runBatch(batch: QueuedWrite[]): void {
    this.committed(() =>
      immediateTransaction(this.db, () => {
        for (const write of batch) {
          try {
            write.outcome = { ok: true, value: write.fn() };
          } catch (error) {
            // Part of this write may be applied: roll the whole batch back and replay it.
            throw new BatchAbortedError('a write of the batch failed', { cause: error });
          }
        }
      }),
    );
  }

  /** Replay only: one write alone in its own transaction. */
  private runAlone(fn: WriteFn): unknown {
    return this.committed(() => immediateTransaction(this.db, fn));
  }

  /** Runs a transaction; tells onCommit when it committed. */
  private committed<T>(transaction: () => T): T {
    const result = transaction();
    this.onCommit();
    return result;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Queues a write; it runs in the next batch and its promise settles after the commit. */
  enqueue<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.holds > 0) return;
    this.scheduled ??= setImmediate(() => {
      this.scheduled = null;
      if (this.holds === 0) this.flush();
    });
  }

  /**
   * Holds the queued writes back (they wait, the event loop does not) until the returned
   * function is called: for the checkpointer to copy the whole WAL while nothing is appended,
   * so the next commit can start the WAL over. A read still flushes at once (it must see
   * every write issued before it).
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.queue.length > 0) this.schedule();
    };
  }

  /** Runs every queued write now, synchronously, in one transaction. */
  flush(): void {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.queue;
    this.queue = [];
    try {
      this.commitBatch(batch);
    } finally {
      this.flushing = false;
    }
    if (this.queue.length === 0 && this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
  }

  private commitBatch(batch: QueuedWrite[]): void {
    try {
      this.runBatch(batch);
    } catch (error) {
      if (error instanceof BatchAbortedError) {
        this.replayOneByOne(batch);
        return;
      }
      // BEGIN or COMMIT failed: nothing of the batch is stored; every caller learns it.
      const mapped = this.mapError(error);
      for (const write of batch) write.reject(mapped);
      return;
    }
    for (const write of batch) settle(write, this.mapError);
  }

  /** Each write in its own transaction, so one that breaks the batch cannot sink the rest. */
  private replayOneByOne(batch: QueuedWrite[]): void {
    for (const write of batch) {
      try {
        write.outcome = { ok: true, value: this.runAlone(write.fn) };
      } catch (error) {
        write.outcome = { ok: false, error };
        if (isSqliteUnavailable(error)) {
          // The database itself is failing: do not hammer it with the rest.
          for (const rest of batch.slice(batch.indexOf(write) + 1)) rest.outcome = { ok: false, error };
          break;
        }
      }
    }
    for (const write of batch) settle(write, this.mapError);
  }
}

function settle(write: QueuedWrite, mapError: (err: unknown) => unknown): void {
  const outcome = write.outcome;
  if (outcome === undefined) write.reject(new Error('SQLite write was not run'));
  else if (outcome.ok) write.resolve(outcome.value);
  else write.reject(mapError(outcome.error));
}
