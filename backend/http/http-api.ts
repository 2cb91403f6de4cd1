/** HTTP: /health, /metrics, the REST API under /api, the dev token endpoint, the scenario library, the console at `/`. */
import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { ErrorCode, httpStatusOf, USER_ID_PATTERN, type AgentsResponse, type HealthResponse } from '../../protocol/index.ts';
import type { TokenService } from '../auth/token-service.ts';
import { isUnavailable } from '../errors/unavailable.ts';
import { isLoopbackAddress, isLoopbackHost } from '../net/loopback.ts';
import { clientSafeMessage } from '../routing/error-envelope.ts';
import type { RunSummaryRecord, Store, StoredEvent } from '../store/store-types.ts';
import {
  decodePathSegments,
  dispatch,
  HttpError,
  methodNotAllowed,
  readJsonObject,
  requestUrl,
  sendError,
  sendJson,
  type RouteHandler,
  type RouteRequest,
} from './http-helpers.ts';
import { RouteTable } from './route-table.ts';
import type { Logger } from '../logging/logger.ts';
import { handleScenarioRequest, isScenarioPath, type ScenarioRoutesDeps } from './scenario-routes.ts';
import { addExportRoutes } from './export-routes.ts';
import { createAguiHandler, isAguiPath, type AguiRoutesDeps } from './agui-routes.ts';
import { CATALOG_EVENTS_PATH, serveCatalogEvents, type CatalogEventSource } from './catalog-events.ts';

export interface HttpApiDeps {
  store: Store;
  tokens: TokenService;
  devTokens: boolean;
  consoleDir?: string | undefined;
  /** /api/scenarios (scenario-routes.ts); absent: 404. */
  scenarios?: ScenarioRoutesDeps | undefined;
  /** POST /agui/:agent and GET /agui/runs/:runId: Flowscope as an AG-UI endpoint (agui-routes.ts); absent: 404. */
  agui?: AguiRoutesDeps | undefined;
  health(): Promise<{ status: number; body: HealthResponse }>;
  /** GET /api/agents: every agent and tool (absent: 404). */
  agents?: (() => AgentsResponse) | undefined;
  /** GET /api/catalog/events: agent-module reloads as Server-Sent Events (catalog-events.ts); absent: 404. */
  catalogEvents?: CatalogEventSource | undefined;
  /**
   * GET /metrics (Prometheus text). Without `token`, served only to loopback peers; with
   * one, only with `Authorization: Bearer <token>` (from anywhere). Absent: 404.
   */
  metrics?: { contentType: string; render(): Promise<string>; token?: string | undefined } | undefined;
  originAllowed(origin: string | undefined): boolean;
  /** Errors and outages; and at `debug`, one line per request (method, path without its query, status, duration_ms, address). */
  log: Logger;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss: http: https:; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Constant-time comparison of a Bearer header with the expected token. */
function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function runDto(run: RunSummaryRecord) {
  return {
    id: run.id,
    thread_id: run.threadId,
    message_id: run.messageId,
    user_id: run.userId,
    agent: run.agent,
    priority: run.priority,
    status: run.status,
    response: run.response,
    error: run.error,
    created_at: run.createdAt,
    started_at: run.startedAt,
    ended_at: run.endedAt,
    event_count: run.eventCount,
  };
}

/** `?limit=` of a paged list: 1..MAX_PAGE_LIMIT, default DEFAULT_PAGE_LIMIT. */
export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;
function pageLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_PAGE_LIMIT;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PAGE_LIMIT) {
    throw new HttpError(ErrorCode.VALIDATION_FAILED, `limit: an integer from 1 to ${MAX_PAGE_LIMIT}.`);
  }
  return n;
}

/** The dev token endpoint's body limit. */
const DEV_TOKEN_BODY_LIMIT = 16 * 1024;

