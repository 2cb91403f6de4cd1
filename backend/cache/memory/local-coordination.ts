/**
 * The in-process cache's keyed coordination state (rate-limit windows, connection slots,
 * leases) as plain data in this process, with the same rules as the Lua scripts the Redis
 * adapter runs (lua-scripts.ts). Each operation is synchronous JavaScript with no await in
 * it, so on Node's single thread it is atomic with respect to every other operation of the
 * process: the only atomicity one process needs. Nothing here is seen by another process
 * (the adapter says so with `crossProcess: false`).
 *
 * Expired entries are dropped when touched and by a sweep every `sweepMs`, so memory stays
 * bounded by the live entries. On top of that, at most `maxKeys` rate-limit windows (one per
 * user seen in the window): past it, expired ones are swept, then the oldest window is
 * dropped (its user's count restarts: the only loss, under a flood of distinct users).
 */
import type { KeyedCoordination } from '../redis-commands/redis-cache.ts';

interface Expiring {
  expiresAt: number;
}
interface Window extends Expiring {
  count: number;
}
interface Lease extends Expiring {
  owner: string;
}

/** Rate-limit windows kept at most (in-process cache). */
export const DEFAULT_MAX_KEYS = 100_000;

export class LocalCoordination implements KeyedCoordination {
  readonly #windows = new Map<string, Window>();
  /** Per user: connection id → expiry (ms). */
  readonly #connections = new Map<string, Map<string, number>>();
  readonly #leases = new Map<string, Lease>();
  readonly #holders = new Map<string, Map<string, string>>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(
    private readonly now: () => number = Date.now,
    sweepMs = 10_000,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {
    this.#sweeper = setInterval(() => this.sweep(), sweepMs);
    this.#sweeper.unref();
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.#windows.clear();
    this.#connections.clear();
    this.#leases.clear();
    this.#holders.clear();
  }

  /** Entries held: rate-limit windows, users with connection slots, leases. */
  get size(): { windows: number; users: number; leases: number } {
    return { windows: this.#windows.size, users: this.#connections.size, leases: this.#leases.size };
  }

  /** Below the cap again: expired windows first, then the oldest ones. */
  #makeRoom(now: number): void {
    for (const [key, w] of this.#windows) if (w.expiresAt <= now) this.#windows.delete(key);
    for (const key of this.#windows.keys()) {
      if (this.#windows.size < this.maxKeys) break;
      this.#windows.delete(key);
    }
  }

  /** Drops every expired entry. */
  sweep(): void {
    const now = this.now();
    for (const [key, w] of this.#windows) if (w.expiresAt <= now) this.#windows.delete(key);
    for (const [key, l] of this.#leases) if (l.expiresAt <= now) this.#leases.delete(key);
    for (const key of this.#connections.keys()) this.#liveConnections(key, now);
  }

  hitRateLimit(key: string, windowMs: number): [number, number] {
    const now = this.now();
    let w = this.#windows.get(key);
    if (!w || w.expiresAt <= now) {
      if (!w && this.#windows.size >= this.maxKeys) this.#makeRoom(now);
      w = { count: 0, expiresAt: now + windowMs };
      this.#windows.set(key, w);
    }
    w.count += 1;
    return [w.count, w.expiresAt - now];
  }

  tryAddConnection(userId: string, connectionId: string, max: number, ttlMs: number, holder = ''): [number, number] {
    const now = this.now();
    const set = this.#liveConnections(userId, now) ?? new Map<string, number>();
    if (!set.has(connectionId) && set.size >= max) return [0, set.size];
    set.set(connectionId, now + ttlMs);
    this.#connections.set(userId, set);
    this.#setHolder(userId, connectionId, holder);
    return [1, set.size];
  }

  refreshConnection(userId: string, connectionId: string, ttlMs: number, holder = ''): void {
    const now = this.now();
    const set = this.#liveConnections(userId, now) ?? new Map<string, number>();
    set.set(connectionId, now + ttlMs);
    this.#connections.set(userId, set);
    this.#setHolder(userId, connectionId, holder);
  }

  removeConnection(userId: string, connectionId: string): void {
    this.#holders.get(userId)?.delete(connectionId);
    const set = this.#connections.get(userId);
    if (!set) return;
    set.delete(connectionId);
    if (set.size === 0) {
      this.#connections.delete(userId);
      this.#holders.delete(userId);
    }
  }

  /** Per user: connection id → the lease key of its holder (slots of a dead holder do not count). */
  #setHolder(userId: string, connectionId: string, holder: string): void {
    if (holder === '') return;
    let holders = this.#holders.get(userId);
    if (!holders) this.#holders.set(userId, (holders = new Map()));
    holders.set(connectionId, holder);
  }

  countConnections(userId: string): number {
    return this.#liveConnections(userId, this.now())?.size ?? 0;
  }

  acquireLease(key: string, ownerId: string, ttlMs: number): boolean {
    const now = this.now();
    const lease = this.#lease(key, now);
    if (lease && lease.owner !== ownerId) return false;
    this.#leases.set(key, { owner: ownerId, expiresAt: now + ttlMs });
    return true;
  }

  renewLease(key: string, ownerId: string, ttlMs: number): boolean {
    const now = this.now();
    const lease = this.#lease(key, now);
    if (!lease || lease.owner !== ownerId) return false;
    lease.expiresAt = now + ttlMs;
    return true;
  }

  releaseLease(key: string, ownerId: string): void {
    if (this.#lease(key, this.now())?.owner === ownerId) this.#leases.delete(key);
  }

  leaseOwner(key: string): string | null {
    return this.#lease(key, this.now())?.owner ?? null;
  }

  #lease(key: string, now: number): Lease | undefined {
    const lease = this.#leases.get(key);
    if (lease && lease.expiresAt <= now) {
      this.#leases.delete(key);
      return undefined;
    }
    return lease;
  }

  /** The user's set without its expired members (deleted when it ends up empty). */
  #liveConnections(userId: string, now: number): Map<string, number> | undefined {
    const set = this.#connections.get(userId);
    if (!set) return undefined;
    const holders = this.#holders.get(userId);
    for (const [id, expiresAt] of set) {
      const holder = holders?.get(id);
      if (expiresAt <= now || (holder !== undefined && !this.#lease(holder, now))) {
        set.delete(id);
        holders?.delete(id);
      }
    }
    if (set.size === 0) {
      this.#connections.delete(userId);
      this.#holders.delete(userId);
      return undefined;
    }
    return set;
  }
}
