/** Every SQL statement of the SQLite store, prepared once per connection and reused. */
import { ioCounters } from '../../metrics/io-counters.ts';
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.ts';
import type { EventRow, MessageRow, MessageWithRunRow, RunRow, RunSummaryRow, ThreadRow, ThreadSummaryRow } from '../store-rows.ts';
import { EVENT_COLUMNS, MESSAGE_COLUMNS, RUN_COLUMNS, THREAD_COLUMNS, prefixed } from '../store-rows.ts';
import type { SqliteColumns } from './sqlite-rows.ts';

/** The statement, counting each execution (ioCounters.storeStatements). */
function counted<P extends unknown[] | object, R>(statement: SqliteStatement<P, R>): SqliteStatement<P, R> {
  return {
    run: (...params) => {
      ioCounters.storeStatements++;
      return statement.run(...params);
    },
    get: (...params) => {
      ioCounters.storeStatements++;
      return statement.get(...params);
    },
    all: (...params) => {
      ioCounters.storeStatements++;
      return statement.all(...params);
    },
  };
}

/** A run has six statuses: a finish may name them all. */
export const FINISH_STATUS_SLOTS = 6;
/** Events written by one INSERT at most (a run's batch is split into statements of this many). */
export const EVENTS_PER_INSERT = 8;

