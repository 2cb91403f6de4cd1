/**
 * The current time, re-rendering every `intervalMs` while `active` (countdowns, running
 * durations). Every component asking for the same interval ticks from one timer, in the same
 * task: React renders them together, in one frame, where a timer each (a running lane each, in
 * a flood) spread their renders over as many frames.
 */
import { useEffect, useState } from 'react';

const clocks = new Map<number, { timer: ReturnType<typeof setInterval>; listeners: Set<(now: number) => void> }>();

/** Calls `listener` with the time every `intervalMs`, from the one timer of that interval; returns the unsubscribe. */
export function onClockTick(intervalMs: number, listener: (now: number) => void): () => void {
  let clock = clocks.get(intervalMs);
  if (!clock) {
    const listeners = new Set<(now: number) => void>();
    const timer = setInterval(() => {
      const now = Date.now();
      for (const l of listeners) l(now);
    }, intervalMs);
    clock = { timer, listeners };
    clocks.set(intervalMs, clock);
  }
  clock.listeners.add(listener);
  return () => {
    const c = clocks.get(intervalMs);
    if (!c) return;
    c.listeners.delete(listener);
    if (c.listeners.size === 0) {
      clearInterval(c.timer);
      clocks.delete(intervalMs);
    }
  };
}

export function useNow(intervalMs = 1000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    // a value older than one interval is brought up to date at once (a render more only then)
    setNow((prev) => (Date.now() - prev >= intervalMs ? Date.now() : prev));
    return onClockTick(intervalMs, setNow);
  }, [intervalMs, active]);
  return now;
}
