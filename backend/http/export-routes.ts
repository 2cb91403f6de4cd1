/**
 * Run export (docs/traces.md): `GET /api/runs/:runId/export?format=otlp` and
 * `GET /api/threads/:threadId/export?format=otlp` (every run of the thread), for the user of
 * the Bearer token; the file as an attachment. `format` defaults to `otlp`; the formats are
 * backend/export's registry. Errors: an unknown format 400 VALIDATION_FAILED (naming the
 * formats), another user's or an unknown run or thread 404 NOT_FOUND.
 */
import { ErrorCode } from '../../protocol/index.ts';
import { ExportError, requireExportFormat, runsById, runsOfThread } from '../export/export-runs.ts';
import type { ExportRun } from '../export/index.ts';
import type { Store } from '../store/store-types.ts';
import { HttpError, type RouteHandler, type RouteRequest } from './http-helpers.ts';
import type { RouteTable } from './route-table.ts';

const EXPORT_CODES: Record<ExportError['code'], ErrorCode> = {
  UNKNOWN_FORMAT: ErrorCode.VALIDATION_FAILED,
  RUN_NOT_FOUND: ErrorCode.NOT_FOUND,
  THREAD_NOT_FOUND: ErrorCode.NOT_FOUND,
  NOTHING_TO_EXPORT: ErrorCode.NOT_FOUND,
};

type Authed = (handler: (request: RouteRequest, userId: string) => Promise<void> | void) => RouteHandler;

export function addExportRoutes(api: RouteTable<RouteHandler>, deps: { store: Store; authed: Authed }): void {
  const send = async ({ res, url }: RouteRequest, base: string, load: () => Promise<ExportRun[]>) => {
    try {
      const format = requireExportFormat(url.searchParams.get('format') ?? 'otlp');
      const body = format.write(await load());
      res.writeHead(200, {
        'content-type': format.contentType,
        'content-disposition': `attachment; filename="${base}.${format.name}.${format.fileExtension}"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(body);
    } catch (err) {
      if (err instanceof ExportError) throw new HttpError(EXPORT_CODES[err.code], `${err.message}.`);
      throw err;
    }
  };
  api
    .add(
      'GET',
      '/api/runs/:runId/export',
      deps.authed((request, userId) => {
        const runId = request.params.runId ?? '';
        return send(request, runId.replace(/[^A-Za-z0-9_.-]/g, '_'), () => runsById(deps.store, [runId], userId));
      }),
    )
    .add(
      'GET',
      '/api/threads/:threadId/export',
      deps.authed((request, userId) => {
        const threadId = request.params.threadId ?? '';
        return send(request, `thread_${threadId.replace(/[^A-Za-z0-9_.-]/g, '_')}`, () => runsOfThread(deps.store, threadId, userId));
      }),
    );
}
