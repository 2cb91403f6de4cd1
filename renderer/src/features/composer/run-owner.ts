/**
 * Whose run is it: a run is only known to its own user (the server answers NOT_FOUND to a
 * cancel_run or resume of another user's run), so the composer's cancel_run and resume
 * templates name the sender's newest run, and a text naming another user's run is flagged.
 */

/** What these need of a live event: who received it, and the run it names. */
export interface RunEventLike {
  userId: string;
  envelope: Readonly<Record<string, unknown>>;
}

/** The newest run `userId` received events of (null: none). */
export function lastRunIdOfUser(events: readonly RunEventLike[], userId: string): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.userId === userId && typeof e.envelope.run_id === 'string') return e.envelope.run_id;
  }
  return null;
}

/** The user whose events name `runId` (null: no event names it, e.g. after the list was cleared). */
export function runOwnerOf(events: readonly RunEventLike[], runId: string): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.envelope.run_id === runId) return e.userId;
  }
  return null;
}
