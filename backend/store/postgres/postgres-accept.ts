/**
 * The PostgreSQL accept in one statement: `fs_accept_message(...)`, a PL/pgSQL function (made
 * by migration 2) that the store calls once per accepted message: one round trip, one
 * transaction, instead of BEGIN, the lock, the lookups, the counts, the inserts and COMMIT.
 *
 * Why a function and not one statement of data-modifying CTEs: a statement reads one snapshot,
 * taken when it starts, so a lock it takes cannot make it see what the accept holding the lock
 * before it committed. Two accepts of one user from two processes would then both count the
 * queue without the other (queue_full passed by one, equal queue positions) and could commit
 * out of `queue_seq` order (a claim between the two commits would take the later run first).
 * In a VOLATILE function each statement takes a fresh snapshot, so the per-user lock taken
 * first (the same key as before: older processes of a rolling upgrade serialize with it) gives
 * every statement after it the user's latest state: the same guarantees as the transaction it
 * replaces, in one round trip.
 *
 * With a claim, the user's next run is claimed in the same call: a queued run ahead of the new
 * one (FOR UPDATE SKIP LOCKED, as claimNext), else the new run itself, inserted already
 * `running` (it never enters the queued index).
 *
 * The reply is one JSON value: `{kind: 'duplicate', message, run}` (rows as row_to_json makes
 * them), `{kind: 'thread_not_found'}`, `{kind: 'queue_full', queued}`, or
 * `{kind: 'accepted', queuePosition, claimed}` (claimed: a run row or null).
 */
import type { MessageRow, RunRow } from '../store-rows.ts';
import type { PgColumns } from './postgres-rows.ts';

export type AcceptReply =
  | { kind: 'duplicate'; message: MessageRow<PgColumns>; run: RunRow<PgColumns> | null }
  | { kind: 'thread_not_found' }
  | { kind: 'queue_full'; queued: number }
  | { kind: 'accepted'; queuePosition: number; claimed: RunRow<PgColumns> | null };

/**
 * The columns the function returns, as written in migration 2: literal, not RUN_COLUMNS /
 * MESSAGE_COLUMNS of store-rows.ts, since an applied migration never changes in a database
 * (a test checks they still match; when store-rows.ts changes, a new migration replaces the
 * function).
 */
export const ACCEPT_RUN_COLUMNS =
  'id, user_id, thread_id, message_id, agent, priority, status, input, response, error, created_at, started_at, ended_at, owner_id';
export const ACCEPT_MESSAGE_COLUMNS = 'id, thread_id, user_id, client_message_id, content, agent, priority, created_at';
const RUN_COLUMNS = ACCEPT_RUN_COLUMNS;
const MESSAGE_COLUMNS = ACCEPT_MESSAGE_COLUMNS;

/** Serializes the accepts of one user across processes (the key the multi-statement accept used). */
const USER_LOCK = 'pg_advisory_xact_lock(20240, hashtext(p_user_id))';

