/**
 * The one test of "a dependency cannot serve now" for the whole backend: the store or the
 * cache is down, unreachable or closed, as opposed to a bug. Adapters raise their folder's
 * error class (store-errors.ts, cache-errors.ts); callers ask here, never by class name.
 */
import { CacheUnavailableError } from '../cache/cache-errors.ts';
import { StoreClosedError, StoreUnavailableError } from '../store/store-errors.ts';

/** The store or cache is down or unreachable: retrying later may succeed (HTTP 503, `UNAVAILABLE`). */
export function isUnavailable(err: unknown): err is StoreUnavailableError | CacheUnavailableError {
  return err instanceof StoreUnavailableError || err instanceof CacheUnavailableError;
}

/**
 * Unavailable, or the store was closed because the backend is shutting down: a client's
 * message that meets either is answered `UNAVAILABLE`. Not a reason to retry (a closed store
 * stays closed), so retry loops ask `isUnavailable`.
 */
export function isUnavailableOrClosed(err: unknown): err is StoreUnavailableError | CacheUnavailableError | StoreClosedError {
  return isUnavailable(err) || err instanceof StoreClosedError;
}
