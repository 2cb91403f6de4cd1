/**
 * Versioned SQLite schema (see store-migrations.ts): all pending migrations run in one
 * transaction. Never edit a released migration: add a new one.
 */
import { immediateTransaction, type SqliteDatabase } from './sqlite-driver.ts';
import { pendingMigrations, type StoreMigration } from '../store-migrations.ts';

export const SQLITE_MIGRATIONS: readonly StoreMigration[] = [
  {
    version: 1,
    name: 'threads, messages, runs, events',
    sql: `
      CREATE TABLE threads (
        id          TEXT PRIMARY KEY,
        user_id     TEXT NOT NULL,
        title       TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX threads_user_updated ON threads (user_id, updated_at DESC);

      CREATE TABLE messages (
        seq                INTEGER PRIMARY KEY AUTOINCREMENT,
        id                 TEXT NOT NULL UNIQUE,
        thread_id          TEXT NOT NULL REFERENCES threads (id),
        user_id            TEXT NOT NULL,
        client_message_id  TEXT,
        content            TEXT NOT NULL,
        agent              TEXT NOT NULL,
        priority           TEXT NOT NULL CHECK (priority IN ('high', 'normal', 'low')),
        created_at         TEXT NOT NULL,
        UNIQUE (user_id, client_message_id)
      ) STRICT;
      CREATE INDEX messages_thread ON messages (thread_id, seq);

      CREATE TABLE runs (
        queue_seq      INTEGER PRIMARY KEY AUTOINCREMENT,
        id             TEXT NOT NULL UNIQUE,
        user_id        TEXT NOT NULL,
        thread_id      TEXT NOT NULL REFERENCES threads (id),
        message_id     TEXT NOT NULL UNIQUE REFERENCES messages (id),
        agent          TEXT NOT NULL,
        priority       TEXT NOT NULL CHECK (priority IN ('high', 'normal', 'low')),
        priority_rank  INTEGER NOT NULL,
        status         TEXT NOT NULL
                       CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
        input          TEXT NOT NULL,
        response       TEXT,
        error          TEXT,
        created_at     TEXT NOT NULL,
        started_at     TEXT,
        ended_at       TEXT,
        owner_id       TEXT
      ) STRICT;
      CREATE INDEX runs_queued ON runs (user_id, priority_rank, queue_seq) WHERE status = 'queued';
      CREATE INDEX runs_queued_seq ON runs (queue_seq, user_id) WHERE status = 'queued';
      CREATE INDEX runs_running ON runs (user_id) WHERE status = 'running';
      CREATE INDEX runs_user_seq ON runs (user_id, queue_seq);
      CREATE INDEX runs_thread_seq ON runs (thread_id, queue_seq);

      CREATE TABLE events (
        run_id      TEXT NOT NULL REFERENCES runs (id),
        seq         INTEGER NOT NULL,
        user_id     TEXT NOT NULL,
        type        TEXT NOT NULL,
        envelope    TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) STRICT, WITHOUT ROWID;
    `,
  },
];

/** Applies the missing migrations; refuses a database written by a newer Flowscope. */
export function migrateSqlite(db: SqliteDatabase, migrations: readonly StoreMigration[] = SQLITE_MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL
  )`);
  const applied: number[] = [];
  // IMMEDIATE: two processes starting at once take turns instead of failing mid-way.
  immediateTransaction(db, () => {
    const done = (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version);
    const pending = pendingMigrations(
      migrations,
      done,
      (newest, known) =>
        `The SQLite database is at schema version ${newest}, newer than this Flowscope knows (${known}): upgrade Flowscope or use another DATA_DIR.`,
    );
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of pending) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
      applied.push(migration.version);
    }
  });
  return applied;
}