/** Migration 2. Tables unqualified: they resolve through the caller's search_path (the store's schema). */
export const ACCEPT_MESSAGE_FUNCTION = `
CREATE OR REPLACE FUNCTION fs_accept_message(
  p_user_id text, p_thread_id text, p_thread_title text, p_must_exist boolean,
  p_message_id text, p_client_message_id text, p_content text, p_agent text, p_priority text, p_created_at timestamptz,
  p_run_id text, p_run_agent text, p_run_priority text, p_rank smallint, p_input json, p_run_created_at timestamptz,
  p_max_queued integer, p_claim_owner text, p_claim_started timestamptz
) RETURNS json LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_result json;
  v_owner text;
  v_queued integer;
  v_position integer;
  v_claimed json;
  v_claim_new boolean;
BEGIN
  PERFORM ${USER_LOCK};

  IF p_client_message_id IS NOT NULL THEN
    SELECT json_build_object('kind', 'duplicate', 'message', row_to_json(m),
             'run', (SELECT row_to_json(r) FROM (SELECT ${RUN_COLUMNS} FROM runs WHERE message_id = m.id) r))
      INTO v_result
      FROM (SELECT ${MESSAGE_COLUMNS} FROM messages WHERE user_id = p_user_id AND client_message_id = p_client_message_id) m;
    IF v_result IS NOT NULL THEN
      RETURN v_result;
    END IF;
  END IF;

  SELECT user_id INTO v_owner FROM threads WHERE id = p_thread_id;
  IF (v_owner IS NULL AND p_must_exist) OR v_owner <> p_user_id THEN
    RETURN json_build_object('kind', 'thread_not_found');
  END IF;

  IF p_max_queued IS NOT NULL THEN
    SELECT count(*)::int INTO v_queued FROM runs WHERE user_id = p_user_id AND status = 'queued';
    IF v_queued >= p_max_queued THEN
      RETURN json_build_object('kind', 'queue_full', 'queued', v_queued);
    END IF;
  END IF;

  -- Refusals are decided: from here on everything is written.
  IF v_owner IS NULL THEN
    INSERT INTO threads (id, user_id, title, created_at, updated_at)
      VALUES (p_thread_id, p_user_id, p_thread_title, p_created_at, p_created_at)
      ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
      -- Made meanwhile by an accept of another user (the lock is per user): whose is it?
      SELECT user_id INTO v_owner FROM threads WHERE id = p_thread_id;
      IF v_owner <> p_user_id THEN
        RETURN json_build_object('kind', 'thread_not_found');
      END IF;
    END IF;
  END IF;
  IF v_owner IS NOT NULL THEN
    UPDATE threads SET updated_at = GREATEST(updated_at, p_created_at) WHERE id = p_thread_id;
  END IF;

  -- A unique violation here (the same client id stored by an accept that did not take the
  -- lock) aborts the whole call; the caller then answers with the original.
  INSERT INTO messages (id, thread_id, user_id, client_message_id, content, agent, priority, created_at)
    VALUES (p_message_id, p_thread_id, p_user_id, p_client_message_id, p_content, p_agent, p_priority, p_created_at);

  -- Runs ahead of the new one: running ones, and queued ones of its priority or higher (it
  -- comes last within its priority). On the partial indexes: flat in the user's history.
  v_position := (SELECT count(*) FROM runs WHERE user_id = p_user_id AND status = 'running')
              + (SELECT count(*) FROM runs WHERE user_id = p_user_id AND status = 'queued' AND priority_rank <= p_rank);

  v_claim_new := false;
  IF p_claim_owner IS NOT NULL THEN
    WITH claimed AS (
      UPDATE runs SET status = 'running', owner_id = p_claim_owner, started_at = p_claim_started
      WHERE status = 'queued' AND id = (
        SELECT id FROM runs WHERE user_id = p_user_id AND status = 'queued' AND priority_rank <= p_rank
        ORDER BY priority_rank, queue_seq LIMIT 1
        FOR UPDATE SKIP LOCKED)
      RETURNING ${RUN_COLUMNS})
    SELECT row_to_json(claimed) INTO v_claimed FROM claimed;
    v_claim_new := v_claimed IS NULL;
  END IF;

  WITH inserted AS (
    INSERT INTO runs (id, user_id, thread_id, message_id, agent, priority, priority_rank, status, input, created_at, owner_id, started_at)
    VALUES (p_run_id, p_user_id, p_thread_id, p_message_id, p_run_agent, p_run_priority, p_rank,
            CASE WHEN v_claim_new THEN 'running' ELSE 'queued' END, p_input, p_run_created_at,
            CASE WHEN v_claim_new THEN p_claim_owner END, CASE WHEN v_claim_new THEN p_claim_started END)
    RETURNING ${RUN_COLUMNS})
  SELECT CASE WHEN v_claim_new THEN row_to_json(inserted) ELSE v_claimed END INTO v_claimed FROM inserted;

  RETURN json_build_object('kind', 'accepted', 'queuePosition', v_position, 'claimed', v_claimed);
END
$fn$;
`;

/** The call: one statement, its reply in column `r`. */
export const ACCEPT_MESSAGE_CALL = `SELECT fs_accept_message(
  $1::text, $2::text, $3::text, $4::boolean, $5::text, $6::text, $7::text, $8::text, $9::text, $10::timestamptz,
  $11::text, $12::text, $13::text, $14::smallint, $15::json, $16::timestamptz, $17::integer, $18::text, $19::timestamptz) AS r`;
