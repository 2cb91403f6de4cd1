/**
 * Pipelined persistence of one run's events. The agent hands events over one at a time
 * (`push` returns at once, so it goes on producing the next one); they are written in order,
 * in batches: everything pushed while the previous batch is in flight, or within the same
 * tick, goes in the next `appendEvents` call (which the store group-commits with the
 * batches of other runs and users). At most one batch of a run is in flight, so a batch is
 * written only after the one before it committed. Each event is published only after its
 * batch committed (persisted before emitted), in seq order.
 *
 * After a failed batch nothing more of the run is written or published: later `push`es
 * throw the failure, and `storedSeq` is the last committed event, so the final event takes
 * the next seq and leaves no gap. The events still pending at the end (`takeRest`) go in
 * the same write as the run's final event.
 *
 * Backpressure: the writer counts the events (and their payload bytes) pushed and not yet
 * committed; `room()` resolves at once while they are under the limits, else once the
 * writes caught up to half of them. The engine awaits it after each push, so an agent that
 * awaits its events waits for the store: memory stays bounded and the event loop gets turns.
 */
import type { Store, StoredEvent } from '../store/store-types.ts';

/** How far a run's writes may fall behind its agent before the agent waits. */
export interface WriteBacklogLimits {
  /** Events pushed and not yet committed. */
  maxEvents: number;
  /** Payload bytes of those events. */
  maxBytes: number;
}

export const DEFAULT_WRITE_BACKLOG: Readonly<WriteBacklogLimits> = Object.freeze({ maxEvents: 512, maxBytes: 4 * 1024 * 1024 });

export class RunEventWriter {
  /** Bytes of each pending event, in the order of #pending. */
  #pendingBytes: number[] = [];
  #inFlightBytes = 0;
  #backlogBytes = 0;
  #roomWaiters: Array<() => void> = [];
  #pending: StoredEvent[] = [];
  #inFlight: Promise<void> | null = null;
  #scheduled: NodeJS.Immediate | null = null;
  #failure: { error: unknown } | null = null;
  #stored = 0;
  #assigned = 0;

  constructor(
    private readonly store: Pick<Store, 'appendEvents'>,
    private readonly publish: (event: StoredEvent) => void,
    /** Told after each committed batch: how long its write took and how many events it held. */
    private readonly onPersisted?: (ms: number, events: number) => void,
    private readonly limits: WriteBacklogLimits = DEFAULT_WRITE_BACKLOG,
  ) {}

  /** Events pushed and not yet committed (pending and in flight). */
  get backlog(): { events: number; bytes: number } {
    return { events: this.#assigned - this.#stored, bytes: this.#backlogBytes };
  }

  /**
   * Resolves at once while the backlog is under its limits; else once it came down to half
   * of them (or a batch failed: the next push throws).
   */
  room(): Promise<void> {
    const { events, bytes } = this.backlog;
    if (this.#failure || (events <= this.limits.maxEvents && bytes <= this.limits.maxBytes)) return Promise.resolve();
    return new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
  }

  #wakeRoomWaiters(): void {
    if (this.#roomWaiters.length === 0) return;
    const { events, bytes } = this.backlog;
    if (this.#failure || (events <= this.limits.maxEvents / 2 && bytes <= this.limits.maxBytes / 2)) {
      const waiters = this.#roomWaiters;
      this.#roomWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** The seq of the last event committed. */
  get storedSeq(): number {
    return this.#stored;
  }

  /** Queues the event `build` makes with the next seq; throws once a batch has failed. */
  push(build: (seq: number) => StoredEvent, bytes = 0): void {
    if (this.#failure) throw this.#failure.error;
    const event = build(this.#assigned + 1);
    this.#assigned = event.seq;
    this.#pending.push(event);
    this.#pendingBytes.push(bytes);
    this.#backlogBytes += bytes;
    this.#schedule();
  }

  /**
   * For the run's end: waits for the batch in flight and returns the events not written yet
   * (to be stored with the final event). Throws the failure when a batch failed.
   */
  async takeRest(): Promise<StoredEvent[]> {
    while (this.#inFlight) await this.#inFlight;
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    if (this.#failure) throw this.#failure.error;
    const rest = this.#pending;
    this.#pending = [];
    this.#pendingBytes = [];
    this.#backlogBytes = 0;
    this.#wakeAll();
    return rest;
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight) return;
    this.#scheduled = setImmediate(() => {
      this.#scheduled = null;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#inFlight || this.#failure || this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#inFlightBytes = this.#pendingBytes.reduce((sum, n) => sum + n, 0);
    this.#pendingBytes = [];
    const started = performance.now();
    this.#inFlight = this.store
      .appendEvents(batch)
      .then(
        () => {
          this.#stored = batch[batch.length - 1]!.seq;
          this.#backlogBytes -= this.#inFlightBytes;
          this.onPersisted?.(performance.now() - started, batch.length);
          for (const event of batch) this.publish(event);
        },
        (error: unknown) => {
          this.#failure = { error };
          this.#pending = [];
          this.#pendingBytes = [];
          this.#backlogBytes = 0;
          this.#assigned = this.#stored;
        },
      )
      .finally(() => {
        this.#inFlight = null;
        this.#inFlightBytes = 0;
        if (this.#pending.length > 0) this.#schedule();
        this.#wakeRoomWaiters();
      });
  }

  #wakeAll(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }
}
