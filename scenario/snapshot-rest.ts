/**
 * Snapshots of a library scenario over the backend's REST API
 * (`/api/scenarios/:id/snapshots/:name`): the store the console's runs use, and the console's
 * Accept. Built-in scenarios are read-only: writing one's snapshot is refused with FORBIDDEN.
 */
import { SNAPSHOT_DIR, snapshotFileName, type SnapshotStore } from './trace-snapshot.ts';

/** A refusal of the snapshot API, with the server's code (`FORBIDDEN`, `NOT_FOUND`, `VALIDATION_FAILED`). */
export class SnapshotApiError extends Error {
  override readonly name = 'SnapshotApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function snapshotUrl(target: string, scenarioId: string, name: string): string {
  return `${target.replace(/\/+$/, '')}/api/scenarios/${encodeURIComponent(scenarioId)}/snapshots/${encodeURIComponent(name)}`;
}

async function refusal(res: Response): Promise<SnapshotApiError> {
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  return new SnapshotApiError(body.error?.code ?? 'INTERNAL', body.error?.message ?? `HTTP ${res.status}`, res.status);
}

/** Where the library keeps a scenario's snapshot, relative to its folder (`golden/__snapshots__/complete-flow.tools.json`). */
export function librarySnapshotPath(scenarioId: string, name: string): string {
  const at = scenarioId.lastIndexOf('/');
  const dir = at >= 0 ? `${scenarioId.slice(0, at)}/` : '';
  return `${dir}${SNAPSHOT_DIR}/${snapshotFileName(scenarioId.slice(at + 1), name)}`;
}

/** Writes (accepts) a snapshot's text for a saved scenario; returns where it was written. */
export async function writeLibrarySnapshot(
  target: string,
  scenarioId: string,
  name: string,
  text: string,
  fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<string> {
  const res = await fetchImpl(snapshotUrl(target, scenarioId, name), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  if (!res.ok) throw await refusal(res);
  const body = (await res.json()) as { file?: string };
  return body.file ?? librarySnapshotPath(scenarioId, name);
}

/** A scenario library id (`golden/complete-flow`), as the console passes for `file`; a file path has an extension. */
export function isLibraryScenarioId(file: string): boolean {
  return /^[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)*$/.test(file) && !/\.(ya?ml|json)$/i.test(file);
}

/** The snapshots of a library scenario, through the backend at `target`. */
export function librarySnapshotStore(
  target: string,
  scenarioId: string,
  mode: SnapshotStore['mode'] = 'local',
  fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
): SnapshotStore {
  return {
    mode,
    location: (name) => librarySnapshotPath(scenarioId, name),
    async read(name) {
      const res = await fetchImpl(snapshotUrl(target, scenarioId, name));
      if (!res.ok) throw await refusal(res);
      // The scenario exists; `text: null` when it has no snapshot of that name yet.
      return ((await res.json()) as { text: string | null }).text ?? undefined;
    },
    async write(name, text) {
      await writeLibrarySnapshot(target, scenarioId, name, text, fetchImpl);
    },
  };
}
