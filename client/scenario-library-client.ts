/**
 * A typed client of the scenario library (`/api/scenarios`, docs/protocol.md, HTTP): list,
 * read, save and delete scenarios, and store and read their run results. No user token: the
 * library is a loopback-only dev endpoint. A scenario id containing `/` travels as one
 * URL-encoded path segment (`golden%2Fcomplete-flow`).
 */
import type { ScenarioDocument, ScenarioFormat, ScenarioIssue, ScenarioResultSummary, ScenarioSummary, StoredScenarioResult } from '../protocol/index.ts';
import { ApiError } from './rest-client.ts';
import { requestJson } from './json-request.ts';

/** An error answer of the library; `issues` for an invalid scenario (VALIDATION_FAILED). */
export class ScenarioLibraryApiError extends ApiError {
  readonly issues: ScenarioIssue[];
  constructor(status: number, code: string, message: string, issues: ScenarioIssue[] = []) {
    super(status, code, message);
    this.name = 'ScenarioLibraryApiError';
    this.issues = issues;
  }
}

export interface ScenarioLibraryClient {
  list(): Promise<ScenarioSummary[]>;
  get(id: string): Promise<ScenarioDocument>;
  /** A new saved scenario; its id is derived from its name (never overwrites). */
  create(text: string, format: ScenarioFormat): Promise<ScenarioDocument>;
  /** Writes the saved scenario `id` (created when absent); built-in ids are refused (403). */
  update(id: string, text: string, format: ScenarioFormat): Promise<ScenarioDocument>;
  remove(id: string): Promise<void>;
  listResults(id: string): Promise<ScenarioResultSummary[]>;
  /** Stores one result (any JSON object, usually a ScenarioResult). */
  saveResult(id: string, result: object): Promise<ScenarioResultSummary>;
  getResult(id: string, resultId: string): Promise<StoredScenarioResult>;
}

export function createScenarioLibraryClient(baseUrl: string, fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): ScenarioLibraryClient {
  const base = `${baseUrl.replace(/\/$/, '')}/api/scenarios`;
  const seg = (id: string) => `/${encodeURIComponent(id)}`;

  const call = <T>(path: string, method = 'GET', body?: unknown): Promise<T> =>
    requestJson<T>(
      fetchImpl,
      base,
      path,
      { method, body },
      (e) => new ScenarioLibraryApiError(e.status, e.code, e.message, Array.isArray(e.details) ? (e.details as ScenarioIssue[]) : []),
    );

  return {
    list: () => call<{ scenarios: ScenarioSummary[] }>('').then((r) => r.scenarios),
    get: (id) => call<{ scenario: ScenarioDocument }>(seg(id)).then((r) => r.scenario),
    create: (text, format) => call<{ scenario: ScenarioDocument }>('', 'POST', { text, format }).then((r) => r.scenario),
    update: (id, text, format) => call<{ scenario: ScenarioDocument }>(seg(id), 'PUT', { text, format }).then((r) => r.scenario),
    remove: (id) => call<unknown>(seg(id), 'DELETE').then(() => undefined),
    listResults: (id) => call<{ results: ScenarioResultSummary[] }>(`${seg(id)}/results`).then((r) => r.results),
    saveResult: (id, result) => call<{ result: ScenarioResultSummary }>(`${seg(id)}/results`, 'POST', result).then((r) => r.result),
    getResult: (id, resultId) => call<StoredScenarioResult>(`${seg(id)}/results${seg(resultId)}`),
  };
}
