/**
 * Lane slots made a few per frame (issue 18): making a lane (its elements, their first style
 * and layout) costs several times updating one in place, and the five lanes in view made in
 * one frame (the first runs of a flood, a jump of the scrollbar, the lanes after Clear) were a
 * frame of 20 ms and more of main-thread CPU. Slots already shown are always rendered (updated
 * in place); of the new ones, `perFrame` per render, the rest in the frames after.
 */
import { useLayoutEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { requestLanesFrame } from './timeline-store.ts';

/** The slots to render now: those shown last time, and the first `perFrame` new ones (in the given order). */
export function admitSlots<K>(wanted: readonly K[], shown: ReadonlySet<K>, perFrame: number): K[] {
  const out: K[] = [];
  let fresh = 0;
  for (const k of wanted) {
    if (shown.has(k)) out.push(k);
    else if (fresh < perFrame) {
      out.push(k);
      fresh++;
    }
  }
  return out;
}

/**
 * `wanted` admitted by admitSlots against the slots of the last commit; while some wait, a
 * render more is asked for in the next lanes frame (not the live list's).
 */
export function useSlotBudget<K>(wanted: readonly K[], perFrame: number): K[] {
  const shown = useRef<ReadonlySet<K>>(new Set());
  const [, setTick] = useState(0);
  const admitted = admitSlots(wanted, shown.current, perFrame);
  const waiting = admitted.length < wanted.length;
  useLayoutEffect(() => {
    shown.current = new Set(admitted);
  });
  useLayoutEffect(() => {
    if (!waiting) return;
    // synchronously in that frame: the new slot's style, layout and paint in the same frame
    return requestLanesFrame(() => flushSync(() => setTick((t) => t + 1)));
  });
  return admitted;
}
