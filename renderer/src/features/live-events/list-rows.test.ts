import { describe, expect, it } from 'vitest';
import { EMPTY_FILTER, type EventFilter } from './event-filter.ts';
import { FilteredRows, indexOfKey, listWindow, newestFirst, ROW_HEIGHT, type RowList } from './list-rows.ts';
import type { StreamEvent } from './stream-event.ts';

const ev = (key: number, userId = 'alice', type = 'agent_thinking'): StreamEvent => ({
  key,
  userId,
  receivedAt: 0,
  source: 'live',
  envelope: { type, run_id: `run_${Math.floor(key / 5)}` },
});
const keys = (rows: RowList) => Array.from({ length: rows.length }, (_, i) => rows.at(i)!.key);
/** A log of events with keys from..to (oldest first), as the event log keeps it. */
const log = (from: number, to: number, user = (k: number) => (k % 2 ? 'alice' : 'bob')) =>
  Array.from({ length: to - from + 1 }, (_, i) => ev(from + i, user(from + i)));

describe('the live list rows', () => {
  it('reads the log newest first without copying it, and stays as it was when the log grows', () => {
    const events = log(1, 4);
    const rows = newestFirst(events);
    expect(keys(rows)).toEqual([4, 3, 2, 1]);
    expect(rows.at(4)).toBeUndefined();
    expect(rows.at(-1)).toBeUndefined();
    events.push(ev(5));
    expect(keys(rows)).toEqual([4, 3, 2, 1]);
  });

  it('without a filter, the rows are the log', () => {
    const f = new FilteredRows();
    expect(keys(f.rows(log(1, 3), EMPTY_FILTER))).toEqual([3, 2, 1]);
  });

  it('keeps its matches across updates: the new events are tested, the dropped ones let go', () => {
    const f = new FilteredRows();
    const bob: EventFilter = { ...EMPTY_FILTER, userId: 'bob' };
    const first = f.rows(log(1, 6), bob);
    expect(keys(first)).toEqual([6, 4, 2]);
    // the log grew by 4 and dropped its 3 oldest (a capped log)
    const second = f.rows(log(4, 10), bob);
    expect(keys(second)).toEqual([10, 8, 6, 4]);
    // the earlier rows are unchanged
    expect(keys(first)).toEqual([6, 4, 2]);
    // the same log and filter: the same rows
    const same = log(4, 10);
    expect(f.rows(same, bob)).toBe(f.rows(same, bob));
  });

  it('another filter, a cleared or a replaced log is a pass over the whole log', () => {
    const f = new FilteredRows();
    const bob: EventFilter = { ...EMPTY_FILTER, userId: 'bob' };
    const alice: EventFilter = { ...EMPTY_FILTER, userId: 'alice' };
    f.rows(log(1, 6), bob);
    expect(keys(f.rows(log(1, 6), alice))).toEqual([5, 3, 1]);
    expect(keys(f.rows([], alice))).toEqual([]);
    // cleared, then new events (keys go on from where they were)
    expect(keys(f.rows(log(20, 23), alice))).toEqual([23, 21]);
    // a log with a gap after the last one seen (not the same log grown): whole pass
    expect(keys(f.rows(log(40, 43), alice))).toEqual([43, 41]);
  });

  it('finds a row by key (keys descend)', () => {
    const rows = newestFirst(log(10, 20));
    expect(indexOfKey(rows, 20)).toBe(0);
    expect(indexOfKey(rows, 15)).toBe(5);
    expect(indexOfKey(rows, 10)).toBe(10);
    expect(indexOfKey(rows, 9)).toBe(-1);
    expect(indexOfKey(rows, 21)).toBe(-1);
    expect(indexOfKey(newestFirst([]), 1)).toBe(-1);
  });
});

describe('the window of rows in view', () => {
  it('is the rows in the viewport and one more each side', () => {
    const w = listWindow(1000, [], 10 * ROW_HEIGHT, 5 * ROW_HEIGHT, 1);
    expect(w.total).toBe(1000 * ROW_HEIGHT);
    expect(w.items.map((i) => i.index)).toEqual([9, 10, 11, 12, 13, 14, 15]);
    expect(w.items[1]).toEqual({ index: 10, top: 10 * ROW_HEIGHT, height: ROW_HEIGHT });
  });

  it('stops at the ends', () => {
    expect(listWindow(3, [], 0, 10 * ROW_HEIGHT, 1).items.map((i) => i.index)).toEqual([0, 1, 2]);
    expect(listWindow(0, [], 0, 500, 1)).toEqual({ items: [], total: 0 });
    expect(listWindow(100, [], 0, 0, 0).items.map((i) => i.index)).toEqual([0]);
  });

  it('places the rows after an expanded one lower by its extra height', () => {
    const tall = [{ index: 2, height: 200 }];
    const w = listWindow(100, tall, 0, 10 * ROW_HEIGHT, 0);
    expect(w.total).toBe(99 * ROW_HEIGHT + 200);
    const at = (i: number) => w.items.find((x) => x.index === i)!;
    expect(at(2)).toEqual({ index: 2, top: 2 * ROW_HEIGHT, height: 200 });
    expect(at(3).top).toBe(2 * ROW_HEIGHT + 200);
    // the expanded row takes most of the view: fewer rows fit
    expect(w.items.length).toBeLessThan(10);
    // scrolled into the middle of the expanded row, it is the first in view
    expect(listWindow(100, tall, 2 * ROW_HEIGHT + 100, 50, 0).items[0]!.index).toBe(2);
  });
});
