/**
 * Timeline and runs: the run index behind the timelines (fed by each batch of live events and
 * by runs loaded from history; apart from the live list, so clearing the list keeps the runs).
 * `runsVersion` is bumped when the index changes (its lanes are read with runIndex().lanes()).
 * A reconnected user's runs in progress come from here.
 */
import { createExternalStore, useStoreSlice } from '../../ui/external-store.ts';
import { onEventBatch, type StreamEvent } from '../live-events/index.ts';
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

/**
 * Live batches change the index at once, but the timeline hears of it a frame later: a batch
 * arrives in the frame that renders the live list, and the lanes rendered in that same frame
 * would make it twice as long (in a flood each alone fits a frame, both together do not).
 */
let changePending = false;
function changedNextFrame(): void {
  if (changePending) return;
  changePending = true;
  const run = () => {
    if (!changePending) return;
    changePending = false;
    changed();
  };
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
  else setTimeout(run, 0);
}

onEventBatch((incoming) => {
  let any = false;
  for (const e of incoming) if (runs.add(e)) any = true;
  if (any) changedNextFrame();
});

setRunsToResume((userId) => runs.inProgress(userId));

/** A part of the timeline state (re-renders when it changes, shallowly). */
export function useTimeline<T>(select: (s: TimelineState) => T): T {
  return useStoreSlice(store, select);
}

/** How many runs of the timeline are in progress (re-renders when that number changes). */
export function useRunsInProgress(): number {
  return useStoreSlice(store, (s) => s.inProgress);
}

/** The run index behind the timelines (read with runsVersion as the change signal). */
export function runIndex(): RunIndex {
  return runs;
}

export const timelineActions = {
  clearTimelines(): void {
    runs.clear();
    changePending = false;
    changed();
  },
  /** Adds events from elsewhere (a run loaded from history) to the timelines. */
  addEvents(events: readonly StreamEvent[]): void {
    for (const e of events) runs.add(e);
    changed();
  },
};
