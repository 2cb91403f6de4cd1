/** Timeline and runs: one lane per run (live or loaded from history), its stages, and the run index behind them. */
export { RunTimelinePanel } from './run-timeline-panel.tsx';
export { RunLane } from './run-lane.tsx';
export { timelineActions, useRunsInProgress } from './timeline-store.ts';
export { buildRuns, checkStates, laneGaps, type CheckState, type RunLaneModel } from './run-model.ts';
export { runExportUrl, EXPORT_FORMATS } from './run-export.ts';
