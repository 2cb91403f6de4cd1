/**
 * The SQL of the PostgreSQL store. Each statement has a name, so pg prepares it once per
 * connection. Table names are unqualified: the pool sets `search_path` to the schema.
 */
import { EVENT_COLUMNS, MESSAGE_COLUMNS, RUN_COLUMNS, THREAD_COLUMNS, prefixed } from '../store-rows.ts';
import { ACCEPT_MESSAGE_CALL } from './postgres-accept.ts';

/**
 * A run's end, the two CTEs both finishing statements start with: `updated`, the status
 * change ($1 run, $2 status, $3 response, $4 error, $5 ended, $6 the statuses it may end
 * from, $7 the owner or null), and `inserted`, only when it took effect, the run's remaining
 * events and its final one ($8, a JSON array in seq order).
 */
const FINISH_RUN = `updated AS (
    UPDATE runs SET status = $2, response = $3, error = $4, ended_at = $5, owner_id = NULL
    WHERE id = $1 AND status = ANY($6::text[]) AND ($7::text IS NULL OR owner_id = $7)
    RETURNING id),
  inserted AS (
    INSERT INTO events (run_id, seq, user_id, type, envelope, created_at)
    SELECT run_id, seq, user_id, type, envelope, created_at
    FROM json_to_recordset($8::json)
      AS e(run_id text, seq integer, user_id text, type text, envelope json, created_at timestamptz)
    WHERE EXISTS (SELECT 1 FROM updated)
    RETURNING seq)`;

export const SQL = {
  ping: 'SELECT 1',

  /** The accept in one statement (postgres-accept.ts). */
  acceptMessage: ACCEPT_MESSAGE_CALL,
  /** The original of a duplicate the accept's call could not answer itself (see PostgresStore.acceptMessage). */
  findByClientId: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE user_id = $1 AND client_message_id = $2`,
  getThread: `SELECT ${THREAD_COLUMNS} FROM threads WHERE id = $1`,

  getRun: `SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`,
  getRunByMessage: `SELECT ${RUN_COLUMNS} FROM runs WHERE message_id = $1`,
  /** SKIP LOCKED: concurrent claimers (any process) take different runs, never the same. */
  claimNext: `UPDATE runs SET status = 'running', owner_id = $2, started_at = $3
              WHERE status = 'queued' AND id = (
                SELECT id FROM runs WHERE user_id = $1 AND status = 'queued'
                ORDER BY priority_rank, queue_seq LIMIT 1
                FOR UPDATE SKIP LOCKED)
              RETURNING ${RUN_COLUMNS}`,
  /**
   * A run's end in ONE statement (one round trip, atomic): FINISH_RUN, the status change and
   * its events. A duplicate event fails the whole statement, so nothing is changed.
   */
  finishRunWithEvents: `WITH ${FINISH_RUN}
                        SELECT (SELECT count(*)::int FROM updated) AS updated`,
  /**
   * finishRunWithEvents and claimNext ($9 user, $10 owner, $11 started) in one statement:
   * one row, `updated` and the claimed run's columns (all null when none was queued). The
   * claim reads the queue as it was before the finish (the finished run was not queued).
   */
  finishRunAndClaim: `WITH ${FINISH_RUN},
                      claimed AS (
                        UPDATE runs SET status = 'running', owner_id = $10, started_at = $11
                        WHERE status = 'queued' AND id = (
                          SELECT id FROM runs WHERE user_id = $9 AND status = 'queued'
                          ORDER BY priority_rank, queue_seq LIMIT 1
                          FOR UPDATE SKIP LOCKED)
                        RETURNING ${RUN_COLUMNS})
                      SELECT (SELECT count(*)::int FROM updated) AS updated, claimed.*
                      FROM (SELECT 1) AS one LEFT JOIN claimed ON true`,
  releaseRun: `UPDATE runs SET status = 'queued', owner_id = NULL, started_at = NULL
               WHERE id = $1 AND status = 'running' AND owner_id = $2`,
  usersWithQueued: `SELECT user_id FROM runs WHERE status = 'queued' GROUP BY user_id ORDER BY min(queue_seq) LIMIT $1`,
  running: `SELECT id, user_id, owner_id FROM runs WHERE status = 'running' ORDER BY queue_seq`,
  countQueued: `SELECT count(*)::int AS n FROM runs WHERE status = 'queued'`,
  countQueuedForUser: `SELECT count(*)::int AS n FROM runs WHERE user_id = $1 AND status = 'queued'`,
  countRunning: `SELECT count(*)::int AS n FROM runs WHERE status = 'running'`,
  listRuns: `SELECT ${prefixed('r', RUN_COLUMNS)}, (SELECT count(*)::int FROM events e WHERE e.run_id = r.id) AS event_count
             FROM runs r WHERE r.user_id = $1 ORDER BY r.queue_seq DESC LIMIT $2`,
  listThreadRuns: `SELECT ${prefixed('r', RUN_COLUMNS)}, (SELECT count(*)::int FROM events e WHERE e.run_id = r.id) AS event_count
                   FROM runs r WHERE r.user_id = $1 AND r.thread_id = $2 ORDER BY r.queue_seq DESC LIMIT $3`,

  /** Many events in one statement, all or none: an existing (run_id, seq) fails it (never overwritten). */
  insertEvents: `INSERT INTO events (run_id, seq, user_id, type, envelope, created_at)
                 SELECT run_id, seq, user_id, type, envelope, created_at
                 FROM json_to_recordset($1::json)
                   AS e(run_id text, seq integer, user_id text, type text, envelope json, created_at timestamptz)`,
  listEvents: `SELECT ${EVENT_COLUMNS} FROM events WHERE run_id = $1 AND seq > $2 ORDER BY seq`,
  lastSeq: 'SELECT coalesce(max(seq), 0)::int AS n FROM events WHERE run_id = $1',

  listThreads: `SELECT ${prefixed('t', THREAD_COLUMNS)},
                       (SELECT count(*)::int FROM messages m WHERE m.thread_id = t.id) AS message_count,
                       (SELECT max(m.seq) FROM messages m WHERE m.thread_id = t.id) AS last_seq
                FROM threads t WHERE t.user_id = $1
                ORDER BY t.updated_at DESC, last_seq DESC NULLS LAST LIMIT $2`,
  listMessages: `SELECT ${prefixed('m', MESSAGE_COLUMNS)}, r.id AS run_id, r.status AS run_status
                 FROM messages m JOIN runs r ON r.message_id = m.id
                 WHERE m.thread_id = $1 ORDER BY m.seq`,
  listMessagesPage: `SELECT ${prefixed('m', MESSAGE_COLUMNS)}, r.id AS run_id, r.status AS run_status
                 FROM messages m JOIN runs r ON r.message_id = m.id
                 WHERE m.thread_id = $1
                   AND m.seq > (CASE WHEN $2::text IS NULL THEN 0 ELSE (SELECT c.seq FROM messages c WHERE c.id = $2::text AND c.thread_id = $1) END)
                 ORDER BY m.seq LIMIT $3`,
} as const;

export type SqlName = keyof typeof SQL;
