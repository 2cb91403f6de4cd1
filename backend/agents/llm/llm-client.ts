/**
 * The llm agent's HTTP client: the official `openai` package, configured to read nothing
 * from the environment (no OPENAI_BASE_URL, OPENAI_ORG_ID... surprises), to retry nothing
 * itself (the agent retries, abortably, see llm-retry.ts), to log nothing, and to send no
 * Authorization header when there is no key (Ollama, llama.cpp, LM Studio need none).
 *
 * Its fetch reports to the current attempt's observer (an AsyncLocalStorage, so one client
 * serves every run): each byte received (headers, then every body chunk, SSE comments
 * included) resets the idle timer, and an error answer's body is kept so its message can be
 * read whatever its JSON shape.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import OpenAI from 'openai';
import type { LlmSettings } from './llm-options.ts';

export interface AttemptObserver {
  /** Called when bytes arrive (the response head, then each body chunk). */
  onBytes(): void;
  /** Set when the endpoint answered an error status: the body text. */
  errorBody?: string;
  /** Set once the response head arrived. */
  status?: number;
}

const attempts = new AsyncLocalStorage<AttemptObserver>();

/** Runs `fn` with `observer` watching the requests it makes. */
export function observeAttempt<T>(observer: AttemptObserver, fn: () => Promise<T>): Promise<T> {
  return attempts.run(observer, fn);
}

async function observingFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const observer = attempts.getStore();
  const response = await fetch(input, init);
  if (observer === undefined) return response;
  observer.status = response.status;
  observer.onBytes();
  if (!response.ok) {
    observer.errorBody = await response.text();
    return new Response(observer.errorBody, { status: response.status, statusText: response.statusText, headers: response.headers });
  }
  if (response.body === null) return response;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        observer.onBytes();
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** A placeholder the client requires; with it the Authorization header is removed. */
const NO_KEY = 'no-api-key';

export function createLlmClient(settings: LlmSettings): OpenAI {
  return new OpenAI({
    apiKey: settings.apiKey ?? NO_KEY,
    ...(settings.apiKey === undefined ? { defaultHeaders: { Authorization: null } } : {}),
    baseURL: settings.baseURL,
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: 0,
    // The agent enforces its own total and idle timeouts; this one must never fire first.
    timeout: settings.timeoutMs + 60_000,
    logLevel: 'off',
    fetch: observingFetch,
  });
}
