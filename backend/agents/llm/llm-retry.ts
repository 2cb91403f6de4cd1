/**
 * Retrying a model call answered 429 or 5xx (or refused before any answer): up to
 * `maxRetries` more attempts, waiting what the endpoint asks (`retry-after-ms`, then
 * `Retry-After` in seconds or as an HTTP date) or else an exponential backoff (0.5 s, 1 s,
 * 2 s... at most 8 s, with up to 25 % jitter). The wait is abortable: cancel, shutdown and
 * the total timeout end it at once. A wait that would outlast the run's total timeout is not
 * started: the run fails right away, saying so. Other failures are not retried, nor is a
 * stream that broke off after it began (its tokens were spent and its reasoning said).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAttempts, LlmRunError, statusText } from './llm-errors.ts';

const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;

/** The wait the endpoint asked for, in ms, or undefined. */
export function retryAfterMs(headers: Headers | undefined, nowMs: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const header = headers.get('retry-after');
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export function backoffMs(retry: number, random: () => number = Math.random): number {
  const base = Math.min(INITIAL_BACKOFF_MS * 2 ** (retry - 1), MAX_BACKOFF_MS);
  return Math.round(base * (1 - random() * 0.25));
}

export interface RetryPolicy {
  maxRetries: number;
  signal: AbortSignal;
  /** Milliseconds the run has left. */
  timeLeft(): number;
  /** Told before each wait (the agent says it as a thought). */
  onRetry(info: { retry: number; maxRetries: number; waitMs: number; reason: string }): Promise<void>;
}

function reasonOf(error: LlmRunError): string {
  return error.status === undefined ? 'connection failed' : `LLM endpoint answered ${statusText(error.status)}`;
}

export async function withRetries<T>(attempt: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let retry = 1; ; retry += 1) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof LlmRunError) || !err.retryable || policy.signal.aborted) throw err;
      if (retry > policy.maxRetries) throw afterAttempts(err, retry);
      const asked = retryAfterMs(err.headers);
      const waitMs = Math.round(asked ?? backoffMs(retry));
      if (waitMs >= policy.timeLeft()) {
        const why = `${asked === undefined ? 'the next retry' : 'it asked to retry'} after ${waitMs} ms would outlast the run's total timeout: timeoutMs, LLM_TIMEOUT_MS`;
        throw new LlmRunError(err.code, `${err.message} (${why})`, { headers: err.headers, status: err.status });
      }
      await policy.onRetry({ retry, maxRetries: policy.maxRetries, waitMs, reason: reasonOf(err) });
      try {
        await sleep(waitMs, undefined, { signal: policy.signal });
      } catch {
        throw policy.signal.reason;
      }
    }
  }
}
