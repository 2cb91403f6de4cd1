/** Maps SQLite failures that make the database unusable to StoreUnavailableError. */
import { StoreUnavailableError } from '../store-errors.ts';

function sqliteCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Why the database is unusable and how to fix it, or undefined for ordinary errors. */
function unavailableHint(code: string): string | undefined {
  if (code === 'SQLITE_CANTOPEN') return 'cannot be opened: check that the folder exists and is writable (DATA_DIR or DATABASE_URL)';
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_LOCKED_')) {
    return 'is locked by another process: stop the other Flowscope using it or use another DATA_DIR';
  }
  if (code === 'SQLITE_FULL') return 'cannot grow: the disk is full, free some space';
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_')) return 'is read-only: fix the file permissions of DATA_DIR';
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_')) return 'had an I/O error: check the disk holding DATA_DIR';
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return 'is damaged or not a SQLite database: restore it from a backup or use another DATA_DIR';
  return undefined;
}

/** The error to give callers: StoreUnavailableError for database-level failures, else `err`. */
export function mapSqliteError(err: unknown, filename: string): unknown {
  if (err instanceof StoreUnavailableError) return err;
  const code = sqliteCode(err);
  const hint = code === undefined ? undefined : unavailableHint(code);
  if (code === undefined || hint === undefined) return err;
  return new StoreUnavailableError('sqlite', `SQLite database ${filename} ${hint} (${code}).`, { code, cause: err });
}

/** Whether a SQLite driver error means the database itself is unusable (not one statement). */
export function isSqliteUnavailable(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && unavailableHint(code) !== undefined;
}

export function isPrimaryKeyViolation(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
