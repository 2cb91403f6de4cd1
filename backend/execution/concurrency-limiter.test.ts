/**
 * The global run limit with a cap per agent (issue 17, defect 7): a slow agent holds at most
 * its cap, the others pass it in the queue, and a waiter that is aborted takes no slot.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter, defaultAgentCap } from './concurrency-limiter.ts';

/** Lets every pending promise callback run. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimiter', () => {
  it('caps one agent at half the slots by default, so another agent still gets one', async () => {
    expect(defaultAgentCap(64)).toBe(32);
    expect(defaultAgentCap(1)).toBe(1);
    const limiter = new ConcurrencyLimiter(4);
    expect(await limiter.acquire('slow')).toBe(true);
    expect(await limiter.acquire('slow')).toBe(true);
    let third = false;
    void limiter.acquire('slow').then(() => (third = true));
    // Two slots are free, but not for `slow`: a waiter of another agent passes it.
    expect(await limiter.acquire('fast')).toBe(true);
    await turn();
    expect(third).toBe(false);
    expect(limiter.activeFor('slow')).toBe(2);
    expect(limiter.waiting).toBe(1);
    limiter.release('slow');
    await turn();
    expect(third).toBe(true);
    expect(limiter.activeFor('slow')).toBe(2);
    expect(limiter.active).toBe(3);
  });

  it('serves waiters in arrival order when the process is full, skipping agents at their cap', async () => {
    const limiter = new ConcurrencyLimiter(2, 1);
    await limiter.acquire('a');
    await limiter.acquire('b');
    const order: string[] = [];
    const waits = [limiter.acquire('a').then(() => order.push('a2')), limiter.acquire('c').then(() => order.push('c'))];
    limiter.release('b'); // a is at its cap (1): c goes first
    await turn();
    expect(order).toEqual(['c']);
    limiter.release('a');
    await Promise.all(waits);
    expect(order).toEqual(['c', 'a2']);
  });

  it('an aborted waiter resolves false and takes no slot', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await limiter.acquire('x');
    const controller = new AbortController();
    const waiting = limiter.acquire('y', controller.signal);
    controller.abort('cancelled');
    expect(await waiting).toBe(false);
    expect(limiter.waiting).toBe(0);
    limiter.release('x');
    expect(limiter.active).toBe(0);
    expect(await limiter.acquire('z', controller.signal)).toBe(false);
  });
});