export function prepareStatements(database: SqliteDatabase) {
  const db = { prepare: <P extends unknown[] | object = unknown[], R = unknown>(sql: string) => counted(database.prepare<P, R>(sql)) };
  return {
    ping: db.prepare<[], { ok: number }>('SELECT 1 AS ok'),

    // ---- accept ----
    findByClientId: db.prepare<[string, string], MessageRow<SqliteColumns>>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE user_id = ? AND client_message_id = ?`,
    ),
    getThread: db.prepare<[string], ThreadRow<SqliteColumns>>(`SELECT ${THREAD_COLUMNS} FROM threads WHERE id = ?`),
    insertThread: db.prepare<[string, string, string, string, string]>(
      'INSERT INTO threads (id, user_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    ),
    bumpThread: db.prepare<[string, string]>('UPDATE threads SET updated_at = max(updated_at, ?) WHERE id = ?'),
    insertMessage: db.prepare<[string, string, string, string | null, string, string, string, string]>(
      `INSERT INTO messages (id, thread_id, user_id, client_message_id, content, agent, priority, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    /** Queued (status `queued`, no owner, not started), or already claimed (`running`, its owner, started). */
    insertRun: db.prepare<[string, string, string, string, string, string, number, 'queued' | 'running', string, string, string | null, string | null]>(
      `INSERT INTO runs (id, user_id, thread_id, message_id, agent, priority, priority_rank, status, input, created_at, owner_id, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    /**
     * What an accept checks, in one statement, before it writes: the thread's owner (null:
     * no such thread), the user's queued runs, and the runs that will execute before a new
     * run of priority `rank` (running, queued of a better rank, queued of the same rank: all
     * of these were queued before it). Each count is on a partial index (runs_running,
     * runs_queued), so the cost is that of the user's running and queued runs, never of their
     * history (one OR over all statuses would read every run the user ever had).
     */
    acceptChecks: db.prepare<{ thread: string; userId: string; rank: number }, { owner: string | null; queued: number; ahead: number }>(
      `SELECT (SELECT user_id FROM threads WHERE id = @thread) AS owner,
              (SELECT count(*) FROM runs WHERE user_id = @userId AND status = 'queued') AS queued,
              (SELECT count(*) FROM runs WHERE user_id = @userId AND status = 'running')
                + (SELECT count(*) FROM runs WHERE user_id = @userId AND status = 'queued' AND priority_rank <= @rank) AS ahead`,
    ),

    // ---- runs ----
    getRun: db.prepare<[string], RunRow<SqliteColumns>>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
    getRunByMessage: db.prepare<[string], RunRow<SqliteColumns>>(`SELECT ${RUN_COLUMNS} FROM runs WHERE message_id = ?`),
    claimNext: db.prepare<[string, string, string], RunRow<SqliteColumns>>(
      `UPDATE runs SET status = 'running', owner_id = ?, started_at = ?
       WHERE status = 'queued' AND queue_seq = (
         SELECT queue_seq FROM runs WHERE user_id = ? AND status = 'queued'
         ORDER BY priority_rank, queue_seq LIMIT 1)
       RETURNING ${RUN_COLUMNS}`,
    ),
    releaseRun: db.prepare<[string, string]>(
      `UPDATE runs SET status = 'queued', owner_id = NULL, started_at = NULL WHERE id = ? AND status = 'running' AND owner_id = ?`,
    ),
    /** The statuses it may finish from: FINISH_STATUS_SLOTS parameters, the unused ones null. */
    finishRun: db.prepare<[string, string | null, string | null, string, string, ...Array<string | null>]>(
      `UPDATE runs SET status = ?, response = ?, error = ?, ended_at = ?, owner_id = NULL
       WHERE id = ?
         AND status IN (${Array(FINISH_STATUS_SLOTS).fill('?').join(', ')})
         AND (? IS NULL OR owner_id = ?)`,
    ),
    usersWithQueued: db.prepare<[number], { user_id: string }>(
      `SELECT user_id FROM runs WHERE status = 'queued' GROUP BY user_id ORDER BY min(queue_seq) LIMIT ?`,
    ),
    running: db.prepare<[], { id: string; user_id: string; owner_id: string | null }>(
      `SELECT id, user_id, owner_id FROM runs WHERE status = 'running' ORDER BY queue_seq`,
    ),
    countQueued: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM runs WHERE status = 'queued'`),
    countQueuedForUser: db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM runs WHERE user_id = ? AND status = 'queued'`),
    countRunning: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM runs WHERE status = 'running'`),
    listRuns: db.prepare<[string, number], RunSummaryRow<SqliteColumns>>(
      `SELECT ${prefixed('r', RUN_COLUMNS)}, (SELECT count(*) FROM events e WHERE e.run_id = r.id) AS event_count
       FROM runs r WHERE r.user_id = ? ORDER BY r.queue_seq DESC LIMIT ?`,
    ),
    listThreadRuns: db.prepare<[string, string, number], RunSummaryRow<SqliteColumns>>(
      `SELECT ${prefixed('r', RUN_COLUMNS)}, (SELECT count(*) FROM events e WHERE e.run_id = r.id) AS event_count
       FROM runs r WHERE r.user_id = ? AND r.thread_id = ? ORDER BY r.queue_seq DESC LIMIT ?`,
    ),

    // ---- events ----
    /** `insertEvents[n]`: n events (1..EVENTS_PER_INSERT) in one statement, six parameters each. */
    insertEvents: Array.from({ length: EVENTS_PER_INSERT + 1 }, (_, n) =>
      n === 0
        ? null
        : db.prepare<Array<string | number>>(
            `INSERT INTO events (run_id, seq, user_id, type, envelope, created_at) VALUES ${Array(n).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`,
          ),
    ),
    listEvents: db.prepare<[string, number], EventRow<SqliteColumns>>(`SELECT ${EVENT_COLUMNS} FROM events WHERE run_id = ? AND seq > ? ORDER BY seq`),
    lastSeq: db.prepare<[string], { n: number }>(`SELECT coalesce(max(seq), 0) AS n FROM events WHERE run_id = ?`),

    // ---- threads and messages ----
    listThreads: db.prepare<[string, number], ThreadSummaryRow<SqliteColumns>>(
      `SELECT ${prefixed('t', THREAD_COLUMNS)},
              (SELECT count(*) FROM messages m WHERE m.thread_id = t.id) AS message_count,
              (SELECT max(m.seq) FROM messages m WHERE m.thread_id = t.id) AS last_seq
       FROM threads t WHERE t.user_id = ?
       ORDER BY t.updated_at DESC, last_seq DESC LIMIT ?`,
    ),
    listMessages: db.prepare<[string], MessageWithRunRow<SqliteColumns>>(
      `SELECT ${prefixed('m', MESSAGE_COLUMNS)}, r.id AS run_id, r.status AS run_status
       FROM messages m JOIN runs r ON r.message_id = m.id
       WHERE m.thread_id = ? ORDER BY m.seq`,
    ),
    /** One page: messages after the message `after` (its id; null: from the start), at most `limit`. */
    listMessagesPage: db.prepare<[{ thread: string; after: string | null; limit: number }], MessageWithRunRow<SqliteColumns>>(
      `SELECT ${prefixed('m', MESSAGE_COLUMNS)}, r.id AS run_id, r.status AS run_status
       FROM messages m JOIN runs r ON r.message_id = m.id
       WHERE m.thread_id = @thread
         AND m.seq > (CASE WHEN @after IS NULL THEN 0 ELSE (SELECT c.seq FROM messages c WHERE c.id = @after AND c.thread_id = @thread) END)
       ORDER BY m.seq LIMIT @limit`,
    ),
  };
}

export type SqliteStatements = ReturnType<typeof prepareStatements>;
