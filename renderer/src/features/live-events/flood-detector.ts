/**
 * When the live views are in a flood (event-log-store.ts: the list brought up to date at most
 * every 200 ms, the lanes every 500 ms, ...): a render that takes `batch` events or more, or
 * `batch` events or more arriving within `windowMs` over several renders. The second rule
 * catches a flood at its start: at 5,000 events a second each frame's render takes about 80,
 * and waiting for one render of 200 meant the first frames of a flood were rendered as if it
 * were a trickle (the list every frame), the costliest frames of all (nothing warmed up yet).
 * A flood lasts until no render met either rule for `overMs`.
 */
export interface FloodRules {
  batch: number;
  windowMs: number;
  overMs: number;
}

export interface FloodDetector {
  /** A render took `count` events at `now` (ms); says whether the views are in a flood. */
  record(now: number, count: number): boolean;
  /** Whether the views are in a flood at `now` (ms). */
  flooding(now: number): boolean;
}

export function createFloodDetector(rules: FloodRules): FloodDetector {
  /** The renders of the last `windowMs`: when, and how many events each took. */
  const recent: Array<{ at: number; count: number }> = [];
  let inWindow = 0;
  let lastFloodAt = -Infinity;
  return {
    record(now, count) {
      recent.push({ at: now, count });
      inWindow += count;
      while (recent.length > 0 && recent[0]!.at <= now - rules.windowMs) inWindow -= recent.shift()!.count;
      if (count >= rules.batch || inWindow >= rules.batch) lastFloodAt = now;
      return now - lastFloodAt < rules.overMs;
    },
    flooding(now) {
      return now - lastFloodAt < rules.overMs;
    },
  };
}
