import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../store-types.ts';
import { StoreConflictError } from '../store-errors.ts';
import { eventKey } from '../store-rules.ts';
import { PgEventBatcher, type EventWriter } from './postgres-event-batcher.ts';

function ev(runId: string, seq: number): StoredEvent {
  const timestamp = '2030-01-01T00:00:00.000Z';
  return {
    runId,
    seq,
    userId: 'u',
    type: 'agent_thinking',
    envelope: { type: 'agent_thinking', run_id: runId, seq, timestamp, payload: { thought: 't', step: seq } },
    createdAt: timestamp,
  };
}

class FakeWriter implements EventWriter {
  batches: string[][] = [];
  stored = new Set<string>();
  failMany: unknown = null;
  gate: Promise<void> | null = null;

  async insertMany(events: StoredEvent[]): Promise<void> {
    this.batches.push(events.map(eventKey));
    if (this.gate) await this.gate;
    if (this.failMany && events.length > 1) throw this.failMany;
    if (this.failMany && (this.failMany as Error).message === 'down') throw this.failMany;
    if (events.some((e) => e.runId === 'bad')) throw new Error('unknown run');
    if (events.some((e) => this.stored.has(eventKey(e)))) throw Object.assign(new Error('duplicate'), { duplicate: true });
    for (const e of events) this.stored.add(eventKey(e));
  }
  isDuplicate(err: unknown): boolean {
    return (err as { duplicate?: boolean }).duplicate === true;
  }
  isUnavailable(err: unknown): boolean {
    return err instanceof Error && err.message === 'down';
  }
  mapError(err: unknown): unknown {
    return err instanceof Error && err.message === 'down' ? new Error('mapped: down') : err;
  }
}

describe('PgEventBatcher', () => {
  it('writes the events of one tick with one multi-row insert', async () => {
    const writer = new FakeWriter();
    const batcher = new PgEventBatcher(writer);
    await Promise.all([1, 2, 3].map((seq) => batcher.append(ev('r', seq))));
    expect(writer.batches).toHaveLength(1);
    expect(writer.batches[0]).toHaveLength(3);
  });

  it('groups what arrives during an insert into the next one, one batch at a time', async () => {
    const writer = new FakeWriter();
    const batcher = new PgEventBatcher(writer);
    let open!: () => void;
    writer.gate = new Promise((r) => (open = r));
    const first = batcher.append(ev('r', 1));
    await new Promise((r) => setImmediate(r));
    const later = [2, 3, 4].map((seq) => batcher.append(ev('r', seq)));
    await new Promise((r) => setTimeout(r, 5));
    expect(writer.batches).toHaveLength(1); // the second waits for the first
    writer.gate = null;
    open();
    await Promise.all([first, ...later]);
    expect(writer.batches.map((b) => b.length)).toEqual([1, 3]);
  });

  it('rejects duplicates (in the batch or already stored) and only them', async () => {
    const writer = new FakeWriter();
    writer.stored.add(eventKey(ev('r', 1)));
    const batcher = new PgEventBatcher(writer);
    const results = await Promise.allSettled([batcher.append(ev('r', 1)), batcher.append(ev('r', 2)), batcher.append(ev('r', 2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StoreConflictError);
  });

  it('falls back to row-by-row inserts when one bad row fails the statement', async () => {
    const writer = new FakeWriter();
    writer.failMany = new Error('foreign key violation');
    const batcher = new PgEventBatcher(writer);
    const results = await Promise.allSettled([batcher.append(ev('r', 1)), batcher.append(ev('bad', 1)), batcher.append(ev('r', 2))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(writer.batches.map((b) => b.length)).toEqual([3, 1, 1, 1]);
  });

  it('rejects the whole batch with the mapped error when the database is unreachable', async () => {
    const writer = new FakeWriter();
    writer.failMany = new Error('down');
    const batcher = new PgEventBatcher(writer);
    const results = await Promise.allSettled([batcher.append(ev('r', 1)), batcher.append(ev('r', 2))]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual(['mapped: down', 'mapped: down']);
    expect(writer.batches).toHaveLength(1);
  });

  it('stores the events of one appendAll all or none', async () => {
    const writer = new FakeWriter();
    writer.stored.add(eventKey(ev('r', 3)));
    const batcher = new PgEventBatcher(writer);
    const results = await Promise.allSettled([
      batcher.appendAll([ev('r', 1), ev('r', 2)]),
      batcher.appendAll([ev('q', 1), ev('r', 3)]),
      batcher.appendAll([ev('q', 2)]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StoreConflictError);
    expect([...writer.stored].sort()).toEqual([eventKey(ev('q', 2)), eventKey(ev('r', 1)), eventKey(ev('r', 2)), eventKey(ev('r', 3))].sort());
  });

  it('settled() starts the pending batch and waits for it', async () => {
    const writer = new FakeWriter();
    const batcher = new PgEventBatcher(writer);
    void batcher.append(ev('r', 1));
    await batcher.settled();
    expect(writer.stored.has(eventKey(ev('r', 1)))).toBe(true);
  });
});
