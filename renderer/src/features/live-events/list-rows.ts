/**
 * The live list's rows and the window of them in view, at a cost that does not grow with the
 * log: in a flood the list is brought up to date ten times a second over a log of thousands of
 * events, and a copy, a filter pass or a measurement of every event at each update was most of
 * the page's script time. The rows are the log seen newest first (no copy); a filter keeps
 * its matches and adds only the events that arrived since the last update; the window is
 * computed from the scroll position, rows being of one height but the few expanded ones.
 */
import { isFilterActive, matchesFilter, type EventFilter } from './event-filter.ts';
import type { StreamEvent } from './stream-event.ts';

/** Rows newest first, read by index (an array is one too). */
export interface RowList<T extends { key: number } = StreamEvent> {
  readonly length: number;
  at(index: number): T | undefined;
}

/** A log (oldest first) read newest first, without a copy. Appending to the log later does not change it. */
export function newestFirst<T extends { key: number }>(log: readonly T[]): RowList<T> {
  const n = log.length;
  return { length: n, at: (i) => (i >= 0 && i < n ? log[n - 1 - i] : undefined) };
}

/**
 * The rows passing a filter, kept across updates of the log (oldest first, keys ascending, as
 * the event log keeps it): the events newer than the last update are tested, the ones the
 * log dropped are let go. Another filter, or a log that is not the last one grown (cleared,
 * paused, replaced), is a pass over the whole log.
 */
export class FilteredRows {
  private log: readonly StreamEvent[] | null = null;
  private filter: EventFilter | null = null;
  /** The matches, oldest first (appended to; a drop makes a new array, so earlier row lists stay whole). */
  private matched: StreamEvent[] = [];
  private newestKey = -Infinity;
  private last: RowList | null = null;

  rows(log: readonly StreamEvent[], filter: EventFilter): RowList {
    if (this.last && log === this.log && filter === this.filter) return this.last;
    if (!isFilterActive(filter)) {
      this.matched = [];
      this.remember(log, filter, newestFirst(log));
      return this.last!;
    }
    const query = filter.query.trim().toLowerCase();
    const oldest = log[0]?.key ?? Infinity;
    if (filter === this.filter && this.grows(log)) {
      let i = log.length - 1;
      while (i >= 0 && log[i]!.key > this.newestKey) i--;
      for (let j = i + 1; j < log.length; j++) if (matchesFilter(log[j]!, filter, query)) this.matched.push(log[j]!);
      let drop = 0;
      while (drop < this.matched.length && this.matched[drop]!.key < oldest) drop++;
      if (drop > 0) this.matched = this.matched.slice(drop);
    } else {
      this.matched = log.filter((e) => matchesFilter(e, filter, query));
    }
    this.remember(log, filter, newestFirst(this.matched));
    return this.last!;
  }

  /** The log is the previous one with events added at its end (and maybe some dropped from its start). */
  private grows(log: readonly StreamEvent[]): boolean {
    if (this.log === null || log.length === 0) return false;
    const newest = log[log.length - 1]!.key;
    // the last event seen is still in the log, or was dropped with everything before it
    return newest >= this.newestKey && log[0]!.key <= this.newestKey + 1;
  }

  private remember(log: readonly StreamEvent[], filter: EventFilter, rows: RowList): void {
    this.log = log;
    this.filter = filter;
    this.newestKey = log.length > 0 ? log[log.length - 1]!.key : -Infinity;
    this.last = rows;
  }
}

/** The height of every row but the expanded ones. */
export const ROW_HEIGHT = 27;

export interface WindowItem {
  index: number;
  /** px from the list's top */
  top: number;
  height: number;
}

export interface ListWindow {
  items: WindowItem[];
  /** The whole list's height. */
  total: number;
}

/**
 * The rows in view (and `overscan` more each side) at `scrollTop` in a viewport of `viewport`
 * px. `tall` lists the rows taller than ROW_HEIGHT (expanded), by index ascending, with their
 * height: every position is computed from the count and those few, never by walking the rows.
 */
export function listWindow(
  length: number,
  tall: ReadonlyArray<{ index: number; height: number }>,
  scrollTop: number,
  viewport: number,
  overscan = 1,
): ListWindow {
  const top = (i: number): number => {
    let y = i * ROW_HEIGHT;
    for (const t of tall) {
      if (t.index >= i) break;
      y += t.height - ROW_HEIGHT;
    }
    return y;
  };
  const heightOf = (i: number): number => tall.find((t) => t.index === i)?.height ?? ROW_HEIGHT;
  const total = top(length);
  if (length === 0) return { items: [], total };
  // the first row whose bottom is below scrollTop, the last whose top is above the view's bottom
  const firstBelow = (y: number): number => {
    let lo = 0;
    let hi = length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (top(mid + 1) > y) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const first = Math.max(0, firstBelow(Math.max(0, scrollTop)) - overscan);
  const last = Math.min(length - 1, firstBelow(Math.max(0, scrollTop + Math.max(0, viewport) - 1)) + overscan);
  const items: WindowItem[] = [];
  for (let i = first; i <= last; i++) items.push({ index: i, top: top(i), height: heightOf(i) });
  return { items, total };
}

/** Where the row with `key` is in `rows` (newest first, keys descending); -1 when it is not there. */
export function indexOfKey(rows: RowList<{ key: number }>, key: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = rows.at(mid)!.key;
    if (k === key) return mid;
    if (k > key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
