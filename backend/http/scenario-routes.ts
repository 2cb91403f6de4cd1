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
import { ErrorCode } from '../../protocol/index.ts';
import { scenarioTextFormat } from '../../scenario/scenario-loader.ts';
import { MAX_RESULT_BYTES, MAX_SCENARIO_BYTES, ScenarioLibraryError, type ScenarioFormat, type ScenarioLibrary } from '../scenarios/scenario-library.ts';
import { dispatch, HttpError, readJsonObject, readText, sendJson, type RouteHandler } from './http-helpers.ts';
import { RouteTable } from './route-table.ts';
import { snapshotRoutes, SNAPSHOT_ROUTE } from './snapshot-routes.ts';

export interface ScenarioRoutesDeps {
  library: ScenarioLibrary;
  /** False when the server binds to a non-loopback address: every route answers 403. */
  enabled: boolean;
}

const PREFIX = '/api/scenarios';
/** JSON-escaped scenario text can be larger than the text itself; the library enforces MAX_SCENARIO_BYTES on the text. */
const SCENARIO_BODY_LIMIT = 2 * MAX_SCENARIO_BYTES + 16 * 1024;
const NOT_FOUND_MESSAGE = 'No such endpoint: a scenario id containing "/" is sent as one URL-encoded segment (golden%2Fcomplete-flow).';

/** `{ text, format? }`; without format, text that parses as JSON is JSON, anything else YAML (as the CLI and console decide). */
function scenarioBody(body: Record<string, unknown>): { text: string; format: ScenarioFormat } {
  if (typeof body.text !== 'string') throw new HttpError(ErrorCode.VALIDATION_FAILED, 'text: the scenario (JSON or YAML) as a string.');
  const format = body.format ?? scenarioTextFormat(body.text);
  if (format !== 'json' && format !== 'yaml') throw new HttpError(ErrorCode.VALIDATION_FAILED, 'format: "json" or "yaml".');
  return { text: body.text, format };
}

function routes(library: ScenarioLibrary): RouteTable<RouteHandler> {
  const snapshots = snapshotRoutes(library);
  return new RouteTable<RouteHandler>()
    .add('GET', SNAPSHOT_ROUTE, snapshots.get)
    .add('PUT', SNAPSHOT_ROUTE, snapshots.put)
    .add('GET', PREFIX, async ({ res }) => sendJson(res, 200, { scenarios: await library.list() }))
    .add('POST', PREFIX, async ({ req, res }) => {
      const { text, format } = scenarioBody(await readJsonObject(req, SCENARIO_BODY_LIMIT));
      const saved = await library.save(undefined, text, format);
      sendJson(res, 201, { scenario: saved.scenario });
    })
    .add('GET', `${PREFIX}/:id`, async ({ res, params }) => sendJson(res, 200, { scenario: await library.get(params.id ?? '') }))
    .add('PUT', `${PREFIX}/:id`, async ({ req, res, params }) => {
      const { text, format } = scenarioBody(await readJsonObject(req, SCENARIO_BODY_LIMIT));
      const saved = await library.save(params.id ?? '', text, format);
      sendJson(res, saved.created ? 201 : 200, { scenario: saved.scenario });
    })
    .add('DELETE', `${PREFIX}/:id`, async ({ res, params }) => {
      const id = params.id ?? '';
      await library.remove(id);
      sendJson(res, 200, { id, deleted: true });
    })
    .add('GET', `${PREFIX}/:id/results`, async ({ res, params }) => sendJson(res, 200, { results: await library.listResults(params.id ?? '') }))
    .add('POST', `${PREFIX}/:id/results`, async ({ req, res, params }) => {
      const text = await readText(req, MAX_RESULT_BYTES);
      sendJson(res, 201, { result: await library.saveResult(params.id ?? '', text) });
    })
    .add('GET', `${PREFIX}/:id/results/:resultId`, async ({ res, params }) => {
      const { result, ...summary } = await library.getResult(params.id ?? '', params.resultId ?? '');
      sendJson(res, 200, { ...summary, result });
    });
}

const tables = new WeakMap<ScenarioLibrary, RouteTable<RouteHandler>>();

/**
 * Answers a request under /api/scenarios: 403 first when the library is disabled, then the
 * route table (404 / 405 METHOD_NOT_ALLOWED). A library refusal becomes its code's HTTP
 * error (thrown, as every HttpError, for the caller to send); anything else is rethrown for
 * the caller's 500.
 */
export async function handleScenarioRequest(req: http.IncomingMessage, res: http.ServerResponse, url: URL, deps: ScenarioRoutesDeps): Promise<void> {
  if (!deps.enabled) throw new HttpError(ErrorCode.FORBIDDEN, 'The scenario library is enabled only on a loopback address.');
  let table = tables.get(deps.library);
  if (!table) {
    table = routes(deps.library);
    tables.set(deps.library, table);
  }
  try {
    await dispatch(table, req, res, url, NOT_FOUND_MESSAGE);
  } catch (err) {
    if (err instanceof ScenarioLibraryError) throw new HttpError(err.code, err.message, err.issues ? { details: err.issues } : {});
    throw err;
  }
}

export function isScenarioPath(pathname: string): boolean {
  return pathname === PREFIX || pathname.startsWith(`${PREFIX}/`);
}
