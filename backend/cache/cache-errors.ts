/**
 * Errors the cache raises to its callers. `CacheUnavailableError` means "the cache server
 * cannot be reached right now" (refused, dropped, timed out, closed); callers treat it as a
 * dependency outage (health 503, refuse the request) rather than a bug.
 */
export class CacheUnavailableError extends Error {
  readonly code = 'CACHE_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CacheUnavailableError';
  }
}

export function isCacheUnavailable(error: unknown): error is CacheUnavailableError {
  return error instanceof CacheUnavailableError;
}

/** Driver messages and error codes that mean the connection, not the command, failed. */
const CONNECTION_FAILURE =
  /Stream isn't writeable|Connection is closed|Command timed out|Reached the max retries|Socket closed unexpectedly|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|^LOADING|^MASTERDOWN|^READONLY/;

/** Whether `error` (thrown by a driver command) says the server is unreachable. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_FAILURE.test(code)) return true;
  return CONNECTION_FAILURE.test(error.message);
}

/** The reason in a driver error, for a one-line message (never the URL or credentials). */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
