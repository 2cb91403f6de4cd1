/**
 * The only way to get a `Cache`: `REDIS_URL` unset or `memory://` gives the in-process
 * cache, `redis://` / `rediss://` gives Redis (connected, or a `CacheUnavailableError`).
 * Adapters are imported here and nowhere else (lint enforces it): each is one entry of
 * `CACHE_ADAPTERS` (its label, URL schemes and capabilities), so a new adapter is one entry.
 * Callers ask a cache's capabilities (`cache.crossProcess`), never its label.
 */
import { AdapterError, adapterNamed } from '../errors/adapter-errors.ts';
import type { Cache, CacheCapabilities, CacheOptions } from './cache-types.ts';
import { createMemoryCache } from './memory/memory-cache.ts';
import { createRedisCache } from './redis/create-redis-cache.ts';

export const DEFAULT_KEY_PREFIX = 'flowscope:';

interface CacheAdapter {
  /** URL schemes (lower case, without `:`) this adapter takes. */
  readonly schemes: readonly string[];
  readonly capabilities: CacheCapabilities;
  create(url: string, options: { keyPrefix: string; warn: (message: string) => void }): Promise<Cache>;
}

const CACHE_ADAPTERS: Readonly<Record<string, CacheAdapter>> = {
  memory: { schemes: ['memory'], capabilities: { crossProcess: false }, create: async (_url, options) => createMemoryCache(options) },
  redis: { schemes: ['redis', 'rediss'], capabilities: { crossProcess: true }, create: (url, options) => createRedisCache({ url, ...options }) },
};

/** The names of every cache adapter. */
export const CACHE_ADAPTER_NAMES: readonly string[] = Object.keys(CACHE_ADAPTERS);

/** The adapter called `name`: its URL schemes and capabilities; an unknown name is an `UNKNOWN_ADAPTER` AdapterError listing the known ones. */
export function cacheAdapter(name: string): { readonly name: string; readonly schemes: readonly string[]; readonly capabilities: CacheCapabilities } {
  const adapter = adapterNamed(CACHE_ADAPTERS, 'cache', name);
  return { name, schemes: adapter.schemes, capabilities: adapter.capabilities };
}

/** The URL REDIS_URL names (unset: the in-process cache), its scheme, and the adapter that takes it (undefined: none). */
function locate(redisUrl: string | undefined): { url: string; scheme: string | undefined; adapter: CacheAdapter | undefined } {
  const url = redisUrl?.trim() || 'memory://';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const adapter = Object.values(CACHE_ADAPTERS).find((a) => scheme !== undefined && a.schemes.includes(scheme));
  return { url, scheme, adapter };
}

/** The capabilities of the cache REDIS_URL names, or undefined for an unsupported URL (createCache then says why). */
export function cacheCapabilitiesFor(redisUrl: string | undefined): CacheCapabilities | undefined {
  return locate(redisUrl).adapter?.capabilities;
}

export async function createCache(options: CacheOptions = {}): Promise<Cache> {
  const { url, scheme, adapter } = locate(options.redisUrl);
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const warn = options.warn ?? ((message: string) => console.warn(message));
  if (!adapter) {
    // Never echo the URL: it may hold a password.
    const schemes = Object.values(CACHE_ADAPTERS).flatMap((a) => a.schemes);
    throw new AdapterError(
      'UNSUPPORTED_URL',
      `Unsupported REDIS_URL scheme${scheme ? ` "${scheme}:"` : ''}: use ${schemes
        .map((s) => `${s}://`)
        .join(', ')
        .replace(/, ([^,]*)$/, ' or $1')}`,
      schemes,
    );
  }
  return adapter.create(url, { keyPrefix, warn });
}
