/**
 * The `history` of an agent context: the thread's earlier turns, oldest first. Each earlier
 * run gives its user message and, when it produced one, the agent's response. Runs queued
 * after this one (later in the thread) are not part of its history, whatever their status.
 */
import type { RunRecord, Store } from '../store/store-types.ts';
import type { HistoryMessage } from './agent-types.ts';

/** Earlier runs read at most (each gives up to two messages). */
export const DEFAULT_HISTORY_TURNS = 50;

export async function loadThreadHistory(
  store: Pick<Store, 'listRuns'>,
  run: Pick<RunRecord, 'id' | 'userId' | 'threadId' | 'createdAt'>,
  maxTurns = DEFAULT_HISTORY_TURNS,
): Promise<HistoryMessage[]> {
  if (maxTurns <= 0) return [];
  // Newest first, in queue order: everything after this run in the list came before it.
  const runs = await store.listRuns({ userId: run.userId, threadId: run.threadId, limit: maxTurns + 200 });
  const index = runs.findIndex((r) => r.id === run.id);
  const earlier = (index >= 0 ? runs.slice(index + 1) : runs.filter((r) => r.createdAt < run.createdAt)).slice(0, maxTurns);
  const history: HistoryMessage[] = [];
  for (const past of earlier.reverse()) {
    history.push({ role: 'user', content: past.input.content });
    if (past.response !== null && past.response !== '') history.push({ role: 'assistant', content: past.response });
  }
  return history;
}
