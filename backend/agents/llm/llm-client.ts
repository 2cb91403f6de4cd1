/**
 * The llm agent's HTTP client: the official `openai` package, configured to read nothing
 * from the environment (no OPENAI_BASE_URL, OPENAI_ORG_ID... surprises), to retry nothing
 * itself (the agent retries, abortably, see llm-retry.ts), to log nothing, and to send no
 * Authorization header when there is no key (Ollama, llama.cpp, LM Studio need none).
 *
 * Its fetch reports to the current attempt's observer (an AsyncLocalStorage, so one client
 * serves every run): each byte received (headers, then every body chunk, SSE comments
 * included) resets the idle timer, and the start of an error answer's body (at most
 * ERROR_BODY_BYTES; the rest is not downloaded) is kept so its message can be read whatever
 * its JSON shape. A stream line (bytes up to a line feed) longer than the attempt's
 * `maxLineBytes` breaks the stream with an LlmRunError: the SDK would hold it whole.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import OpenAI from 'openai';
import { ERROR_BODY_BYTES, LlmRunError } from './llm-errors.ts';
import type { LlmSettings } from './llm-options.ts';

export interface AttemptObserver {
  /** Called when bytes arrive (the response head, then each body chunk). */
  onBytes(): void;
  /** Set when the endpoint answered an error status: the body text. */
  errorBody?: string;
  /** Set once the response head arrived. */
  status?: number;
  /** The longest line (bytes without a line feed) the stream may carry (default unbounded). */
  maxLineBytes?: number;
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
    observer.errorBody = await readStart(response, ERROR_BODY_BYTES, observer);
    return new Response(observer.errorBody, { status: response.status, statusText: response.statusText, headers: response.headers });
  }
  if (response.body === null) return response;
  const maxLine = observer.maxLineBytes ?? Number.POSITIVE_INFINITY;
  let lineBytes = 0;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        observer.onBytes();
        const lastFeed = chunk.lastIndexOf(0x0a);
        lineBytes = lastFeed === -1 ? lineBytes + chunk.length : chunk.length - lastFeed - 1;
        if (lineBytes > maxLine) {
          controller.error(
            new LlmRunError('LLM_STREAM', `LLM endpoint sent a stream line longer than ${maxLine} bytes (the answer and reasoning caps allow no more)`),
          );
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * The first `maxBytes` of the body as text; the rest is not read (the body is cancelled, so
 * the connection closes). A body that breaks off is kept as far as it came.
 */
async function readStart(response: Response, maxBytes: number, observer: AttemptObserver): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      observer.onBytes();
      parts.push(value);
      size += value.length;
    }
  } catch {
    // The status says enough; the body is shown as far as it came.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(parts);
  return new TextDecoder().decode(bytes.subarray(0, maxBytes));
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
