/**
 * The cache contract, in domain terms: rate limits, connection counts, leases, instance
 * liveness and pub/sub. No driver types cross it. Adapters: the in-process cache
 * (ioredis-mock, the embedded default) and Redis; both pass `cache.contract.test.ts`.
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

export interface Cache {
  readonly kind: 'memory' | 'redis';
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Counts a hit in a fixed window of `windowMs` for `key`; refuses past `limit`. */
  hitRateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;

  /**
   * Atomically registers a connection for a user unless the user already has `max` live
   * connections. Entries expire after `ttlMs` unless refreshed (so a dead process's
   * connections stop counting).
   */
  tryAddConnection(userId: string, connectionId: string, max: number, ttlMs: number): Promise<ConnectionSlotResult>;
  refreshConnection(userId: string, connectionId: string, ttlMs: number): Promise<void>;
  removeConnection(userId: string, connectionId: string): Promise<void>;
  countConnections(userId: string): Promise<number>;

  /** Takes `key` for `ownerId` for `ttlMs` if free (or already ours). */
  acquireLease(key: string, ownerId: string, ttlMs: number): Promise<boolean>;
  /** Extends our lease; false if it expired or another owner holds it. */
  renewLease(key: string, ownerId: string, ttlMs: number): Promise<boolean>;
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
