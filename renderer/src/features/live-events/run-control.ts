/**
 * Stopping a run from any view (a live row, a lane, a history entry): `cancel_run` for that run,
 * sent over the connection of the user who owns it (protocol.md §3: another user's run is
 * NOT_FOUND). The protocol sends no ack for it: the run's `agent_completed` (status
 * `cancelled`, or how it ended if it finished first) is the answer, so a run stays "cancelling"
 * until its end arrives. Which runs are in progress is kept from the live events (a run event
 * without its `agent_completed` yet).
 */
import { RUN_EVENT_TYPES } from '../../../../protocol/index.ts';
import { createExternalStore, useStoreSlice } from '../../ui/external-store.ts';
import { connectionActions } from '../users/index.ts';
import { runIdOf } from './event-filter.ts';
import type { StreamEvent } from './stream-event.ts';

export interface RunControlState {
  /** Runs a cancel was sent for, not ended yet. */
  cancelling: Readonly<Record<string, true>>;
  /** Why a cancel could not be sent, by run. */
  errors: Readonly<Record<string, string>>;
  /** Bumped when a run starts or ends (live). */
  version: number;
}

const RUN_TYPES: ReadonlySet<string> = new Set(RUN_EVENT_TYPES);
const MAX_TRACKED = 10_000;
const store = createExternalStore<RunControlState>({ cancelling: {}, errors: {}, version: 0 });
/** Live runs seen: true once ended. */
const ended = new Map<string, boolean>();

function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const next = { ...record };
  delete next[key];
  return next;
}

/** Follows which runs are in progress from a batch of received events (the event log calls it). */
export function trackRuns(incoming: readonly StreamEvent[]): void {
  let changed = false;
  let { cancelling, errors } = store.get();
  for (const e of incoming) {
    const type = e.envelope.type;
    if (type !== 'message_ack' && !RUN_TYPES.has(type)) continue;
    const runId = runIdOf(e.envelope);
    if (runId === null) continue;
    if (type === 'agent_completed') {
      if (ended.get(runId) !== true) changed = true;
      ended.delete(runId);
      ended.set(runId, true);
      if (cancelling[runId]) cancelling = without(cancelling, runId);
      if (errors[runId]) errors = without(errors, runId);
    } else if (!ended.has(runId)) {
      ended.set(runId, false);
      changed = true;
    }
  }
  while (ended.size > MAX_TRACKED) ended.delete(ended.keys().next().value!);
  if (changed || cancelling !== store.get().cancelling || errors !== store.get().errors) {
    store.set({ cancelling, errors, version: store.get().version + 1 });
  }
}

/** Whether the live events show this run in progress (acked or started, not completed). */
export function isRunInProgress(runId: string): boolean {
  return ended.get(runId) === false;
}

/** The `cancel_run` message for a run. */
export function cancelRunMessage(runId: string, now = Date.now()): string {
  return JSON.stringify({ type: 'cancel_run', message_id: `cancel_${runId}_${now.toString(36)}`, payload: { run_id: runId } });
}

/** Sends `cancel_run` for `runId` as `userId` (its owner): null when sent, else why not. */
export function cancelRun(userId: string, runId: string): string | null {
  const result = connectionActions.send(userId, cancelRunMessage(runId));
  const state = store.get();
  if (!result.ok) {
    store.set({ errors: { ...state.errors, [runId]: result.error }, cancelling: without(state.cancelling, runId) });
    return result.error;
  }
  store.set({ cancelling: { ...state.cancelling, [runId]: true }, errors: without(state.errors, runId) });
  return null;
}

/** A run's cancel state in a component. */
export function useRunControl(runId: string): { cancelling: boolean; error: string | null } {
  return useStoreSlice(store, (s) => ({ cancelling: s.cancelling[runId] === true, error: s.errors[runId] ?? null }));
}

/** Re-renders when a live run starts or ends (read isRunInProgress after it). */
export function useRunsVersion(): number {
  return useStoreSlice(store, (s) => s.version);
}
