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
}

const store = createExternalStore<TimelineState>({ runsVersion: 0 });
const runs = new RunIndex();

onEventBatch((incoming) => {
  let changed = false;
  for (const e of incoming) if (runs.add(e)) changed = true;
  if (changed) store.set({ runsVersion: store.get().runsVersion + 1 });
});

setRunsToResume((userId) => runs.inProgress(userId));

/** A part of the timeline state (re-renders when it changes, shallowly). */
export function useTimeline<T>(select: (s: TimelineState) => T): T {
  return useStoreSlice(store, select);
}

/** The run index behind the timelines (read with runsVersion as the change signal). */
export function runIndex(): RunIndex {
  return runs;
}

export const timelineActions = {
  clearTimelines(): void {
    runs.clear();
    store.set({ runsVersion: store.get().runsVersion + 1 });
  },
  /** Adds events from elsewhere (a run loaded from history) to the timelines. */
  addEvents(events: readonly StreamEvent[]): void {
    for (const e of events) runs.add(e);
    store.set({ runsVersion: store.get().runsVersion + 1 });
  },
};
