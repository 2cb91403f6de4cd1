/**
 * The in-process cache stays bounded: keys of users seen once do not stay in memory (TTLs
 * honoured, expired entries swept), and rate-limit windows are capped.
 */
import { describe, expect, it } from 'vitest';
import { LocalCoordination } from './local-coordination.ts';

describe('LocalCoordination memory bounds', () => {
  it('sweeps the expired windows, slots and leases of every user seen', () => {
    let now = 1_000;
    const local = new LocalCoordination(() => now, 60_000);
    for (let i = 0; i < 500; i++) {
      local.hitRateLimit(`rate:user-${i}`, 10_000);
      local.tryAddConnection(`conn:user-${i}`, `c${i}`, 10, 60_000, '');
      local.acquireLease(`lease:user-lease:user-${i}`, 'inst', 10_000);
    }
    expect(local.size).toEqual({ windows: 500, users: 500, leases: 500 });
    now += 61_000;
    local.sweep();
    expect(local.size).toEqual({ windows: 0, users: 0, leases: 0 });
    local.close();
  });

  it('caps the rate-limit windows: past the cap the oldest is dropped, live counts go on', () => {
    let now = 0;
    const local = new LocalCoordination(() => now, 60_000, 100);
    for (let i = 0; i < 1000; i++) {
      now += 1;
      local.hitRateLimit(`rate:flood-${i}`, 10_000);
    }
    expect(local.size.windows).toBe(100);
    // the newest users keep their counts
    expect(local.hitRateLimit('rate:flood-999', 10_000)[0]).toBe(2);
    local.close();
  });

  it("drops a slot as soon as its holder's lease is gone", () => {
    const now = 0;
    const local = new LocalCoordination(() => now, 60_000);
    local.acquireLease('lease:instance:a', 'a', 10_000);
    expect(local.tryAddConnection('conn:u', 'c1', 1, 60_000, 'lease:instance:a')).toEqual([1, 1]);
    expect(local.tryAddConnection('conn:u', 'c2', 1, 60_000, '')).toEqual([0, 1]);
    local.releaseLease('lease:instance:a', 'a');
    expect(local.tryAddConnection('conn:u', 'c2', 1, 60_000, '')).toEqual([1, 1]);
    local.close();
  });
});
