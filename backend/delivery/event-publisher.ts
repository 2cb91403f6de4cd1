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
import { envelopeJson } from '../store/envelope-json.ts';
import type { ConnectionRegistry } from './connection-registry.ts';

// `origin` is always the first key: a process recognises its own messages by their first
// bytes and drops them unparsed (see #receive). `event` is a single envelope (older
// processes); `events` the run events of one user published in one tick, in order.
type BusMessage =
  | { origin: string; kind: 'event'; userId: string; envelope: ServerEnvelope }
  | { origin: string; kind: 'events'; userId: string; envelopes: ServerEnvelope[] }
  | { origin: string; kind: 'cancel'; userId: string; runId: string }
  | { origin: string; kind: 'wake'; userId: string };

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
  /** A message of another process received from the bus and parsed (our own echoes are dropped unparsed). */
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
  /** Run events to put on the bus, by user, sent together at the end of the tick. */
  #outgoing = new Map<string, ServerEnvelope[]>();
  #flushScheduled = false;
  /** How our own bus messages begin (see BusMessage). */
  readonly #ownPrefix: string;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly cache: Cache,
    private readonly instanceId: string,
    private readonly crossProcess: boolean,
    private readonly counters: EventPublisherCounters = {},
    private readonly idleMs = 5_000,
  ) {
    this.#ownPrefix = `{"origin":${JSON.stringify(instanceId)},`;
  }

  async start(hooks: EventPublisherHooks): Promise<void> {
    this.#hooks = hooks;
    if (!this.crossProcess) return;
    this.#sweeper = setInterval(() => void this.sweep(), Math.max(250, Math.min(this.idleMs, 5_000)));
    this.#sweeper.unref();
  }

  async stop(): Promise<void> {
    this.#flushOutgoing();
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

  /**
   * To every connection of the user, on every process: here at once; on the bus, together
   * with the user's other events of this tick (one publish per user per tick, in order).
   */
  publish(userId: string, envelope: ServerEnvelope): void {
    this.counters.emitted?.(envelope);
    this.deliverLocal(userId, envelope);
    if (!this.crossProcess) return;
    const queued = this.#outgoing.get(userId);
    if (queued) queued.push(envelope);
    else this.#outgoing.set(userId, [envelope]);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flushOutgoing());
    }
  }

  #flushOutgoing(): void {
    this.#flushScheduled = false;
    const outgoing = this.#outgoing;
    this.#outgoing = new Map();
    for (const [userId, envelopes] of outgoing) {
      // The envelopes' text as the store wrote it (envelope-json.ts), not serialised again.
      const head = `${this.#ownPrefix}"userId":${JSON.stringify(userId)},`;
      const body =
        envelopes.length === 1
          ? `"kind":"event","envelope":${envelopeJson(envelopes[0]!)}}`
          : `"kind":"events","envelopes":[${envelopes.map(envelopeJson).join(',')}]}`;
      this.#send(userId, envelopes.length === 1 ? 'event' : 'events', head + body);
    }
  }

  requestCancel(userId: string, runId: string): void {
    this.#broadcast({ origin: this.instanceId, kind: 'cancel', userId, runId });
  }

  wake(userId: string): void {
    this.#broadcast({ origin: this.instanceId, kind: 'wake', userId });
  }

  #receive(raw: string): void {
    if (raw.startsWith(this.#ownPrefix)) return; // our own, already delivered here
    let msg: BusMessage;
    try {
      msg = JSON.parse(raw) as BusMessage;
    } catch {
      return;
    }
    if (msg.origin === this.instanceId) return;
    this.counters.received?.(msg.kind);
    if (msg.kind === 'event') this.deliverLocal(msg.userId, msg.envelope);
    else if (msg.kind === 'events') for (const envelope of msg.envelopes) this.deliverLocal(msg.userId, envelope);
    else if (msg.kind === 'cancel') this.#hooks?.onCancel(msg.userId, msg.runId);
    else this.#hooks?.onWake(msg.userId);
  }

  #broadcast(msg: BusMessage): void {
    this.#send(msg.userId, msg.kind, JSON.stringify(msg));
  }

  #send(userId: string, kind: BusKind, text: string): void {
    if (!this.crossProcess) return;
    this.counters.published?.(kind);
    this.cache.publish(userChannel(userId), text).catch(() => undefined);
  }
}
