import { describe, expect, it } from 'vitest';
import { admitSlots } from './slot-budget.ts';

describe('admitSlots', () => {
  it('makes the slots of an empty view one at a time, in view order', () => {
    const wanted = [0, 1, 2, 3, 4];
    let shown = new Set<number>();
    const frames: number[][] = [];
    while (shown.size < wanted.length) {
      const admitted = admitSlots(wanted, shown, 1);
      frames.push(admitted);
      shown = new Set(admitted);
    }
    expect(frames).toEqual([[0], [0, 1], [0, 1, 2], [0, 1, 2, 3], [0, 1, 2, 3, 4]]);
  });

  it('keeps every slot already shown and adds new ones up to the budget', () => {
    // scrolled by two lanes: 3 and 4 stay, 5 and 6 are new, 1 and 2 left the view
    expect(admitSlots([3, 4, 5, 6], new Set([1, 2, 3, 4]), 1)).toEqual([3, 4, 5]);
    expect(admitSlots([3, 4, 5, 6], new Set([1, 2, 3, 4]), 2)).toEqual([3, 4, 5, 6]);
  });

  it('admits everything when nothing is new', () => {
    expect(admitSlots([2, 3], new Set([1, 2, 3]), 1)).toEqual([2, 3]);
    expect(admitSlots([], new Set([1]), 1)).toEqual([]);
  });
});
