/**
 * Group commit for run events: events appended in the same tick (and while a previous
 * batch is in flight) are written by ONE multi-row INSERT, across runs and users. One
 * batch at a time, so events of a run land in the order they were appended. Each call
 * (`append`: one event, `appendAll`: several of one run) is stored all or none and settles
 * with its own outcome: a duplicate (run_id, seq) rejects only its call.
 */
import type { StoredEvent } from '../store-types.ts';
import { clashingEvent, duplicateEventError, eventKey } from '../store-rules.ts';

export interface EventWriter {
  /** Inserts the events in one statement: all or none (a duplicate (run_id, seq) fails it). */
  insertMany(events: StoredEvent[]): Promise<void>;
  /** True when the error is a duplicate (run_id, seq). */
  isDuplicate(err: unknown): boolean;
  /** The event a duplicate's error names, when it names one. */
  duplicateKey?(err: unknown): { runId: string; seq: number } | undefined;
  /** True when the error means the database is unreachable (no point retrying call by call). */
  isUnavailable(err: unknown): boolean;
  mapError(err: unknown): unknown;
}

interface Item {
  events: StoredEvent[];
  resolve: () => void;
  reject: (reason: unknown) => void;
}

export class PgEventBatcher {
  private pending: Item[] = [];
  private scheduled = false;
  private running: Promise<void> | null = null;
  private readonly unsettled = new Set<Promise<void>>();

  constructor(private readonly writer: EventWriter) {}

  append(event: StoredEvent): Promise<void> {
    return this.appendAll([event]);
  }

  /** Several events (of one run, in seq order), stored all or none. */
  appendAll(events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const promise = new Promise<void>((resolve, reject) => {
      this.pending.push({ events, resolve, reject });
    });
    this.unsettled.add(promise);
    const forget = () => this.unsettled.delete(promise);
    promise.then(forget, forget);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.start();
      });
    }
    return promise;
  }

  /** Resolves once every event appended so far has settled (starting its batch now). */
  async settled(): Promise<void> {
    if (this.unsettled.size === 0) return;
    const snapshot = [...this.unsettled];
    this.start();
    await Promise.allSettled(snapshot);
  }

  private start(): void {
    if (this.running || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.running = this.write(batch)
      .catch((err: unknown) => {
        for (const item of batch) item.reject(this.writer.mapError(err)); // no-op for settled ones
      })
      .finally(() => {
        this.running = null;
        this.start();
      });
  }

  private async write(batch: Item[]): Promise<void> {
    const unique: Item[] = [];
    const seen = new Set<string>();
    for (const item of batch) {
      const keys = item.events.map(eventKey);
      const clash = item.events.find((_, i) => seen.has(keys[i]!) || keys.indexOf(keys[i]!) !== i);
      if (clash) item.reject(duplicateEventError(clash));
      else {
        for (const key of keys) seen.add(key);
        unique.push(item);
      }
    }
    if (unique.length === 0) return;
    try {
      await this.writer.insertMany(unique.flatMap((i) => i.events));
      for (const item of unique) item.resolve();
      return;
    } catch (err) {
      if (this.writer.isUnavailable(err) || unique.length === 1) {
        for (const item of unique) item.reject(this.failure(item, err));
        return;
      }
    }
    // One bad call (a duplicate, an unknown run) failed the whole statement: write call by
    // call, so only its caller fails.
    for (const item of unique) {
      try {
        await this.writer.insertMany(item.events);
        item.resolve();
      } catch (err) {
        item.reject(this.failure(item, err));
      }
    }
  }

  private failure(item: Item, err: unknown): unknown {
    return this.writer.isDuplicate(err) ? duplicateEventError(clashingEvent(item.events, this.writer.duplicateKey?.(err)), err) : this.writer.mapError(err);
  }
}
