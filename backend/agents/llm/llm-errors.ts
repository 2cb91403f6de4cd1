/**
 * How a run of the llm agent fails: one error class with a code, each message one line that
 * says what happened (the HTTP status and the endpoint's own message, which timeout, which
 * limit). Messages are redacted by the agent before they leave it.
 */
import { STATUS_CODES } from 'node:http';

export type LlmErrorCode =
  | 'LLM_HTTP_STATUS'
  | 'LLM_CONNECTION'
  | 'LLM_STREAM'
  | 'LLM_IDLE_TIMEOUT'
  | 'LLM_TIMEOUT'
  | 'LLM_MAX_ROUNDS'
  | 'LLM_EMPTY_ANSWER'
  /** The turn's answer (text and tool-call arguments) passed maxAnswerChars. */
  | 'LLM_ANSWER_TOO_LONG'
  /** The turn's reasoning passed maxReasoningChars. */
  | 'LLM_REASONING_TOO_LONG'
  /** The turn made more than maxToolCallsPerTurn tool calls. */
  | 'LLM_TOO_MANY_TOOL_CALLS';

export interface LlmRunErrorDetails {
  /** Worth another attempt (429, 5xx, a connection refused before any byte). */
  retryable?: boolean;
  /** Response headers of an HTTP error (Retry-After). */
  headers?: Headers | undefined;
  status?: number | undefined;
  /** The message in two parts, `head: detail`, so a retry count can go after the head. */
  head?: string;
  detail?: string;
}

export class LlmRunError extends Error {
  readonly retryable: boolean;
  readonly headers: Headers | undefined;
  readonly status: number | undefined;
  readonly head: string;
  readonly detail: string;
  constructor(
    readonly code: LlmErrorCode,
    message: string,
    details: LlmRunErrorDetails = {},
  ) {
    super(message);
    this.name = 'LlmRunError';
    this.retryable = details.retryable ?? false;
    this.headers = details.headers;
    this.status = details.status;
    this.head = details.head ?? message;
    this.detail = details.detail ?? '';
  }
}

/** An error whose message is `head: detail` (or `head` alone). */
export function composedError(code: LlmErrorCode, head: string, detail: string, details: LlmRunErrorDetails = {}): LlmRunError {
  return new LlmRunError(code, detail ? `${head}: ${detail}` : head, { ...details, head, detail });
}

const MAX_DETAIL = 300;
/** The most bytes of an error answer's body read (the rest is not downloaded). */
export const ERROR_BODY_BYTES = 4096;

/** Collapses whitespace and line breaks, and shortens to `max` characters. */
export function oneLine(text: string, max = MAX_DETAIL): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function statusText(status: number): string {
  const reason = STATUS_CODES[status];
  return reason ? `${status} ${reason}` : String(status);
}

/**
 * The endpoint's own message in an error body: OpenAI's `{ error: { message } }`, Ollama's
 * `{ error: "..." }`, vLLM's older `{ message }`, FastAPI's `{ detail }`, or the text itself.
 */
export function errorBodyMessage(body: string | undefined): string {
  if (body === undefined || body.trim() === '') return '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return oneLine(body);
  }
  const fields = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
  const top = fields(parsed);
  const error = top.error;
  const candidates = [fields(error).message, error, top.message, top.detail];
  for (const candidate of candidates) {
    if (typeof candidate === 'string' && candidate.trim() !== '') return oneLine(candidate);
  }
  return oneLine(body);
}

export function httpStatusError(status: number, body: string | undefined, headers: Headers | undefined): LlmRunError {
  const detail = errorBodyMessage(body);
  return composedError('LLM_HTTP_STATUS', `LLM endpoint answered ${statusText(status)}`, detail, {
    retryable: status === 429 || status >= 500,
    headers,
    status,
  });
}

/** The same failure after the last retry: says how many attempts it took. */
export function afterAttempts(error: LlmRunError, attempts: number): LlmRunError {
  if (attempts <= 1) return error;
  return composedError(error.code, `${error.head} (after ${attempts} attempts)`, error.detail, { headers: error.headers, status: error.status });
}
