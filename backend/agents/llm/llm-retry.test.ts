import { describe, expect, it } from 'vitest';
import { LlmRunError } from './llm-errors.ts';
import { backoffMs, retryAfterMs, withRetries } from './llm-retry.ts';

describe('retryAfterMs', () => {
  it('reads retry-after-ms first, then Retry-After in seconds or as a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 31 Dec 2025 00:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it('doubles from 500 ms up to 8 s, less up to 25 % jitter', () => {
    expect([1, 2, 3, 4, 5, 6].map((retry) => backoffMs(retry, () => 0))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(backoffMs(1, () => 1)).toBe(375);
  });
});

describe('withRetries', () => {
  const policy = (signal = new AbortController().signal) => ({ maxRetries: 2, signal, timeLeft: () => 60_000, onRetry: () => Promise.resolve() });
  const retryable = () =>
    new LlmRunError('LLM_HTTP_STATUS', 'LLM endpoint answered 503 Service Unavailable', {
      retryable: true,
      status: 503,
      headers: new Headers({ 'retry-after-ms': '1' }),
      head: 'LLM endpoint answered 503 Service Unavailable',
    });

  it('does not retry what is not retryable', async () => {
    let attempts = 0;
    const error = new LlmRunError('LLM_HTTP_STATUS', 'LLM endpoint answered 400 Bad Request', { status: 400 });
    await expect(
      withRetries(() => {
        attempts += 1;
        return Promise.reject(error);
      }, policy()),
    ).rejects.toBe(error);
    expect(attempts).toBe(1);
  });

  it('makes 1 + maxRetries attempts and names them in the last error', async () => {
    let attempts = 0;
    await expect(
      withRetries(() => {
        attempts += 1;
        return Promise.reject(retryable());
      }, policy()),
    ).rejects.toThrow('LLM endpoint answered 503 Service Unavailable (after 3 attempts)');
    expect(attempts).toBe(3);
  });

  it('returns the first success', async () => {
    let attempts = 0;
    const value = await withRetries(() => {
      attempts += 1;
      return attempts < 2 ? Promise.reject(retryable()) : Promise.resolve('ok');
    }, policy());
    expect(value).toBe('ok');
  });
});
