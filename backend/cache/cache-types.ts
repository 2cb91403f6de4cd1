/**
 * The cache contract, in domain terms: rate limits, connection counts, leases, instance
 * liveness and pub/sub. No driver types cross it. Adapters: the in-process cache
 * (ioredis-mock, the embedded default) and Redis; both pass `cache.contract.test.ts`,
 * which runs every operation on both.
 *
 * Atomicity. These operations read and then write shared state, so each must be atomic
 * against every other caller that shares the cache:
 *   hitRateLimit (count, then start the window), tryAddConnection (drop expired, count,
 *   then add unless full), refreshConnection, countConnections (drop expired, then count),
 *   acquireLease / renewLease / renewLeases / releaseLease (compare the owner, then set or
 *   delete; renewLeases does so for each of its keys).
 * The rest are single commands (removeConnection, leaseOwner, publish, subscribe).
 * Who shares the cache is what `crossProcess` says, and each adapter meets it its way:
 * - Redis (`crossProcess: true`): every process of a deployment shares it, so each of those
 *   operations is one Lua script, run atomically by the server (redis-commands/lua-scripts.ts), with
 *   the server's clock.
 * - In-process (`crossProcess: false`): only this process shares it, so each of those
 *   operations is plain synchronous code on in-process state (memory/local-coordination.ts)
 *   with no await inside: on Node's one thread nothing else runs in between, which is all
 *   the atomicity one process needs. No Lua VM on the hot path (per message, per run). Its
 *   pub/sub (ioredis-mock) reaches this process only.
 * Code that coordinates processes (the cross-process event bus) checks `crossProcess`, never
 * the kind.
 */
export interface RateLimitResult {
  allowed: boolean;
  /** Hits counted in the current window, including this one. */
  count: number;
  /** When refused: milliseconds until the window resets. 0 when allowed. */
  retryAfterMs: number;
}

export interface ConnectionSlotResult {
  ok: boolean;
  /** Live connections of the user after the call. */
  count: number;
}

export type Unsubscribe = () => Promise<void>;

/** What a cache adapter can do, for code that must not ask which adapter it is. */
export interface CacheCapabilities {
  /** Other processes share the cache: its atomic operations and pub/sub span processes. */
  readonly crossProcess: boolean;
}

export interface Cache {
  /** The adapter's label (`memory`, `redis`), as `/health` reports it; never branch on it. */
  readonly kind: string;
  /**
   * True when other processes share this cache (Redis): its atomic operations and pub/sub
   * then span processes. False for the in-process cache: atomic within this process only,
   * and its pub/sub reaches this process only.
   */
  readonly crossProcess: boolean;
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Counts a hit in a fixed window of `windowMs` for `key`; refuses past `limit`. */
  hitRateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;

  /**
   * Atomically registers a connection for a user unless the user already has `max` live
   * connections. Entries expire after `ttlMs` unless refreshed (so a dead process's
   * connections stop counting). With `holder` (a lease key, as given to acquireLease: the
   * process's liveness lease), the entry also stops counting as soon as that lease is gone,
   * which is how a SIGKILLed process's slots are freed once it is known dead.
   */
  tryAddConnection(userId: string, connectionId: string, max: number, ttlMs: number, holder?: string): Promise<ConnectionSlotResult>;
  refreshConnection(userId: string, connectionId: string, ttlMs: number, holder?: string): Promise<void>;
  removeConnection(userId: string, connectionId: string): Promise<void>;
  countConnections(userId: string): Promise<number>;

  /** Takes `key` for `ownerId` for `ttlMs` if free (or already ours). */
  acquireLease(key: string, ownerId: string, ttlMs: number): Promise<boolean>;
  /** Extends our lease; false if it expired or another owner holds it. */
  renewLease(key: string, ownerId: string, ttlMs: number): Promise<boolean>;
  /**
   * renewLease for each key, together: one round trip (Redis: one script per up to 500 keys,
   * sent in one pipeline). Returns, in the order of `keys`, whether each was still ours (and
   * is now extended). For a process-wide timer that renews every lease the process holds.
   */
  renewLeases(keys: readonly string[], ownerId: string, ttlMs: number): Promise<boolean[]>;
  /** Releases our lease; no effect if another owner holds it. */
  releaseLease(key: string, ownerId: string): Promise<void>;
  /** Current holder of a lease, or null. */
  leaseOwner(key: string): Promise<string | null>;

  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe>;
}

export interface CacheOptions {
  /** `undefined` or `memory://`: in-process; `redis://...`: Redis. */
  redisUrl?: string | undefined;
  /** Prefix for every key and channel (tests use one per run). Default `flowscope:`. */
  keyPrefix?: string;
  /**
   * Where one-line warnings go: Redis connection lost / reconnected, a subscriber that
   * threw. Default `console.warn`. Messages never contain credentials.
   */
  warn?: (message: string) => void;
}
