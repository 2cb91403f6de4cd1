/**
 * The one `Cache` implementation, over an ioredis-compatible client: real Redis (ioredis)
 * and the in-process cache (ioredis-mock) differ only in how their clients are created.
 * Both adapters (redis/, memory/) build on it, so it is in neither adapter's folder.
 *
 * Every multi-step operation is a Lua script (atomic on the server), unless the adapter
 * passes `coordination`: then the keyed operations (rate limits, connection slots, leases)
 * run there instead, as plain code (the in-process cache: atomic within its one process,
 * see cache-types.ts), and the client carries pub/sub and ping only. Keys and channels are
 * prefixed here (not with the driver's `keyPrefix`, which does not apply to channels).
 * Commands that fail because the server is unreachable reject with `CacheUnavailableError`.
 */
import type { Redis } from 'ioredis';
import type { Cache, ConnectionSlotResult, RateLimitResult, Unsubscribe } from '../cache-types.ts';
import { CacheUnavailableError, describeFailure, isConnectionFailure } from '../cache-errors.ts';
import { ioCounters } from '../../metrics/io-counters.ts';
import {
  ACQUIRE_LEASE,
  COUNT_CONNECTIONS,
  HIT_RATE_LIMIT,
  REFRESH_CONNECTION,
  RELEASE_LEASE,
  RENEW_LEASE,
  RENEW_LEASES,
  TRY_ADD_CONNECTION,
} from './lua-scripts.ts';

/** Keys per RENEW_LEASES script: the server runs one script at a time, so a long one would stall it. */
const LEASES_PER_SCRIPT = 500;

/**
 * The keyed operations as synchronous plain code (replies shaped like the scripts'):
 * atomic because nothing else of the process runs while one executes.
 */
export interface KeyedCoordination {
  hitRateLimit(key: string, windowMs: number): [count: number, remainingMs: number];
  /** `holder`: the full key of the lease the slot belongs to, or '' (see Cache.tryAddConnection). */
  tryAddConnection(userId: string, connectionId: string, max: number, ttlMs: number, holder: string): [ok: number, count: number];
  refreshConnection(userId: string, connectionId: string, ttlMs: number, holder: string): void;
  removeConnection(userId: string, connectionId: string): void;
  countConnections(userId: string): number;
  acquireLease(key: string, ownerId: string, ttlMs: number): boolean;
  renewLease(key: string, ownerId: string, ttlMs: number): boolean;
  releaseLease(key: string, ownerId: string): void;
  leaseOwner(key: string): string | null;
  close(): void;
}

export interface RedisCacheOptions {
  kind: string;
  /** See Cache.crossProcess. */
  crossProcess: boolean;
  /** Keyed operations as in-process plain code instead of Lua on the server (the in-process cache). */
  coordination?: KeyedCoordination;
  /** Runs commands. */
  client: Redis;
  /** A second connection to the same server, used only for SUBSCRIBE. */
  subscriber: Redis;
  keyPrefix: string;
  /**
   * Where connection expiry times come from: `server` (Redis TIME: one clock for all
   * processes) or `local` (Date.now(): for the in-process cache, which is its own server).
   */
  clock: 'server' | 'local';
  /** Names the server in error messages, e.g. `Redis at 127.0.0.1:6379`. */
  label: string;
  /** Closes both clients (and frees what they hold). */
  shutdown: () => Promise<void>;
  warn: (message: string) => void;
}

type MessageHandler = (message: string) => void;

interface ChannelEntry {
  handlers: Set<MessageHandler>;
  /** Settles when the server confirmed the SUBSCRIBE. */
  ready: Promise<void>;
}

export class RedisCache implements Cache {
  readonly kind: string;
  readonly crossProcess: boolean;
  private readonly local: KeyedCoordination | undefined;
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly keyPrefix: string;
  private readonly clock: 'server' | 'local';
  private readonly label: string;
  private readonly shutdown: () => Promise<void>;
  private readonly warn: (message: string) => void;
  private readonly channels = new Map<string, ChannelEntry>();
  private closing: Promise<void> | null = null;
  private tickCounted = false;

  constructor(options: RedisCacheOptions) {
    this.kind = options.kind;
    this.crossProcess = options.crossProcess;
    this.local = options.coordination;
    this.client = options.client;
    this.subscriber = options.subscriber;
    this.keyPrefix = options.keyPrefix;
    this.clock = options.clock;
    this.label = options.label;
    this.shutdown = options.shutdown;
    this.warn = options.warn;
    this.subscriber.on('message', (channel: string, message: string) => this.deliver(channel, message));
  }

