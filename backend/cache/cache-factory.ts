/**
 * The only way to get a `Cache`: `REDIS_URL` unset or `memory://` gives the in-process
 * cache, `redis://` / `rediss://` gives Redis (connected, or a `CacheUnavailableError`).
 * Adapters are imported here and nowhere else (lint enforces it).
 */
import type { Cache, CacheOptions } from './cache-types.ts';
import { createMemoryCache } from './memory/memory-cache.ts';
import { createRedisCache } from './redis/create-redis-cache.ts';

export const DEFAULT_KEY_PREFIX = 'flowscope:';

export async function createCache(options: CacheOptions = {}): Promise<Cache> {
  const url = options.redisUrl?.trim() || 'memory://';
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'memory':
      return createMemoryCache({ keyPrefix, warn });
    case 'redis':
    case 'rediss':
      return createRedisCache({ url, keyPrefix, warn });
    default:
      // Never echo the URL: it may hold a password.
      throw new Error(`Unsupported REDIS_URL scheme${scheme ? ` "${scheme}:"` : ''}: use redis://, rediss:// or memory://`);
  }
}
