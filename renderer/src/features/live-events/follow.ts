/**
 * Live events follow the newest event (the list is newest first, so following is staying at
 * the top) unless the user scrolled away: then the rows in view stay in view as new ones
 * arrive above them, and "N new" counts those, a click jumping back to the top.
 */

/** Within this many pixels of the top the list counts as at the top (following). */
export const TOP_SLACK_PX = 4;

export interface FollowState {
  /** At the top: new events show as they come. */
  following: boolean;
  /** The newest event's key when the user scrolled away (null while following). */
  seenKey: number | null;
}

export const FOLLOWING: FollowState = Object.freeze({ following: true, seenKey: null });

/** After a scroll to `scrollTop`: leaving the top remembers the newest event then shown. */
export function afterScroll(state: FollowState, scrollTop: number, newestKey: number | null): FollowState {
  const atTop = scrollTop <= TOP_SLACK_PX;
  if (atTop) return state.following ? state : FOLLOWING;
  if (!state.following) return state;
  return { following: false, seenKey: newestKey };
}

/** Rows newest first, read by index (an array, or the live list's rows: list-rows.ts). */
interface Rows {
  readonly length: number;
  at(index: number): { key: number } | undefined;
}

/** How many of `rows` (newest first, keys descending) are newer than `key`. */
export function countNewer(rows: Rows, key: number | null): number {
  if (key === null) return 0;
  // the first row not newer than `key` (keys descend: a binary search)
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows.at(mid)!.key > key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The events that arrived since the user scrolled away ("N new"); 0 while following. */
export function unseenCount(rows: Rows, state: FollowState): number {
  return state.following ? 0 : countNewer(rows, state.seenKey);
}
