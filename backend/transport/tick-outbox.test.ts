import { describe, expect, it } from 'vitest';
import { corked, FLUSH_AT_LENGTH, TickOutbox, type OutboxSink } from './tick-outbox.ts';

/** A sink that keeps each write (one array of frames per write). */
function recorder(): OutboxSink & { writes: string[][]; failures: unknown[] } {
  const writes: string[][] = [];
  const failures: unknown[] = [];
  return { writes, failures, write: (frames) => writes.push([...frames]), failed: (error) => failures.push(error) };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TickOutbox', () => {
  it("hands a connection's frames of one turn to its socket in one write, in order, at the end of the turn", async () => {
    const sink = recorder();
    const box = new TickOutbox(sink);
    for (let i = 1; i <= 7; i++) box.push(`f${i}`);
    // Queued, not written, and counted as owed meanwhile.
    expect(sink.writes).toEqual([]);
    expect(box.size).toBe(7);
    expect(box.queuedLength).toBe(14);
    // Frames sent from promise continuations of the same turn join the batch.
    await Promise.resolve();
    box.push('f8');
    await nextTurn();
    expect(sink.writes).toEqual([['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8']]);
    expect(box.queuedLength).toBe(0);
    // The next turn is the next write.
    box.push('g1');
    box.push('g2');
    await nextTurn();
    expect(sink.writes).toEqual([
      ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8'],
      ['g1', 'g2'],
    ]);
  });

  it('writes each connection once per turn, in the order they were first sent to', async () => {
    const order: string[] = [];
    const boxes = ['a', 'b', 'c'].map((name) => new TickOutbox({ write: (frames) => order.push(`${name}:${frames.join(',')}`), failed: () => undefined }));
    boxes[1]!.push('1');
    boxes[0]!.push('2');
    boxes[1]!.push('3');
    boxes[2]!.push('4');
    await nextTurn();
    expect(order).toEqual(['b:1,3', 'a:2', 'c:4']);
  });

  it('flush writes what is queued now (before a close); discard drops it; neither writes again at the end of the turn', async () => {
    const sink = recorder();
    const box = new TickOutbox(sink);
    box.push('goodbye');
    box.flush();
    expect(sink.writes).toEqual([['goodbye']]);
    box.push('lost');
    box.discard();
    expect(box.queuedLength).toBe(0);
    box.flush(); // nothing queued: no empty write
    await nextTurn();
    expect(sink.writes).toEqual([['goodbye']]);
  });

  it(`writes at once when what is queued reaches ${FLUSH_AT_LENGTH} characters`, async () => {
    const sink = recorder();
    const box = new TickOutbox(sink);
    const big = 'x'.repeat(FLUSH_AT_LENGTH / 4);
    for (let i = 0; i < 5; i++) box.push(big);
    expect(sink.writes.map((w) => w.length)).toEqual([4]);
    expect(box.queuedLength).toBe(big.length);
    await nextTurn();
    expect(sink.writes.map((w) => w.length)).toEqual([4, 1]);
  });

  it("tells the transport when its write throws, and still writes the other connections' frames", async () => {
    const failing = recorder();
    failing.write = () => {
      throw new Error('EPIPE');
    };
    const healthy = recorder();
    const a = new TickOutbox(failing);
    const b = new TickOutbox(healthy);
    a.push('x');
    b.push('y');
    await nextTurn();
    expect((failing.failures[0] as Error).message).toBe('EPIPE');
    expect(healthy.writes).toEqual([['y']]);
  });

  it("writes the other connections even when the failed write's own handler throws", async () => {
    const broken = new TickOutbox({
      write: () => {
        throw new Error('EPIPE');
      },
      failed: () => {
        throw new Error('teardown failed too');
      },
    });
    const healthy = recorder();
    const b = new TickOutbox(healthy);
    broken.push('x');
    b.push('y');
    await nextTurn();
    expect(healthy.writes).toEqual([['y']]);
    expect(broken.size).toBe(0);
  });
});

describe('corked', () => {
  it('corks the socket around the writes and uncorks it even when a write throws', () => {
    const calls: string[] = [];
    const socket = { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') };
    corked(socket, () => calls.push('write'));
    expect(() =>
      corked(socket, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(calls).toEqual(['cork', 'write', 'uncork', 'cork', 'uncork']);
  });
});
