/**
 * Delivers envelopes to every connection of a user, on this process directly and on other
 * processes through the cache's pub/sub (so `/ws` and Socket.IO connections on any process
 * get them). Also carries run cancellation requests between processes.
 */
import type { ServerEnvelope } from '../../protocol/index.ts';
import type { Cache, Unsubscribe } from '../cache/cache-types.ts';
import type { ConnectionRegistry } from './connection-registry.ts';

const CHANNEL = 'bus';

type BusMessage =
  | { kind: 'event'; origin: string; userId: string; envelope: ServerEnvelope }
  | { kind: 'cancel'; origin: string; userId: string; runId: string }
  | { kind: 'wake'; origin: string; userId: string };

export interface EventPublisherHooks {
  onCancel(userId: string, runId: string): void;
  onWake(userId: string): void;
}

export class EventPublisher {
  #unsubscribe: Unsubscribe | null = null;
  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly cache: Cache,
    private readonly instanceId: string,
    private readonly crossProcess: boolean,
  ) {}

  async start(hooks: EventPublisherHooks): Promise<void> {
    if (!this.crossProcess) return;
    this.#unsubscribe = await this.cache.subscribe(CHANNEL, (raw) => {
      let msg: BusMessage;
      try {
        msg = JSON.parse(raw) as BusMessage;
      } catch {
        return;
      }
      if (msg.origin === this.instanceId) return;
      if (msg.kind === 'event') this.deliverLocal(msg.userId, msg.envelope);
      else if (msg.kind === 'cancel') hooks.onCancel(msg.userId, msg.runId);
      else hooks.onWake(msg.userId);
    });
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  deliverLocal(userId: string, envelope: ServerEnvelope): void {
    for (const connection of this.registry.forUser(userId)) connection.send(envelope);
  }

  /** To every connection of the user, on every process. */
  publish(userId: string, envelope: ServerEnvelope): void {
    this.deliverLocal(userId, envelope);
    this.#broadcast({ kind: 'event', origin: this.instanceId, userId, envelope });
  }

  requestCancel(userId: string, runId: string): void {
    this.#broadcast({ kind: 'cancel', origin: this.instanceId, userId, runId });
  }

  wake(userId: string): void {
    this.#broadcast({ kind: 'wake', origin: this.instanceId, userId });
  }

  #broadcast(msg: BusMessage): void {
    if (!this.crossProcess) return;
    this.cache.publish(CHANNEL, JSON.stringify(msg)).catch(() => undefined);
  }
}
