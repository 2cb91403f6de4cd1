/** Times as the console shows them: wall clock with milliseconds, and short deltas. */
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `14:03:27.482` in local time. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `+12 ms`, `+1.25 s`. */
export function formatDelta(ms: number): string {
  return ms < 1000 ? `+${ms} ms` : `+${(ms / 1000).toFixed(2)} s`;
}
