import { describe, expect, it } from 'vitest';
import { orderedId } from './ordered-id.ts';

describe('orderedId', () => {
  it('is the prefix, an underscore and 32 hex digits, as ids always were', () => {
    expect(orderedId('run')).toMatch(/^run_[0-9a-f]{32}$/);
    expect(orderedId('msg')).toMatch(/^msg_[0-9a-f]{32}$/);
  });

  it('sorts in the order the ids were made, within a millisecond and across them', () => {
    const base = Date.now() + 10_000;
    const ids = [
      ...Array.from({ length: 500 }, () => orderedId('run', base)),
      ...Array.from({ length: 500 }, () => orderedId('run', base + 1)),
      ...Array.from({ length: 10 }, (_, i) => orderedId('run', base + 100 + i)),
    ];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps increasing when the clock steps back', () => {
    const base = Date.now() + 20_000;
    const before = orderedId('run', base);
    const after = orderedId('run', base - 5_000);
    expect(after > before).toBe(true);
  });

  it('carries into the next millisecond when the counter runs out in one', () => {
    const base = Date.now() + 30_000;
    const ids = Array.from({ length: 70_000 }, () => orderedId('run', base));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // the clock's digits (the first 12 after the prefix): past 32,768 ids at most, the next millisecond
    const msOf = (id: string) => parseInt(id.slice(4, 16), 16);
    expect(msOf(ids[0]!)).toBe(base);
    expect(msOf(ids[32_767]!)).toBe(base);
    expect(msOf(ids.at(-1)!)).toBeGreaterThan(base);
  });

  it('starts each millisecond at a random count: an id does not tell how many others its millisecond made', () => {
    const base = Date.now() + 40_000;
    const starts = new Set(Array.from({ length: 50 }, (_, i) => orderedId('run', base + i).slice(16, 20)));
    expect(starts.size).toBeGreaterThan(40);
  });

  it('leaves 16 digits of a random UUID: two processes making ids in the same millisecond do not collide', () => {
    const tails = new Set(Array.from({ length: 1000 }, () => orderedId('run').slice(-16)));
    expect(tails.size).toBe(1000);
  });
});
