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
 */
import type { Store, StoredEvent } from '../store/store-types.ts';

export class RunEventWriter {
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
  ) {}

  /** The seq of the last event committed. */
  get storedSeq(): number {
    return this.#stored;
  }

  /** Queues the event `build` makes with the next seq; throws once a batch has failed. */
  push(build: (seq: number) => StoredEvent): void {
    if (this.#failure) throw this.#failure.error;
    const event = build(this.#assigned + 1);
    this.#assigned = event.seq;
    this.#pending.push(event);
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
    const started = performance.now();
    this.#inFlight = this.store
      .appendEvents(batch)
      .then(
        () => {
          this.#stored = batch[batch.length - 1]!.seq;
          this.onPersisted?.(performance.now() - started, batch.length);
          for (const event of batch) this.publish(event);
        },
        (error: unknown) => {
          this.#failure = { error };
          this.#pending = [];
          this.#assigned = this.#stored;
        },
      )
      .finally(() => {
        this.#inFlight = null;
        if (this.#pending.length > 0) this.#schedule();
      });
  }
}
