/** A typed client of the HTTP API (protocol.md §6), for the console, the runner and tests. */
import type {
  HealthResponse,
  MessageRecordDto,
  RunEventEnvelope,
  RunSummary,
  ThreadSummary,
  TokenResponse,
} from '../protocol/index.ts';

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

/** `fetch failed` says nothing; its cause says ECONNREFUSED, ENOTFOUND, a TLS error... */
export function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

export interface RestClient {
  health(): Promise<{ status: number; body: HealthResponse }>;
  mintToken(userId: string, ttlS?: number): Promise<TokenResponse>;
  listThreads(token: string): Promise<ThreadSummary[]>;
  listMessages(token: string, threadId: string): Promise<MessageRecordDto[]>;
  listRuns(token: string, threadId?: string): Promise<RunSummary[]>;
  getRun(token: string, runId: string): Promise<RunSummary>;
  getRunEvents(token: string, runId: string): Promise<RunEventEnvelope[]>;
}

export function createRestClient(baseUrl: string, fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): RestClient {
  const base = baseUrl.replace(/\/$/, '');
  async function call<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.body) headers['content-type'] = 'application/json';
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let res: Response;
    try {
      res = await fetchImpl(`${base}${path}`, { ...init, headers });
    } catch (err) {
      throw new ApiError(0, 'UNREACHABLE', `${base} is unreachable: ${describeFetchError(err)}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!res.ok) {
      const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
      // A body that is not our error shape (an HTML page, a proxy's text) is summarised, not dumped.
      throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} from ${path} (not a Flowscope API answer)`);
    }
    return body as T;
  }
  return {
    async health() {
      const res = await fetchImpl(`${base}/health`);
      return { status: res.status, body: (await res.json()) as HealthResponse };
    },
    mintToken: (userId, ttlS = 3600) =>
      call<TokenResponse>('/api/dev/token', { method: 'POST', body: JSON.stringify({ user_id: userId, ttl_s: ttlS }) }),
    listThreads: (token) => call<{ threads: ThreadSummary[] }>('/api/threads', { token }).then((r) => r.threads),
    listMessages: (token, threadId) =>
      call<{ messages: MessageRecordDto[] }>(`/api/threads/${encodeURIComponent(threadId)}/messages`, { token }).then((r) => r.messages),
    listRuns: (token, threadId) =>
      call<{ runs: RunSummary[] }>(`/api/runs${threadId ? `?thread_id=${encodeURIComponent(threadId)}` : ''}`, { token }).then((r) => r.runs),
    getRun: (token, runId) => call<{ run: RunSummary }>(`/api/runs/${encodeURIComponent(runId)}`, { token }).then((r) => r.run),
    getRunEvents: (token, runId) =>
      call<{ events: RunEventEnvelope[] }>(`/api/runs/${encodeURIComponent(runId)}/events`, { token }).then((r) => r.events),
  };
}
