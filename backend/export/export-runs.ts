/**
 * Reads the runs to export from a store: by run ids, or every run of a thread (oldest first).
 * Used by the REST route (per user) and by `flowscope export` (the data folder or store URL).
 */
import type { Store } from '../store/store-types.ts';
import { createStore } from '../store/store-factory.ts';
import { exportFormat, exportFormatNames, type ExportFormat, type ExportRun } from './index.ts';

/** Why runs could not be exported: `UNKNOWN_FORMAT`, `RUN_NOT_FOUND`, `THREAD_NOT_FOUND`, `NOTHING_TO_EXPORT`. */
export class ExportError extends Error {
  override readonly name = 'ExportError';
  constructor(
    readonly code: 'UNKNOWN_FORMAT' | 'RUN_NOT_FOUND' | 'THREAD_NOT_FOUND' | 'NOTHING_TO_EXPORT',
    message: string,
  ) {
    super(message);
  }
}

/** The format of that name, or ExportError UNKNOWN_FORMAT naming the formats there are. */
export function requireExportFormat(name: string): ExportFormat {
  const format = exportFormat(name);
  if (!format) throw new ExportError('UNKNOWN_FORMAT', `unknown export format "${name}" (formats: ${exportFormatNames().join(', ')})`);
  return format;
}

/** `userId`: only that user's runs (others are not found either). */
export async function runsById(store: Store, runIds: readonly string[], userId?: string): Promise<ExportRun[]> {
  const out: ExportRun[] = [];
  for (const id of runIds) {
    const run = await store.getRun(id);
    if (!run || (userId !== undefined && run.userId !== userId)) throw new ExportError('RUN_NOT_FOUND', `run ${id} not found`);
    out.push({ run, events: (await store.listEvents(id, 0)).map((e) => e.envelope) });
  }
  return out;
}

/** Every run of the thread, oldest first. */
export async function runsOfThread(store: Store, threadId: string, userId?: string): Promise<ExportRun[]> {
  const thread = await store.getThread(threadId);
  if (!thread || (userId !== undefined && thread.userId !== userId)) throw new ExportError('THREAD_NOT_FOUND', `thread ${threadId} not found`);
  const runs = await store.listRuns({ userId: thread.userId, threadId, limit: 1000 });
  const ordered = [...runs].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  if (ordered.length === 0) throw new ExportError('NOTHING_TO_EXPORT', `thread ${threadId} has no runs`);
  return runsById(
    store,
    ordered.map((r) => r.id),
  );
}

/** Opens the store of a data folder or URL (as `flowscope serve` would) for reading runs; close it after. */
export async function openExportStore(options: { databaseUrl?: string | undefined; dataDir: string }): Promise<Store> {
  return createStore({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
}