  async ping(): Promise<void> {
    await this.run(() => Promise.all([this.client.ping(), this.subscriber.ping()]));
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.channels.clear();
      this.local?.close();
      this.closing = this.shutdown().catch((error: unknown) => {
        this.warn(`[cache] closing ${this.label}: ${describeFailure(error)}`);
      });
    }
    return this.closing;
  }

  async hitRateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    const max = count('limit', limit);
    const window = duration('windowMs', windowMs);
    const name = this.key('rate', key);
    const [hits, remainingMs] = this.local ? this.sync(() => this.local!.hitRateLimit(name, window)) : pair(await this.eval(HIT_RATE_LIMIT, name, window));
    const allowed = hits <= max;
    return { allowed, count: hits, retryAfterMs: allowed ? 0 : Math.min(window, Math.max(1, remainingMs)) };
  }

  async tryAddConnection(userId: string, connectionId: string, max: number, ttlMs: number, holder?: string): Promise<ConnectionSlotResult> {
    if (this.local) {
      const [ok, live] = this.sync(() =>
        this.local!.tryAddConnection(
          this.key('conn', userId),
          nonEmpty('connectionId', connectionId),
          count('max', max),
          duration('ttlMs', ttlMs),
          this.holderKey(holder),
        ),
      );
      return { ok: ok === 1, count: live };
    }
    const reply = await this.evalKeys(
      TRY_ADD_CONNECTION,
      [this.key('conn', userId), this.key('connholder', userId)],
      this.now(),
      nonEmpty('connectionId', connectionId),
      count('max', max),
      duration('ttlMs', ttlMs),
      this.holderKey(holder),
    );
    const [ok, live] = pair(reply);
    return { ok: ok === 1, count: live };
  }

  async refreshConnection(userId: string, connectionId: string, ttlMs: number, holder?: string): Promise<void> {
    if (this.local) {
      return this.sync(() =>
        this.local!.refreshConnection(this.key('conn', userId), nonEmpty('connectionId', connectionId), duration('ttlMs', ttlMs), this.holderKey(holder)),
      );
    }
    await this.evalKeys(
      REFRESH_CONNECTION,
      [this.key('conn', userId), this.key('connholder', userId)],
      this.now(),
      nonEmpty('connectionId', connectionId),
      duration('ttlMs', ttlMs),
      this.holderKey(holder),
    );
  }

  async removeConnection(userId: string, connectionId: string): Promise<void> {
    const key = this.key('conn', userId);
    const holders = this.key('connholder', userId);
    const member = nonEmpty('connectionId', connectionId);
    if (this.local) return this.sync(() => this.local!.removeConnection(key, member));
    await this.run(() => this.client.multi().zrem(key, member).hdel(holders, member).exec());
  }

  async countConnections(userId: string): Promise<number> {
    if (this.local) return this.sync(() => this.local!.countConnections(this.key('conn', userId)));
    return single(await this.evalKeys(COUNT_CONNECTIONS, [this.key('conn', userId), this.key('connholder', userId)], this.now()));
  }

  /** The full key of a holder lease (as acquireLease names it), or '' for none. */
  private holderKey(holder: string | undefined): string {
    return holder === undefined ? '' : this.key('lease', holder);
  }

  async acquireLease(key: string, ownerId: string, ttlMs: number): Promise<boolean> {
    if (this.local) return this.sync(() => this.local!.acquireLease(this.key('lease', key), nonEmpty('ownerId', ownerId), duration('ttlMs', ttlMs)));
    const reply = await this.eval(ACQUIRE_LEASE, this.key('lease', key), nonEmpty('ownerId', ownerId), duration('ttlMs', ttlMs));
    return single(reply) === 1;
  }

  async renewLease(key: string, ownerId: string, ttlMs: number): Promise<boolean> {
    if (this.local) return this.sync(() => this.local!.renewLease(this.key('lease', key), nonEmpty('ownerId', ownerId), duration('ttlMs', ttlMs)));
    const reply = await this.eval(RENEW_LEASE, this.key('lease', key), nonEmpty('ownerId', ownerId), duration('ttlMs', ttlMs));
    return single(reply) === 1;
  }

  async renewLeases(keys: readonly string[], ownerId: string, ttlMs: number): Promise<boolean[]> {
    const owner = nonEmpty('ownerId', ownerId);
    const ttl = duration('ttlMs', ttlMs);
    const names = keys.map((key) => this.key('lease', key));
    if (this.local) return this.sync(() => names.map((name) => this.local!.renewLease(name, owner, ttl)));
    if (names.length === 0) return [];
    // Every chunk is sent in this tick: one pipeline, one round trip.
    const chunks: string[][] = [];
    for (let i = 0; i < names.length; i += LEASES_PER_SCRIPT) chunks.push(names.slice(i, i + LEASES_PER_SCRIPT));
    const replies = await Promise.all(chunks.map((chunk) => this.evalKeys(RENEW_LEASES, chunk, owner, ttl)));
    return replies.flatMap((reply, i) => {
      if (!Array.isArray(reply) || reply.length !== chunks[i]!.length) throw new Error(`unexpected cache script reply: ${JSON.stringify(reply)}`);
      return reply.map((renewed) => single(renewed) === 1);
    });
  }

  async releaseLease(key: string, ownerId: string): Promise<void> {
    if (this.local) return this.sync(() => this.local!.releaseLease(this.key('lease', key), nonEmpty('ownerId', ownerId)));
    await this.eval(RELEASE_LEASE, this.key('lease', key), nonEmpty('ownerId', ownerId));
  }

  async leaseOwner(key: string): Promise<string | null> {
    const name = this.key('lease', key);
    if (this.local) return this.sync(() => this.local!.leaseOwner(name));
    return this.run(() => this.client.get(name));
  }

  async publish(channel: string, message: string): Promise<void> {
    const name = this.channel(channel);
    await this.run(() => this.client.publish(name, message));
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe> {
    this.assertOpen();
    const name = this.channel(channel);
    let entry = this.channels.get(name);
    if (!entry) {
      const created: ChannelEntry = { handlers: new Set(), ready: this.subscribeOnServer(name) };
      created.ready.catch(() => {
        if (this.channels.get(name) === created) this.channels.delete(name);
      });
      this.channels.set(name, created);
      entry = created;
    }
    // A wrapper per call: the same function subscribed twice is two subscriptions.
    const handler: MessageHandler = (message) => onMessage(message);
    const subscribed = entry;
    subscribed.handlers.add(handler);
    try {
      await subscribed.ready;
    } catch (error) {
      subscribed.handlers.delete(handler);
      throw this.translate(error);
    }

    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      subscribed.handlers.delete(handler);
      if (subscribed.handlers.size > 0 || this.channels.get(name) !== subscribed) return;
      this.channels.delete(name);
      if (this.closing) return;
      // Sent in this tick, so it reaches the server before any later SUBSCRIBE to `name`.
      // Delivery already stopped locally; a failure here only leaves an idle server-side
      // subscription (dropped on close), so it is not an error for the caller.
      await this.subscriber.unsubscribe(name).catch((error: unknown) => {
        if (!isConnectionFailure(error)) this.warn(`[cache] unsubscribe from ${this.label}: ${describeFailure(error)}`);
      });
    };
  }

  private async subscribeOnServer(name: string): Promise<void> {
    await this.subscriber.subscribe(name);
  }

  private deliver(channel: string, message: string): void {
    const entry = this.channels.get(channel);
    if (!entry) return;
    for (const handler of [...entry.handlers]) {
      try {
        const result: unknown = handler(message);
        if (result instanceof Promise) result.catch((error: unknown) => this.reportHandlerError(channel, error));
      } catch (error) {
        this.reportHandlerError(channel, error);
      }
    }
  }

  private reportHandlerError(channel: string, error: unknown): void {
    const name = channel.slice(this.keyPrefix.length);
    this.warn(`[cache] a subscriber of channel "${name}" threw: ${describeFailure(error)}`);
  }

  /** ARGV `now` of the scripts: '' lets the server use its TIME. */
  private now(): string {
    return this.clock === 'local' ? String(Date.now()) : '';
  }

  private key(kind: string, id: string): string {
    return `${this.keyPrefix}${kind}:${nonEmpty('key', id)}`;
  }

  private channel(name: string): string {
    return `${this.keyPrefix}channel:${nonEmpty('channel', name)}`;
  }

  private eval(script: string, key: string, ...args: Array<string | number>): Promise<unknown> {
    return this.run(() => this.client.eval(script, 1, key, ...args));
  }

  /** A keyed operation on the in-process coordination state (throws when closed). */
  private sync<T>(operation: () => T): T {
    this.assertOpen();
    return operation();
  }

  private evalKeys(script: string, keys: string[], ...args: Array<string | number>): Promise<unknown> {
    return this.run(() => this.client.eval(script, keys.length, ...keys, ...args));
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    this.assertOpen();
    this.countRoundTrip();
    try {
      return await command();
    } catch (error) {
      throw this.translate(error);
    }
  }

  /**
   * ioCounters.cacheRoundTrips: the commands issued in one tick go out together (the
   * command connection pipelines them), so they count once.
   */
  private countRoundTrip(): void {
    if (this.local || this.tickCounted) return;
    this.tickCounted = true;
    ioCounters.cacheRoundTrips++;
    process.nextTick(() => {
      this.tickCounted = false;
    });
  }

  private assertOpen(): void {
    if (this.closing) throw new CacheUnavailableError(`${this.label}: the cache is closed`);
  }

  private translate(error: unknown): unknown {
    if (error instanceof CacheUnavailableError || !isConnectionFailure(error)) return error;
    return new CacheUnavailableError(`${this.label} is unavailable (${describeFailure(error)}); reconnecting`, { cause: error });
  }
}

function nonEmpty(name: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

/** A whole number of milliseconds, at least 1. */
function duration(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return Math.ceil(value);
}

/** A limit: a non-negative integer. */
function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}

/** A script reply of one integer. */
function single(reply: unknown): number {
  const value = Number(reply);
  if (!Number.isFinite(value)) throw new Error(`unexpected cache script reply: ${JSON.stringify(reply)}`);
  return value;
}

/** A script reply of two integers. */
function pair(reply: unknown): [number, number] {
  if (!Array.isArray(reply) || reply.length !== 2) throw new Error(`unexpected cache script reply: ${JSON.stringify(reply)}`);
  return [single(reply[0]), single(reply[1])];
}
