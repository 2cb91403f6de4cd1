/** A typed client of the HTTP API (protocol.md §6), for the console, the runner and tests. */
import type { AgentsResponse, HealthResponse, MessageRecordDto, RunEventEnvelope, RunSummary, ThreadSummary, TokenResponse } from '../protocol/index.ts';
import { requestJson } from './json-request.ts';

export { describeFetchError } from './json-request.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export interface RestClient {
  health(): Promise<{ status: number; body: HealthResponse }>;
  mintToken(userId: string, ttlS?: number): Promise<TokenResponse>;
  listThreads(token: string): Promise<ThreadSummary[]>;
  listMessages(token: string, threadId: string): Promise<MessageRecordDto[]>;
  listRuns(token: string, threadId?: string): Promise<RunSummary[]>;
  getRun(token: string, runId: string): Promise<RunSummary>;
  getRunEvents(token: string, runId: string): Promise<RunEventEnvelope[]>;
  /** The agents a message may name and the tools they may call (`GET /api/agents`). */
  listAgents(token: string): Promise<AgentsResponse>;
}

export function createRestClient(baseUrl: string, fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): RestClient {
  const base = baseUrl.replace(/\/$/, '');
  const call = <T>(path: string, init: { method?: string; body?: string; token?: string } = {}): Promise<T> =>
    requestJson<T>(fetchImpl, base, path, init, (e) => new ApiError(e.status, e.code, e.message));
  return {
    async health() {
      const res = await fetchImpl(`${base}/health`);
      return { status: res.status, body: (await res.json()) as HealthResponse };
    },
    mintToken: (userId, ttlS = 3600) => call<TokenResponse>('/api/dev/token', { method: 'POST', body: JSON.stringify({ user_id: userId, ttl_s: ttlS }) }),
    listThreads: (token) => call<{ threads: ThreadSummary[] }>('/api/threads', { token }).then((r) => r.threads),
    listMessages: (token, threadId) =>
      call<{ messages: MessageRecordDto[] }>(`/api/threads/${encodeURIComponent(threadId)}/messages`, { token }).then((r) => r.messages),
    listRuns: (token, threadId) =>
      call<{ runs: RunSummary[] }>(`/api/runs${threadId ? `?thread_id=${encodeURIComponent(threadId)}` : ''}`, { token }).then((r) => r.runs),
    getRun: (token, runId) => call<{ run: RunSummary }>(`/api/runs/${encodeURIComponent(runId)}`, { token }).then((r) => r.run),
    getRunEvents: (token, runId) => call<{ events: RunEventEnvelope[] }>(`/api/runs/${encodeURIComponent(runId)}/events`, { token }).then((r) => r.events),
    listAgents: (token) => call<AgentsResponse>('/api/agents', { token }),
  };
}
