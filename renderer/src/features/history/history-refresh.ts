/**
 * When the history of a user is out of date: a run of that user began or ended (its events
 * reach every connection of the user, so runs sent by another client count too), or its
 * connection opened again (after a backend restart, the runs it missed). Pure, for the panel.
 */
import type { StreamEvent } from '../live-events/index.ts';

/** The event types that change a user's threads, messages or run statuses. */
const CHANGES: ReadonlySet<string> = new Set(['message_ack', 'agent_started', 'agent_completed']);

/** Whether a batch of received events changes `userId`'s history. */
export function batchChangesHistory(incoming: readonly StreamEvent[], userId: string | undefined): boolean {
  if (!userId) return false;
  for (const e of incoming) if (e.userId === userId && CHANGES.has(e.envelope.type)) return true;
  return false;
}

/** Whether a connection state change is a (re)connect: the history may have moved meanwhile. */
export function isReconnect(previous: string | undefined, next: string | undefined): boolean {
  return next === 'open' && previous !== undefined && previous !== 'open';
}

/** The run statuses a Cancel applies to. */
export function isCancellable(status: string): boolean {
  return status === 'queued' || status === 'running';
}
