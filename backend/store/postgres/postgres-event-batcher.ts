/**
 * Group commit for run events: events appended in the same tick (and while a previous
 * batch is in flight) are written by ONE multi-row INSERT. One batch at a time, so events
 * of a run land in the order they were appended. Each caller's promise settles with its
 * own outcome: a duplicate (run_id, seq) rejects only that caller.
 */
import type { StoredEvent } from '../store-types.ts';
import { duplicateEventError, eventKey } from '../store-rules.ts';

export interface EventWriter {
  /** Inserts the events, skipping existing (run_id, seq); returns the keys inserted. */
  insertMany(events: StoredEvent[]): Promise<Set<string>>;
  /** Inserts one event; rejects on a duplicate or any other failure. */
  insertOne(event: StoredEvent): Promise<void>;
  /** True when the error means the database is unreachable (no point retrying row by row). */
  isUnavailable(err: unknown): boolean;
  mapError(err: unknown): unknown;
}

interface Item {
  event: StoredEvent;
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
    const promise = new Promise<void>((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
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
      const key = eventKey(item.event);
      if (seen.has(key)) item.reject(duplicateEventError(item.event));
      else {
        seen.add(key);
        unique.push(item);
      }
    }
    if (unique.length === 0) return;
    try {
      const inserted = await this.writer.insertMany(unique.map((i) => i.event));
      for (const item of unique) {
        if (inserted.has(eventKey(item.event))) item.resolve();
        else item.reject(duplicateEventError(item.event));
      }
      return;
    } catch (err) {
      if (this.writer.isUnavailable(err) || unique.length === 1) {
        const mapped = this.writer.mapError(err);
        for (const item of unique) item.reject(mapped);
        return;
      }
    }
    // One bad row (e.g. an unknown run) failed the whole statement: write row by row so
    // only its caller fails.
    for (const item of unique) {
      try {
        await this.writer.insertOne(item.event);
        item.resolve();
      } catch (err) {
        item.reject(this.writer.mapError(err));
      }
    }
  }
}
