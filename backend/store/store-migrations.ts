/**
 * Schema version bookkeeping shared by the store adapters. Each adapter keeps its own DDL,
 * transactions and locking; this decides which migrations still run. Migrations run once,
 * in version order, and are recorded in `schema_migrations`. Never edit a released
 * migration: add a new one.
 */

export interface StoreMigration {
  version: number;
  name: string;
  /** The DDL, in the adapter's dialect. */
  sql: string;
}

/**
 * The migrations not applied yet, in version order. Refuses a database written by a newer
 * Flowscope (an applied version beyond every known one): throws `tooNew(newest, known)`.
 */
export function pendingMigrations(
  migrations: readonly StoreMigration[],
  appliedVersions: Iterable<number>,
  tooNew: (newest: number, known: number) => string,
): StoreMigration[] {
  const done = new Set(appliedVersions);
  const newest = Math.max(0, ...done);
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (newest > known) throw new Error(tooNew(newest, known));
  return migrations.filter((m) => !done.has(m.version)).sort((a, b) => a.version - b.version);
}
