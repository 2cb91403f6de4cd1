/**
 * Errors a Store raises in domain terms, so callers can answer without knowing the driver.
 * Messages never contain secrets (passwords, tokens).
 */

/**
 * The database cannot be reached or used right now (server down, connection lost, file
 * not openable). The server answers `UNAVAILABLE` / HTTP 503; retrying later may succeed.
 * The message says what failed and how to fix it.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  /** The adapter's label (`sqlite`, `postgres`). */
  readonly store: string;
  /** Driver or system code when known (`ECONNREFUSED`, `57P01`, `SQLITE_CANTOPEN`...). */
  readonly code: string | undefined;

  constructor(store: string, message: string, options: { code?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.store = store;
    this.code = options.code;
  }
}

/**
 * A write conflicts with data already stored and was refused, e.g. an event whose
 * (run_id, seq) is already stored. Nothing was overwritten.
 */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** The store was closed; it accepts no more calls. */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError';
  constructor(kind: string) {
    super(`The ${kind} store is closed.`);
  }
}

export function isStoreUnavailableError(err: unknown): err is StoreUnavailableError {
  return err instanceof StoreUnavailableError;
}
