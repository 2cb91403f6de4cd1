/** Live events: the log of everything the users' connections received, its filter, its views and its export; Cancel for a run in progress. */
export { EventStreamPanel } from './event-stream-panel.tsx';
export { eventLogActions, liveListFrameBusy, lastRunIdOf, onEventBatch, useEventLog, type EventLogState } from './event-log-store.ts';
export { runIdOf, shortId, type EventFilter } from './event-filter.ts';
export { eventTimeOf, serverTimeOf } from './event-time.ts';
export { summarize } from './event-summary.ts';
export { nextEventKey, type StreamEvent } from './stream-event.ts';
export { cancelRun, cancelRunMessage, isRunInProgress, useRunsVersion } from './run-control.ts';
export { CancelRunButton } from './cancel-button.tsx';
