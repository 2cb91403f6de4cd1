/**
 * What both route files (http-api.ts, scenario-routes.ts) share: the error they throw (its
 * HTTP status comes from the one table in protocol/error-codes.ts), the JSON reply, the body
 * readers with their size limit, the request URL and its decoded segments, and the dispatch
 * of a route table (404 for an unknown path, 405 METHOD_NOT_ALLOWED with `Allow` for a known
 * path and another method).
 */
import type http from 'node:http';
import { DEFAULT_ERROR_MESSAGES, ErrorCode, httpStatusOf } from '../../protocol/index.ts';
import type { RouteParams, RouteTable } from './route-table.ts';

/** An answer with an error code: `{ error: { code, message, details? } }` with the code's HTTP status. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly details: unknown;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_ERROR_MESSAGES[code],
    options: { details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = httpStatusOf(code);
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/** A JSON reply (never cached, never sniffed). */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, ...headers });
  res.end(text);
}

/** The error reply for `err`. */
export function sendError(res: http.ServerResponse, err: HttpError): void {
  const body = { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } };
  sendJson(res, err.status, body, { ...err.headers });
}

/** "Use GET.", "Use GET or POST.", "Use GET, PUT or DELETE." */
function methodList(methods: readonly string[]): string {
  return methods.length <= 1 ? (methods[0] ?? '') : `${methods.slice(0, -1).join(', ')} or ${methods.at(-1)}`;
}

export function methodNotAllowed(allow: readonly string[]): HttpError {
  return new HttpError(ErrorCode.METHOD_NOT_ALLOWED, `Use ${methodList(allow)}.`, { headers: { allow: allow.join(', ') } });
}

/** A refused body is read (and dropped) up to this much more, so the client gets the 413 instead of a reset. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

/** The body as UTF-8 text; over `limit` bytes a 413 MESSAGE_TOO_LARGE (after draining what is sent, up to a bound). */
export async function readText(req: http.IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      if (size > limit + DRAIN_LIMIT) {
        req.destroy();
        break;
      }
      continue;
    }
    chunks.push(chunk as Buffer);
  }
  if (size > limit) throw new HttpError(ErrorCode.MESSAGE_TOO_LARGE, `Body larger than ${limit} bytes.`);
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as a JSON object (an empty body is `{}`): 400 INVALID_JSON or VALIDATION_FAILED otherwise. */
export async function readJsonObject(req: http.IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const text = await readText(req, limit);
  let body: unknown;
  try {
    body = JSON.parse(text || '{}');
  } catch {
    throw new HttpError(ErrorCode.INVALID_JSON, 'The body is not valid JSON.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(ErrorCode.VALIDATION_FAILED, 'The body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** The request's URL, read as a path on this server (`//x` is a path, not a host); null when unreadable. */
export function requestUrl(req: { url?: string | undefined }): URL | null {
  const raw = req.url ?? '/';
  try {
    return new URL(`http://localhost${raw.startsWith('/') ? '' : '/'}${raw}`);
  } catch {
    return null;
  }
}

/** Splits a URL path into decoded, non-empty segments; a malformed percent-escape is a 400, not a 500. */
export function decodePathSegments(pathname: string): string[] {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpError(ErrorCode.VALIDATION_FAILED, 'The URL path has a malformed percent-escape.');
  }
}

/** What a route handler gets. */
export interface RouteRequest {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  params: RouteParams;
}

export type RouteHandler = (request: RouteRequest) => Promise<void> | void;

/**
 * Runs the handler of the route matching the request: an unknown path is 404 NOT_FOUND
 * (`notFoundMessage`), a known path with another method 405 METHOD_NOT_ALLOWED with `Allow`.
 */
export async function dispatch(
  table: RouteTable<RouteHandler>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  notFoundMessage = 'No such endpoint.',
): Promise<void> {
  const match = table.match(req.method ?? 'GET', decodePathSegments(url.pathname));
  if (match.kind === 'none') throw new HttpError(ErrorCode.NOT_FOUND, notFoundMessage);
  if (match.kind === 'method') throw methodNotAllowed(match.allow);
  await match.handler({ req, res, url, params: match.params });
}
