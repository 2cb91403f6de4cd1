/** Times as the console shows them: wall clock with milliseconds, and short deltas. */
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** `14:03:27`, local time. */
const timeOfDay = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

/** `14:03:27.482` in local time. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${timeOfDay(d)}.${pad(d.getMilliseconds(), 3)}`;
}

/** `+12 ms`, `+1.25 s`. */
export function formatDelta(ms: number): string {
  return ms < 1000 ? `+${ms} ms` : `+${(ms / 1000).toFixed(2)} s`;
}

/** A gap between two events by server time: formatDelta, or `-3 ms` when the clocks' order disagrees with seq order. */
export function formatGap(ms: number): string {
  return ms < 0 ? `${ms} ms` : formatDelta(ms);
}

/** `2026-12-08 14:03:27` in local time. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${timeOfDay(d)}`;
}

/** When something happened, as short as it stays clear: `14:03:27` today, else `2026-12-06 14:03:27`. */
export function formatWhen(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const today = new Date(now);
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  return sameDay ? timeOfDay(d) : formatDateTime(ms);
}
