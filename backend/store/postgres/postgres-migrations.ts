/**
 * Versioned PostgreSQL schema (see store-migrations.ts), applied at start under a session
 * advisory lock so several processes starting at once migrate once. Each migration runs in
 * its own transaction. Never edit a released migration: add a new one.
 */
import type { ClientBase } from 'pg';
import { pendingMigrations, type StoreMigration } from '../store-migrations.ts';
import { ACCEPT_MESSAGE_FUNCTION } from './postgres-accept.ts';

export const POSTGRES_MIGRATIONS: readonly StoreMigration[] = [
  {
    version: 1,
    name: 'threads, messages, runs, events',
    sql: `
      CREATE TABLE threads (
        id          text PRIMARY KEY,
        user_id     text NOT NULL,
        title       text NOT NULL,
        created_at  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL
      );
      CREATE INDEX threads_user_updated ON threads (user_id, updated_at DESC);

      CREATE TABLE messages (
        seq                bigserial PRIMARY KEY,
        id                 text NOT NULL UNIQUE,
        thread_id          text NOT NULL REFERENCES threads (id),
        user_id            text NOT NULL,
        client_message_id  text,
        content            text NOT NULL,
        agent              text NOT NULL,
        priority           text NOT NULL CHECK (priority IN ('high', 'normal', 'low')),
        created_at         timestamptz NOT NULL,
        CONSTRAINT messages_user_client_id UNIQUE (user_id, client_message_id)
      );
      CREATE INDEX messages_thread ON messages (thread_id, seq);

      CREATE TABLE runs (
        id             text PRIMARY KEY,
        queue_seq      bigserial NOT NULL UNIQUE,
        user_id        text NOT NULL,
        thread_id      text NOT NULL REFERENCES threads (id),
        message_id     text NOT NULL UNIQUE REFERENCES messages (id),
        agent          text NOT NULL,
        priority       text NOT NULL CHECK (priority IN ('high', 'normal', 'low')),
        priority_rank  smallint NOT NULL,
        status         text NOT NULL
                       CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
        input          json NOT NULL,
        response       text,
        error          text,
        created_at     timestamptz NOT NULL,
        started_at     timestamptz,
        ended_at       timestamptz,
        owner_id       text
      );
      CREATE INDEX runs_queued ON runs (user_id, priority_rank, queue_seq) WHERE status = 'queued';
      CREATE INDEX runs_queued_seq ON runs (queue_seq, user_id) WHERE status = 'queued';
      CREATE INDEX runs_running ON runs (user_id) WHERE status = 'running';
      CREATE INDEX runs_user_seq ON runs (user_id, queue_seq DESC);
      CREATE INDEX runs_thread_seq ON runs (thread_id, queue_seq DESC);

      CREATE TABLE events (
        run_id      text NOT NULL REFERENCES runs (id),
        seq         integer NOT NULL,
        user_id     text NOT NULL,
        type        text NOT NULL,
        envelope    json NOT NULL,
        created_at  timestamptz NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
    `,
  },
  {
    version: 2,
    name: 'the accept as one statement (fs_accept_message)',
    sql: ACCEPT_MESSAGE_FUNCTION,
  },
];

/** A schema name safe to splice into SQL and `search_path`: lower-case identifier. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Invalid PostgreSQL schema name "${schema}": use 1-63 lower-case letters, digits and underscores.`);
  }
  return schema;
}

/**
 * Creates the schema if missing and applies the missing migrations, holding
 * `pg_advisory_lock` for the schema meanwhile. `client` is a dedicated connection.
 */
export async function migratePostgres(client: ClientBase, schema: string, migrations: readonly StoreMigration[] = POSTGRES_MIGRATIONS): Promise<number[]> {
  const s = `"${checkSchemaName(schema)}"`;
  const lockKey = `flowscope:migrations:${schema}`;
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      version     integer PRIMARY KEY,
      name        text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const pending = pendingMigrations(
      migrations,
      rows.map((r) => r.version),
      (newest, known) =>
        `PostgreSQL schema "${schema}" is at version ${newest}, newer than this Flowscope knows (${known}): upgrade Flowscope or use another schema.`,
    );
    const applied: number[] = [];
    for (const migration of pending) {
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path TO ${s}`);
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
  }
}
