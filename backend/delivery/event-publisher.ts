/**
 * Delivers envelopes to every connection of a user, on this process directly and on other
 * processes through the cache's pub/sub (so `/ws` and Socket.IO connections on any process
 * get them). Also carries run cancellation requests and wake-ups between processes.
 *
 * Fan-out is per user: everything about user U goes to U's channel (`user:U`), and a
 * process subscribes to U's channel only while it has an interest in U: a connection of U
 * (subscribed during admission, before the client is told it is connected) or U's
 * execution lease (so cancels and wake-ups reach the process running U's runs). A process
 * therefore receives and parses the bus traffic of its own users only, not the cluster's.
 * Channels without interest are unsubscribed by a sweep after `idleMs`.
 */
import type { ServerEnvelope } from '../../protocol/index.ts';
import type { Cache, Unsubscribe } from '../cache/cache-types.ts';
import type { ConnectionRegistry } from './connection-registry.ts';

type BusMessage =
  | { kind: 'event'; origin: string; userId: string; envelope: ServerEnvelope }
  | { kind: 'cancel'; origin: string; userId: string; runId: string }
  | { kind: 'wake'; origin: string; userId: string };

export type BusKind = BusMessage['kind'];

export interface EventPublisherHooks {
  onCancel(userId: string, runId: string): void;
  onWake(userId: string): void;
  /** True while this process still needs the user's channel (its execution lease, say); connections are checked here. */
  busy?(userId: string): boolean;
}

export interface EventPublisherCounters {
  /** A message put on the bus (one per publish, whatever number of processes receive it). */
  published?(kind: BusKind): void;
  /** A run event this process publishes (stored, delivered here and put on the bus). */
  emitted?(envelope: ServerEnvelope): void;
  /** A message received from the bus and parsed (our own echoes included: work all the same). */
  received?(kind: BusKind): void;
}

interface Subscription {
  ready: Promise<void>;
  unsubscribe: Unsubscribe | null;
  idleSince: number | null;
}

const userChannel = (userId: string) => `user:${userId}`;

export class EventPublisher {
  readonly #subscriptions = new Map<string, Subscription>();
  #hooks: EventPublisherHooks | null = null;
  #sweeper: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly cache: Cache,
    private readonly instanceId: string,
    private readonly crossProcess: boolean,
    private readonly counters: EventPublisherCounters = {},
    private readonly idleMs = 5_000,
  ) {}

  async start(hooks: EventPublisherHooks): Promise<void> {
    this.#hooks = hooks;
    if (!this.crossProcess) return;
    this.#sweeper = setInterval(() => void this.sweep(), Math.max(250, Math.min(this.idleMs, 5_000)));
    this.#sweeper.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    const subs = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    await Promise.all(
      subs.map(async (s) => {
        await s.ready.catch(() => undefined);
        await s.unsubscribe?.().catch(() => undefined);
      }),
    );
  }

  /**
   * Makes sure this process receives the user's bus messages; resolves once the subscription
   * is confirmed. Idempotent. (No-op for a cache no other process shares.)
   */
  subscribeUser(userId: string): Promise<void> {
    if (!this.crossProcess || this.#stopped) return Promise.resolve();
    const existing = this.#subscriptions.get(userId);
    if (existing) {
      existing.idleSince = null;
      return existing.ready;
    }
    const sub: Subscription = { ready: Promise.resolve(), unsubscribe: null, idleSince: null };
    sub.ready = this.cache
      .subscribe(userChannel(userId), (raw) => this.#receive(raw))
      .then(
        (unsubscribe) => {
          sub.unsubscribe = unsubscribe;
        },
        (error: unknown) => {
          if (this.#subscriptions.get(userId) === sub) this.#subscriptions.delete(userId);
          throw error;
        },
      );
    this.#subscriptions.set(userId, sub);
    return sub.ready;
  }

  /** Users whose channel this process is subscribed to. */
  get subscribedUsers(): number {
    return this.#subscriptions.size;
  }

  /** Drops the channels of users this process has had no interest in for `idleMs`. */
  async sweep(now = Date.now()): Promise<void> {
    for (const [userId, sub] of this.#subscriptions) {
      if (this.registry.forUser(userId).size > 0 || this.#hooks?.busy?.(userId)) {
        sub.idleSince = null;
        continue;
      }
      sub.idleSince ??= now;
      if (now - sub.idleSince < this.idleMs) continue;
      this.#subscriptions.delete(userId);
      await sub.ready.catch(() => undefined);
      await sub.unsubscribe?.().catch(() => undefined);
    }
  }

  deliverLocal(userId: string, envelope: ServerEnvelope): void {
    for (const connection of this.registry.forUser(userId)) this.registry.deliver(connection, envelope);
  }

  /** To every connection of the user, on every process. */
  publish(userId: string, envelope: ServerEnvelope): void {
    this.counters.emitted?.(envelope);
    this.deliverLocal(userId, envelope);
    this.#broadcast({ kind: 'event', origin: this.instanceId, userId, envelope });
  }

  requestCancel(userId: string, runId: string): void {
    this.#broadcast({ kind: 'cancel', origin: this.instanceId, userId, runId });
  }

  wake(userId: string): void {
    this.#broadcast({ kind: 'wake', origin: this.instanceId, userId });
  }

  #receive(raw: string): void {
    let msg: BusMessage;
    try {
      msg = JSON.parse(raw) as BusMessage;
    } catch {
      return;
    }
    this.counters.received?.(msg.kind);
    if (msg.origin === this.instanceId) return; // our own, already delivered here
    if (msg.kind === 'event') this.deliverLocal(msg.userId, msg.envelope);
    else if (msg.kind === 'cancel') this.#hooks?.onCancel(msg.userId, msg.runId);
    else this.#hooks?.onWake(msg.userId);
  }

  #broadcast(msg: BusMessage): void {
    if (!this.crossProcess) return;
    this.counters.published?.(msg.kind);
    this.cache.publish(userChannel(msg.userId), JSON.stringify(msg)).catch(() => undefined);
  }
}
