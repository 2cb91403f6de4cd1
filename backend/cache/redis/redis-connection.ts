/**
 * Creating ioredis clients that never hang the backend:
 * - commands fail fast while disconnected (no offline queue, one retry, a command timeout);
 * - the client reconnects by itself forever, with capped backoff, and resubscribes;
 * - the first connect is awaited and fails within seconds with `CacheUnavailableError`
 *   naming host:port and the fix;
 * - `'error'` events are handled (logged once per outage), never thrown;
 * - the URL's password never appears in a message.
 */
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { CacheUnavailableError, describeFailure } from '../cache-errors.ts';

/** How long the first connection may take before `openRedisClient` gives up. */
export const CONNECT_TIMEOUT_MS = 3_000;
/** A command without a reply after this long is failed (the server is hung or unreachable). */
export const COMMAND_TIMEOUT_MS = 3_000;
/** Longest pause between reconnection attempts. */
export const MAX_RECONNECT_DELAY_MS = 2_000;

export interface RedisTarget {
  /** `Redis at host:port`: safe to show (no credentials). */
  label: string;
  /** Strings to scrub from driver messages. */
  secrets: string[];
}

export function describeRedisUrl(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('REDIS_URL is not a valid URL: expected redis://[user:password@]host[:port][/db]');
  }
  const host = parsed.hostname || '127.0.0.1';
  const port = parsed.port || '6379';
  const secrets = parsed.password ? [parsed.password, safeDecode(parsed.password)] : [];
  return { label: `Redis at ${host}:${port}`, secrets: secrets.filter(Boolean) };
}

/** Capped exponential backoff with jitter; never gives up (ioredis stops on `null`). */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(100 * 2 ** Math.min(Math.max(attempt - 1, 0), 10), MAX_RECONNECT_DELAY_MS);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export interface OpenedRedisClient {
  client: Redis;
  /** Closes gracefully (QUIT, bounded), then drops the socket. Idempotent. */
  close(): Promise<void>;
}

export interface OpenRedisOptions {
  /** `CLIENT SETNAME`, to recognise the connection in `CLIENT LIST`. */
  connectionName: string;
  warn: (message: string) => void;
  /** Commands issued in one tick go out in one write (one round trip): the command connection. */
  autoPipelining?: boolean;
}

/** Creates a client for `url` and connects it; rejects with `CacheUnavailableError`. */
export async function openRedisClient(url: string, options: OpenRedisOptions): Promise<OpenedRedisClient> {
  const target = describeRedisUrl(url);
  const redact = (text: string) => target.secrets.reduce((out, secret) => out.split(secret).join('***'), text);
  const settings: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: reconnectDelay,
    autoResubscribe: true,
    enableReadyCheck: true,
    keepAlive: 10_000,
    // A socket the server does not close after QUIT/FIN is destroyed this soon.
    disconnectTimeout: 500,
    connectionName: options.connectionName,
    enableAutoPipelining: options.autoPipelining === true,
  };
  const client = new Redis(url, settings);

  let started = false;
  let closing = false;
  let down = false;
  let lastError: unknown = null;
  client.on('error', (error: unknown) => {
    lastError = error;
    // While down, every failed attempt emits one: the outage was already reported.
    if (started && !down && !closing) options.warn(`[cache] ${target.label}: ${redact(describeFailure(error))}`);
  });
  client.on('reconnecting', () => {
    if (!started || down || closing) return;
    down = true;
    options.warn(`[cache] ${target.label}: connection lost; reconnecting (commands fail until it is back)`);
  });
  client.on('ready', () => {
    if (down && !closing) options.warn(`[cache] ${target.label}: reconnected`);
    down = false;
  });

  try {
    await withTimeout(client.connect(), CONNECT_TIMEOUT_MS + 1_000);
  } catch (error) {
    closing = true;
    client.disconnect();
    const reason = redact(describeFailure(lastError ?? error));
    const fix = /NOAUTH|WRONGPASS|invalid password|invalid username/i.test(reason) ? 'fix the credentials in REDIS_URL' : 'start it or fix REDIS_URL';
    throw new CacheUnavailableError(`${target.label} is unreachable (${reason}): ${fix}`, { cause: lastError ?? error });
  }
  started = true;

  let closed: Promise<void> | null = null;
  const close = () => {
    closed ??= (async () => {
      closing = true;
      if (client.status === 'ready') await withTimeout(client.quit(), 1_000).catch(() => undefined);
      client.disconnect();
    })();
    return closed;
  };
  return { client, close };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
