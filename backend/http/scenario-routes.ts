/**
 * /api/scenarios: the scenario library over REST (docs/protocol.md, HTTP extensions).
 *
 * A local dev tool like the dev token endpoint: enabled only when the server binds to a
 * loopback address (403 FORBIDDEN otherwise), no user token. Browsers are still held to the
 * origin allow-list by the caller (http-api.ts), so other web pages cannot write files.
 *
 * A scenario id that contains `/` travels as ONE URL-encoded path segment:
 * `GET /api/scenarios/golden%2Fcomplete-flow/results`.
 */
import type http from 'node:http';
import { ErrorCode, type ScenarioIssue } from '../../protocol/index.ts';
import { scenarioTextFormat } from '../../scenario/scenario-loader.ts';
import {
  MAX_RESULT_BYTES,
  MAX_SCENARIO_BYTES,
  ScenarioLibraryError,
  type ScenarioFormat,
  type ScenarioLibrary,
} from '../scenarios/scenario-library.ts';

export interface ScenarioRoutesDeps {
  library: ScenarioLibrary;
  /** False when the server binds to a non-loopback address: every route answers 403. */
  enabled: boolean;
}

const PREFIX = '/api/scenarios';
/** JSON-escaped scenario text can be larger than the text itself; the library enforces MAX_SCENARIO_BYTES on the text. */
const SCENARIO_BODY_LIMIT = 2 * MAX_SCENARIO_BYTES + 16 * 1024;
/** A refused body is read (and dropped) up to this much more, so the client gets the 413 instead of a reset. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

class RouteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ScenarioIssue[],
  ) {
    super(message);
  }
}

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.VALIDATION_FAILED]: 400,
  [ErrorCode.INVALID_JSON]: 400,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.MESSAGE_TOO_LARGE]: 413,
  [ErrorCode.INTERNAL]: 500,
};

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(body));
}

async function readText(req: http.IncomingMessage, limit: number): Promise<string> {
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
  if (size > limit) throw new RouteError(413, ErrorCode.MESSAGE_TOO_LARGE, `Body larger than ${limit} bytes.`);
  return Buffer.concat(chunks).toString('utf8');
}

async function readObject(req: http.IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const text = await readText(req, limit);
  let body: unknown;
  try {
    body = JSON.parse(text || '{}');
  } catch {
    throw new RouteError(400, ErrorCode.INVALID_JSON, 'The body is not valid JSON.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RouteError(400, ErrorCode.VALIDATION_FAILED, 'The body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** `{ text, format? }`; without format, text that parses as JSON is JSON, anything else YAML (as the CLI and console decide). */
function scenarioBody(body: Record<string, unknown>): { text: string; format: ScenarioFormat } {
  if (typeof body.text !== 'string') throw new RouteError(400, ErrorCode.VALIDATION_FAILED, 'text: the scenario (JSON or YAML) as a string.');
  const format = body.format ?? scenarioTextFormat(body.text);
  if (format !== 'json' && format !== 'yaml') throw new RouteError(400, ErrorCode.VALIDATION_FAILED, 'format: "json" or "yaml".');
  return { text: body.text, format };
}

function decodeSegments(rest: string): string[] {
  try {
    return rest.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new RouteError(400, ErrorCode.VALIDATION_FAILED, 'Malformed percent-encoding in the path.');
  }
}

function methodNotAllowed(allowed: string): RouteError {
  return new RouteError(405, 'METHOD_NOT_ALLOWED', `Use ${allowed}.`);
}

async function route(req: http.IncomingMessage, res: http.ServerResponse, url: URL, deps: ScenarioRoutesDeps): Promise<void> {
  if (!deps.enabled) throw new RouteError(403, ErrorCode.FORBIDDEN, 'The scenario library is enabled only on a loopback address.');
  const { library } = deps;
  const method = req.method ?? 'GET';
  const parts = decodeSegments(url.pathname.slice(PREFIX.length));

  if (parts.length === 0) {
    if (method === 'GET') {
      send(res, 200, { scenarios: await library.list() });
      return;
    }
    if (method === 'POST') {
      const { text, format } = scenarioBody(await readObject(req, SCENARIO_BODY_LIMIT));
      const saved = await library.save(undefined, text, format);
      send(res, 201, { scenario: saved.scenario });
      return;
    }
    throw methodNotAllowed('GET or POST');
  }

  const [id = '', sub, resultId, ...extra] = parts;
  if (extra.length > 0 || (sub !== undefined && sub !== 'results')) {
    throw new RouteError(404, ErrorCode.NOT_FOUND, 'No such endpoint: a scenario id containing "/" is sent as one URL-encoded segment (golden%2Fcomplete-flow).');
  }

  if (sub === undefined) {
    if (method === 'GET') {
      send(res, 200, { scenario: await library.get(id) });
      return;
    }
    if (method === 'PUT') {
      const { text, format } = scenarioBody(await readObject(req, SCENARIO_BODY_LIMIT));
      const saved = await library.save(id, text, format);
      send(res, saved.created ? 201 : 200, { scenario: saved.scenario });
      return;
    }
    if (method === 'DELETE') {
      await library.remove(id);
      send(res, 200, { id, deleted: true });
      return;
    }
    throw methodNotAllowed('GET, PUT or DELETE');
  }

  if (resultId === undefined) {
    if (method === 'GET') {
      send(res, 200, { results: await library.listResults(id) });
      return;
    }
    if (method === 'POST') {
      const text = await readText(req, MAX_RESULT_BYTES);
      send(res, 201, { result: await library.saveResult(id, text) });
      return;
    }
    throw methodNotAllowed('GET or POST');
  }

  if (method !== 'GET') throw methodNotAllowed('GET');
  const { result, ...summary } = await library.getResult(id, resultId);
  send(res, 200, { ...summary, result });
}

/** Answers every request under /api/scenarios (errors included); unexpected errors are rethrown for the caller's 500. */
export async function handleScenarioRequest(req: http.IncomingMessage, res: http.ServerResponse, url: URL, deps: ScenarioRoutesDeps): Promise<void> {
  try {
    await route(req, res, url, deps);
  } catch (err) {
    let status: number | undefined;
    let code: string;
    let details: ScenarioIssue[] | undefined;
    if (err instanceof RouteError) {
      status = err.status;
      code = err.code;
      details = err.details;
    } else if (err instanceof ScenarioLibraryError) {
      status = STATUS[err.code];
      code = err.code;
      details = err.issues;
    } else {
      throw err;
    }
    if (status === undefined) throw err;
    const message = (err as Error).message;
    send(res, status, { error: { code, message, ...(details ? { details } : {}) } });
  }
}

export function isScenarioPath(pathname: string): boolean {
  return pathname === PREFIX || pathname.startsWith(`${PREFIX}/`);
}
