/**
 * A run as a file from the backend's export routes (`GET /api/runs/:runId/export?format=`,
 * docs/traces.md): OTLP JSON or AG-UI events. The link carries the URL; a click fetches it
 * with the run owner's token (Bearer, as every /api call of the console) and saves the body
 * under the name the server gives it.
 */
import { getConnections } from '../users/index.ts';

export const EXPORT_FORMATS = [
  { format: 'otlp', label: 'Export as OTLP JSON' },
  { format: 'ag-ui', label: 'Export as AG-UI events' },
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number]['format'];

/** The export URL of a run on a target. */
export function runExportUrl(baseUrl: string, runId: string, format: ExportFormat): string {
  return `${baseUrl.replace(/\/$/, '')}/api/runs/${encodeURIComponent(runId)}/export?format=${encodeURIComponent(format)}`;
}

/** The file name of a `content-disposition: attachment; filename="..."` header, else `fallback`. */
export function attachmentName(header: string | null, fallback: string): string {
  const m = header ? /filename="([^"]+)"/.exec(header) : null;
  return m?.[1] ?? fallback;
}

/** Downloads a run's export as its owner: null when saved, else why not (the server's error message). */
export async function downloadRunExport(userId: string, runId: string, format: ExportFormat): Promise<string | null> {
  const { baseUrl, users } = getConnections();
  const token = users.find((u) => u.userId === userId)?.token;
  if (!token) return `${userId} is not a user of this target: add it to export its runs`;
  let res: Response;
  try {
    res = await fetch(runExportUrl(baseUrl, runId, format), { headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    return `the export could not be fetched: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    return `${res.status} ${body?.error?.code ?? ''} ${body?.error?.message ?? res.statusText}`.replace(/\s+/g, ' ').trim();
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = attachmentName(res.headers.get('content-disposition'), `${runId}.${format}.json`);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return null;
}
