/** Timeline and runs: one lane per run (live or loaded from history), its stages, and the run index behind them. */
export { RunTimelinePanel } from './run-timeline-panel.tsx';
export { RunLane } from './run-lane.tsx';
export { timelineActions } from './timeline-store.ts';
export { buildRuns, laneGaps, type RunLaneModel } from './run-model.ts';