export function createHttpHandler(deps: HttpApiDeps): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  async function authUser(req: http.IncomingMessage): Promise<string> {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const verified = await deps.tokens.verify(token);
    if (!verified.ok) throw new HttpError(verified.code, verified.message);
    return verified.userId;
  }

  /**
   * The loopback-only dev routes also refuse a foreign Host: a DNS-rebinding page reaches
   * 127.0.0.1 under its own name, and same-origin GETs carry no Origin to check. Checked in
   * the route itself, so every spelling of its path that routes there is covered.
   */
  function refuseForeignHost(req: http.IncomingMessage): void {
    if (!isLoopbackHost(req.headers.host)) {
      throw new HttpError(ErrorCode.FORBIDDEN, 'This development endpoint answers only requests addressed to localhost or a loopback IP.');
    }
  }

  /** A route for a user: the Bearer token is checked first (401 without a valid one). */
  const authed =
    (handler: (request: RouteRequest, userId: string) => Promise<void> | void): RouteHandler =>
    async (request) =>
      handler(request, await authUser(request.req));

  const { store } = deps;
  const api = new RouteTable<RouteHandler>()
    .add('POST', '/api/dev/token', async ({ req, res }) => {
      refuseForeignHost(req);
      if (!deps.devTokens) throw new HttpError(ErrorCode.FORBIDDEN, 'The dev token endpoint is enabled only on a loopback address.');
      const body = await readJsonObject(req, DEV_TOKEN_BODY_LIMIT);
      if (typeof body.user_id !== 'string' || !USER_ID_PATTERN.test(body.user_id)) {
        throw new HttpError(ErrorCode.VALIDATION_FAILED, 'user_id: 1-128 chars of [A-Za-z0-9_.:@-] required.');
      }
      const ttl = body.ttl_s === undefined ? 3600 : Number(body.ttl_s);
      // A negative ttl mints an already-expired token, for testing AUTH_EXPIRED (docs/protocol.md).
      if (!Number.isInteger(ttl) || ttl === 0 || ttl < -86_400 || ttl > 30 * 24 * 3600) {
        throw new HttpError(ErrorCode.VALIDATION_FAILED, 'ttl_s: an integer from 1 to 2592000, or from -86400 to -1 for an expired token.');
      }
      const issued = await deps.tokens.issue(body.user_id, ttl);
      sendJson(res, 200, { token: issued.token, user_id: body.user_id, expires_at: issued.expiresAt.toISOString() });
    })
    .add(
      'GET',
      '/api/threads',
      authed(async ({ res }, userId) => {
        const threads = await store.listThreads(userId, 200);
        sendJson(res, 200, {
          threads: threads.map((t) => ({
            id: t.id,
            user_id: t.userId,
            title: t.title,
            created_at: t.createdAt,
            updated_at: t.updatedAt,
            message_count: t.messageCount,
          })),
        });
      }),
    )
    .add(
      'GET',
      '/api/threads/:threadId/messages',
      authed(async ({ res, url, params }, userId) => {
        const thread = await store.getThread(params.threadId ?? '');
        if (!thread || thread.userId !== userId) throw new HttpError(ErrorCode.NOT_FOUND, 'Thread not found.');
        // Paged (docs/protocol.md): ?limit= (1..1000, default 100) and ?cursor= (the next_cursor of the previous page).
        const limit = pageLimit(url.searchParams.get('limit'));
        const cursor = url.searchParams.get('cursor');
        if (cursor !== null && (cursor.length === 0 || cursor.length > 256))
          throw new HttpError(ErrorCode.VALIDATION_FAILED, 'cursor: the next_cursor of the previous page.');
        const page = await store.listMessages(thread.id, { limit: limit + 1, after: cursor });
        const messages = page.slice(0, limit);
        sendJson(res, 200, {
          next_cursor: page.length > limit ? (messages.at(-1)?.id ?? null) : null,
          messages: messages.map((m) => ({
            id: m.id,
            thread_id: m.threadId,
            user_id: m.userId,
            client_message_id: m.clientMessageId,
            content: m.content,
            agent: m.agent,
            priority: m.priority,
            created_at: m.createdAt,
            run_id: m.runId,
            run_status: m.runStatus,
          })),
        });
      }),
    )
    .add(
      'GET',
      '/api/runs',
      authed(async ({ res, url }, userId) => {
        const threadId = url.searchParams.get('thread_id') ?? undefined;
        const runs = await store.listRuns({ userId, ...(threadId ? { threadId } : {}), limit: 200 });
        sendJson(res, 200, { runs: runs.map(runDto) });
      }),
    )
    .add(
      'GET',
      '/api/runs/:runId',
      authed(async ({ res, params }, userId) => {
        const run = await ownRun(params.runId, userId);
        // seq runs 1..n without gaps: the last one is the count, without reading every event.
        sendJson(res, 200, { run: runDto({ ...run, eventCount: await store.lastSeq(run.id) }) });
      }),
    )
    .add(
      'GET',
      '/api/runs/:runId/events',
      authed(async ({ res, url, params }, userId) => {
        const run = await ownRun(params.runId, userId);
        const after = Number(url.searchParams.get('after_seq') ?? '0');
        const events: StoredEvent[] = await store.listEvents(run.id, Number.isFinite(after) ? after : 0);
        sendJson(res, 200, { events: events.map((e) => e.envelope) });
      }),
    );
  addExportRoutes(api, { store, authed });
  const agents = deps.agents;
  if (agents)
    api.add(
      'GET',
      '/api/agents',
      authed(({ res }) => sendJson(res, 200, agents())),
    );

  const catalogEvents = deps.catalogEvents;
  if (catalogEvents)
    api.add(
      'GET',
      CATALOG_EVENTS_PATH,
      authed(({ req, res }) => serveCatalogEvents(req, res, catalogEvents)),
    );

  const handleAgui = deps.agui ? createAguiHandler(deps.agui, authUser) : undefined;

  /** The user's run, or 404 (another user's run is not found either). */
  async function ownRun(runId: string | undefined, userId: string) {
    const run = await store.getRun(runId ?? '');
    if (!run || run.userId !== userId) throw new HttpError(ErrorCode.NOT_FOUND, 'Run not found.');
    return run;
  }

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (isScenarioPath(url.pathname)) {
      refuseForeignHost(req);
      if (!deps.scenarios) throw new HttpError(ErrorCode.NOT_FOUND, 'No such endpoint.');
      await handleScenarioRequest(req, res, url, deps.scenarios);
      return;
    }
    await dispatch(api, req, res, url);
  }

  function serveConsole(res: http.ServerResponse, url: URL): void {
    const segments = decodePathSegments(url.pathname);
    const root = deps.consoleDir;
    if (!root || !fs.existsSync(path.join(root, 'index.html'))) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
      res.end('Flowscope backend is running. The console web build was not found: run `npm run build:renderer`.\n');
      return;
    }
    const requested = path.normalize(segments.join('/')).replace(/^([/\\])+/, '');
    let file = path.join(root, requested);
    if (!file.startsWith(path.resolve(root)) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      file = path.join(root, 'index.html');
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONSOLE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600',
    });
    fs.createReadStream(file).pipe(res);
  }

  return (req, res) => {
    const started = Date.now();
    // The query is left out: it may carry a token (?token= on /ws and dev tools).
    res.once('finish', () =>
      deps.log('debug', 'http request', undefined, {
        method: req.method,
        path: (req.url ?? '').split('?')[0]?.slice(0, 200),
        status: res.statusCode,
        duration_ms: Date.now() - started,
        address: req.socket.remoteAddress,
      }),
    );
    const url = requestUrl(req);
    if (!url) {
      sendError(res, new HttpError(ErrorCode.VALIDATION_FAILED, 'The request URL cannot be parsed.'));
      return;
    }
    const origin = req.headers.origin;
    if (origin && deps.originAllowed(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      res.setHeader('access-control-allow-headers', 'authorization, content-type, last-event-id');
      res.setHeader('access-control-allow-methods', 'GET, POST, PUT, DELETE, OPTIONS');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(origin && !deps.originAllowed(origin) ? httpStatusOf(ErrorCode.FORBIDDEN) : 204);
      res.end();
      return;
    }
    const work = async () => {
      const readOnly = req.method === 'GET' || req.method === 'HEAD';
      if ((url.pathname === '/health' || (url.pathname === '/metrics' && deps.metrics)) && !readOnly) {
        throw methodNotAllowed(['GET', 'HEAD']);
      } else if (url.pathname === '/health') {
        const health = await deps.health();
        sendJson(res, health.status, health.body);
      } else if (url.pathname === '/metrics' && deps.metrics) {
        const metrics = deps.metrics;
        if (metrics.token !== undefined) {
          if (!bearerMatches(req.headers.authorization, metrics.token))
            throw new HttpError(ErrorCode.AUTH_REQUIRED, 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.');
        } else if (!isLoopbackAddress(req.socket.remoteAddress)) {
          throw new HttpError(ErrorCode.FORBIDDEN, 'GET /metrics is served to loopback clients only; set METRICS_TOKEN to scrape it from elsewhere.');
        }
        const text = await metrics.render();
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      } else if (isAguiPath(url.pathname) && handleAgui) {
        if (origin && !deps.originAllowed(origin)) throw new HttpError(ErrorCode.FORBIDDEN, 'Origin not allowed.');
        await handleAgui(req, res, url);
      } else if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
        if (origin && !deps.originAllowed(origin)) throw new HttpError(ErrorCode.FORBIDDEN, 'Origin not allowed.');
        await handleApi(req, res, url);
      } else if (req.method === 'GET' || req.method === 'HEAD') {
        serveConsole(res, url);
      } else {
        throw new HttpError(ErrorCode.NOT_FOUND, 'Not found.');
      }
    };
    work().catch((err: unknown) => {
      if (res.headersSent) {
        // A stream (SSE) already started: no error reply can follow; log it and cut the connection.
        deps.log(
          err instanceof HttpError || isUnavailable(err) ? 'warn' : 'error',
          `HTTP ${req.method} ${url.pathname} failed after its response started`,
          err,
        );
        res.destroy();
      } else if (err instanceof HttpError) {
        sendError(res, err);
      } else if (isUnavailable(err)) {
        deps.log('warn', `HTTP ${req.method} ${url.pathname}: dependency unavailable: ${err.message}`);
        sendError(res, new HttpError(ErrorCode.UNAVAILABLE, clientSafeMessage(err.message)));
      } else {
        deps.log('error', `HTTP ${req.method} ${url.pathname} failed`, err);
        sendError(res, new HttpError(ErrorCode.INTERNAL));
      }
    });
  };
}
