import { describe, expect, it } from 'vitest';
import { afterScroll, countNewer, FOLLOWING, TOP_SLACK_PX, unseenCount } from './follow.ts';

/** Rows newest first, as the list shows them. */
const rows = (...keys: number[]) => keys.map((key) => ({ key }));

describe('following the newest event', () => {
  it('follows while at the top (within the slack)', () => {
    expect(afterScroll(FOLLOWING, 0, 10)).toBe(FOLLOWING);
    expect(afterScroll(FOLLOWING, TOP_SLACK_PX, 10)).toBe(FOLLOWING);
  });

  it('leaving the top stops following and remembers the newest event then', () => {
    const away = afterScroll(FOLLOWING, 300, 10);
    expect(away).toEqual({ following: false, seenKey: 10 });
    // scrolling further keeps what was seen
    expect(afterScroll(away, 600, 25)).toBe(away);
  });

  it('back at the top follows again', () => {
    const away = afterScroll(FOLLOWING, 300, 10);
    expect(afterScroll(away, 0, 25)).toBe(FOLLOWING);
  });

  it('an empty list leaves nothing to count', () => {
    expect(afterScroll(FOLLOWING, 300, null)).toEqual({ following: false, seenKey: null });
    expect(unseenCount(rows(3, 2, 1), { following: false, seenKey: null })).toBe(0);
  });
});

describe('N new', () => {
  it('counts the events that arrived since the user scrolled away', () => {
    const away = afterScroll(FOLLOWING, 300, 10);
    expect(unseenCount(rows(10, 9, 8), away)).toBe(0);
    expect(unseenCount(rows(14, 13, 12, 11, 10, 9, 8), away)).toBe(4);
  });

  it('is 0 while following, however many arrive', () => {
    expect(unseenCount(rows(14, 13, 12), FOLLOWING)).toBe(0);
  });

  it('counts the newer rows even once the seen one left the capped list or a filter hides it', () => {
    expect(countNewer(rows(20, 18, 7), 10)).toBe(2);
    expect(countNewer(rows(20, 18), 10)).toBe(2);
    expect(countNewer(rows(5, 4), 10)).toBe(0);
    expect(countNewer([], 10)).toBe(0);
    expect(countNewer(rows(5, 4), null)).toBe(0);
  });
});

describe('counting the new rows', () => {
  it('counts the rows newer than the one seen, whatever reads them by index', () => {
    const list = rows(9, 8, 7, 5, 3);
    expect(countNewer(list, 7)).toBe(2);
    expect(countNewer(list, 6)).toBe(3);
    expect(countNewer(list, 10)).toBe(0);
    expect(countNewer(list, 1)).toBe(5);
    expect(countNewer(list, null)).toBe(0);
    const byIndex = { length: list.length, at: (i: number) => list[i] };
    expect(countNewer(byIndex, 6)).toBe(3);
  });
});
