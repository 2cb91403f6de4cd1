/**
 * Timeline and runs: the run index behind the timelines (fed by each batch of live events and
 * by runs loaded from history; apart from the live list, so clearing the list keeps the runs).
 * `runsVersion` is bumped when the index changes (its lanes are read with runIndex().lanes()).
 * A reconnected user's runs in progress come from here.
 */
import { useEffect, useState } from 'react';
import { flushSync } from 'react-dom';
import { createExternalStore, useStoreSlice } from '../../ui/external-store.ts';
import { liveListFrameBusy, onEventBatch, type StreamEvent } from '../live-events/index.ts';
import { setRunsToResume } from '../users/index.ts';
import { RunIndex } from './run-index.ts';

export interface TimelineState {
  /** Bumped when the run index changes. */
  runsVersion: number;
  /** Runs in the timeline without their agent_completed yet. */
  inProgress: number;
}

const store = createExternalStore<TimelineState>({ runsVersion: 0, inProgress: 0 });
const runs = new RunIndex();

function changed(): void {
  store.set({ runsVersion: store.get().runsVersion + 1, inProgress: runs.inProgressCount() });
}

onEventBatch((incoming) => {
  let any = false;
  for (const e of incoming) if (runs.add(e)) any = true;
  // in the frame the live list renders this batch in (the status bar's count with it); the
  // lanes follow at their own pace (useLanesVersion)
  if (any) changed();
});

setRunsToResume((userId) => runs.inProgress(userId));

/** How many runs of the timeline are in progress (re-renders when that number changes). */
export function useRunsInProgress(): number {
  return useStoreSlice(store, (s) => s.inProgress);
}

/**
 * A lanes frame waits at most this many frames for one the live list leaves free: a steady
 * stream of events (one a frame, no flood) renders the list every frame, and there is none.
 */
export const MAX_LANES_FRAME_WAIT = 2;

/**
 * Calls `work` in the next animation frame the live list does not render in (liveListFrameBusy:
 * one that rendered it already, or whose list render is still to come), or after waiting
 * MAX_LANES_FRAME_WAIT frames for one, in the next. Returns the cancel.
 */
export function requestLanesFrame(work: () => void): () => void {
  let frame: number | null = null;
  let waited = 0;
  const lanesFrame = () => {
    if (liveListFrameBusy() && waited < MAX_LANES_FRAME_WAIT) {
      waited++;
      frame = requestAnimationFrame(lanesFrame);
      return;
    }
    frame = null;
    work();
  };
  frame = requestAnimationFrame(lanesFrame);
  return () => {
    if (frame !== null) cancelAnimationFrame(frame);
    frame = null;
  };
}

/**
 * The run index's version as the lanes show it: at most every `everyMs`, and never in the frame
 * the live list renders in (requestLanesFrame). The lanes render in their own animation frame
 * (synchronously there, not in a task after it).
 */
export function useLanesVersion(everyMs: number): number {
  const [shown, setShown] = useState(() => store.get().runsVersion);
  useEffect(() => {
    let last = -Infinity;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let cancelFrame: (() => void) | null = null;
    let current = store.get().runsVersion;
    const show = () => {
      cancelFrame = null;
      last = performance.now();
      current = store.get().runsVersion;
      flushSync(() => setShown(current));
    };
    const schedule = () => {
      if (timer !== null || cancelFrame !== null || store.get().runsVersion === current) return;
      timer = setTimeout(
        () => {
          timer = null;
          cancelFrame = requestLanesFrame(show);
        },
        Math.max(0, last + everyMs - performance.now()),
      );
    };
    schedule();
    const off = store.subscribe(schedule);
    return () => {
      off();
      if (timer !== null) clearTimeout(timer);
      cancelFrame?.();
    };
  }, [everyMs]);
  return shown;
}

/** The run index behind the timelines (read with runsVersion as the change signal). */
export function runIndex(): RunIndex {
  return runs;
}

export const timelineActions = {
  clearTimelines(): void {
    runs.clear();
    changed();
  },
  /** Adds events from elsewhere (a run loaded from history) to the timelines. */
  addEvents(events: readonly StreamEvent[]): void {
    for (const e of events) runs.add(e);
    changed();
  },
};
