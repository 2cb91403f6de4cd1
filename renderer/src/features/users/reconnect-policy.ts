/** Automatic reconnect of a lost user connection: exponential backoff, capped. */
export const RECONNECT_BASE_MS = 1000;
export const RECONNECT_MAX_MS = 30_000;

/** Wait before attempt `attempt` (0 = the first retry): 1 s, 2 s, 4 s ... at most 30 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.max(0, attempt));
}

/** Refusals worth retrying: the server could not be reached; a refused token is not retried. */
export function isRetryableRefusal(code: string | undefined): boolean {
  return code === undefined || code === 'CONNECT_FAILED';
}
