/** Live events: the log of everything the users' connections received, its filter, its views and its export. */
export { EventStreamPanel } from './event-stream-panel.tsx';
export { eventLogActions, lastRunIdOf, onEventBatch, useEventLog, type EventLogState } from './event-log-store.ts';
export { runIdOf, shortId, type EventFilter } from './event-filter.ts';
export { summarize } from './event-summary.ts';
export { nextEventKey, type StreamEvent } from './stream-event.ts';
