/**
 * The `llm` agent's options: what a caller may pass to `createLlmAgent`, the defaults, and
 * the check that turns them into resolved settings (a clear error per bad option, naming the
 * option and never echoing the API key).
 */
import { AGENT_NAME_PATTERN } from '../agent-registry.ts';
import { describeEndpoint } from './llm-redaction.ts';

export interface LlmAgentOptions {
  /** The model name the endpoint knows (`gpt-4o`, `llama3.1`, `Qwen/Qwen2.5-7B-Instruct`...). */
  model: string;
  /** Base URL of the Chat Completions API, up to `/v1` (default OpenAI's). */
  baseURL?: string | undefined;
  /** Sent as `Authorization: Bearer ...`; none sends no Authorization header (local servers). */
  apiKey?: string | undefined;
  /** The agent's name in `payload.agent` (default `llm`). */
  name?: string | undefined;
  description?: string | undefined;
  /** Sent first, as the `system` message (default none). */
  systemPrompt?: string | undefined;
  /** A model call fails when the endpoint sends no byte for this long (default 60 000 ms). */
  idleTimeoutMs?: number | undefined;
  /** The whole run (every model call, retry wait and tool call) is bounded by this (default 300 000 ms). */
  timeoutMs?: number | undefined;
  /** Model turns per run (default 8); a run still calling tools after the last one fails. */
  maxRounds?: number | undefined;
  /** Retries of a model call answered 429 / 5xx or refused at connection (default 2). */
  maxRetries?: number | undefined;
  /** Earlier runs of the thread sent as history (default the registry's, 50; 0: none). */
  historyTurns?: number | undefined;
  /**
   * The most characters a model turn may stream as its answer (text plus tool-call arguments;
   * default 1 000 000). Past it the request is cancelled and the run fails (LLM_ANSWER_TOO_LONG).
   */
  maxAnswerChars?: number | undefined;
  /** The most characters of reasoning a model turn may stream (default 1 000 000; LLM_REASONING_TOO_LONG). */
  maxReasoningChars?: number | undefined;
  /** The most tool calls one model turn may make (default 128; LLM_TOO_MANY_TOOL_CALLS). */
  maxToolCallsPerTurn?: number | undefined;
}

export interface LlmSettings {
  model: string;
  baseURL: string;
  apiKey: string | undefined;
  name: string;
  description: string;
  systemPrompt: string | undefined;
  idleTimeoutMs: number;
  timeoutMs: number;
  maxRounds: number;
  maxRetries: number;
  historyTurns: number | undefined;
  maxAnswerChars: number;
  maxReasoningChars: number;
  maxToolCallsPerTurn: number;
}

export const DEFAULT_LLM_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_LLM_AGENT_NAME = 'llm';
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_TIMEOUT_MS = 300_000;
export const DEFAULT_MAX_ROUNDS = 8;
export const DEFAULT_MAX_RETRIES = 2;
/** 1 M characters: an agent_completed that still fits a frame every client takes. */
export const DEFAULT_MAX_ANSWER_CHARS = 1_000_000;
export const DEFAULT_MAX_REASONING_CHARS = 1_000_000;
export const DEFAULT_MAX_TOOL_CALLS_PER_TURN = 128;

/** Bounds (setTimeout holds at most 2^31-1 ms; a day is plenty for one run). */
export const LIMITS = {
  timeoutMs: { min: 1, max: 86_400_000 },
  idleTimeoutMs: { min: 1, max: 86_400_000 },
  maxRounds: { min: 1, max: 100 },
  maxRetries: { min: 0, max: 10 },
  historyTurns: { min: 0, max: 1000 },
  maxAnswerChars: { min: 1, max: 100_000_000 },
  maxReasoningChars: { min: 1, max: 100_000_000 },
  maxToolCallsPerTurn: { min: 1, max: 10_000 },
  modelLength: 256,
} as const;

const KNOWN_OPTIONS = new Set<string>([
  'model',
  'baseURL',
  'apiKey',
  'name',
  'description',
  'systemPrompt',
  'idleTimeoutMs',
  'timeoutMs',
  'maxRounds',
  'maxRetries',
  'historyTurns',
  'maxAnswerChars',
  'maxReasoningChars',
  'maxToolCallsPerTurn',
]);

/** A bad option of the llm agent; `option` names it. */
export class LlmOptionsError extends Error {
  readonly code = 'LLM_INVALID_OPTION';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`llm agent: ${message}`);
    this.name = 'LlmOptionsError';
  }
}

function integerIn(options: Record<string, unknown>, key: keyof typeof LIMITS & string, fallback: number | undefined): number | undefined {
  const value = options[key];
  if (value === undefined) return fallback;
  const { min, max } = LIMITS[key] as { min: number; max: number };
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new LlmOptionsError(key, `${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

function optionalString(options: Record<string, unknown>, key: string): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new LlmOptionsError(key, `${key} must be a string`);
  return value;
}

function checkBaseURL(value: string | undefined): string {
  if (value === undefined) return DEFAULT_LLM_BASE_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LlmOptionsError('baseURL', 'baseURL must be an absolute http(s) URL such as http://127.0.0.1:11434/v1');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LlmOptionsError('baseURL', `baseURL must use http or https, got ${describeEndpoint(value)}`);
  }
  if (url.username !== '' || url.password !== '') {
    // fetch refuses such URLs; never echo the credentials.
    throw new LlmOptionsError('baseURL', `baseURL must not carry a user name or password (${describeEndpoint(value)}): give the key as apiKey`);
  }
  return value;
}

function checkApiKey(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  // Never echo the key: say what is wrong with it only.
  if (/[\s\p{Cc}]/u.test(value)) throw new LlmOptionsError('apiKey', 'apiKey must not contain spaces, tabs or line breaks');
  return value;
}

/** Checks `options` and fills the defaults; throws LlmOptionsError naming the first bad option. */
export function resolveLlmSettings(options: LlmAgentOptions): LlmSettings {
  if (typeof options !== 'object' || options === null) throw new LlmOptionsError('options', 'options must be an object with at least { model }');
  const raw = options as unknown as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new LlmOptionsError(key, `unknown option '${key}' (known: ${[...KNOWN_OPTIONS].join(', ')})`);
    }
  }
  const model = raw.model;
  if (typeof model !== 'string' || model.trim() === '' || model.length > LIMITS.modelLength) {
    throw new LlmOptionsError(
      'model',
      `model is required: the model name the endpoint serves (1-${LIMITS.modelLength} characters), e.g. gpt-4o-mini or llama3.1`,
    );
  }
  const name = optionalString(raw, 'name') ?? DEFAULT_LLM_AGENT_NAME;
  if (!AGENT_NAME_PATTERN.test(name)) throw new LlmOptionsError('name', `name must be 1-64 characters without spaces, got ${JSON.stringify(name)}`);
  const baseURL = checkBaseURL(optionalString(raw, 'baseURL'));
  const systemPrompt = optionalString(raw, 'systemPrompt');
  return {
    model,
    baseURL,
    apiKey: checkApiKey(optionalString(raw, 'apiKey')),
    name,
    description:
      optionalString(raw, 'description') ?? `Model ${model} at ${describeEndpoint(baseURL)} (OpenAI-compatible Chat Completions, streaming, with tool calls).`,
    systemPrompt: systemPrompt === '' ? undefined : systemPrompt,
    idleTimeoutMs: integerIn(raw, 'idleTimeoutMs', DEFAULT_IDLE_TIMEOUT_MS) as number,
    timeoutMs: integerIn(raw, 'timeoutMs', DEFAULT_TIMEOUT_MS) as number,
    maxRounds: integerIn(raw, 'maxRounds', DEFAULT_MAX_ROUNDS) as number,
    maxRetries: integerIn(raw, 'maxRetries', DEFAULT_MAX_RETRIES) as number,
    historyTurns: integerIn(raw, 'historyTurns', undefined),
    maxAnswerChars: integerIn(raw, 'maxAnswerChars', DEFAULT_MAX_ANSWER_CHARS) as number,
    maxReasoningChars: integerIn(raw, 'maxReasoningChars', DEFAULT_MAX_REASONING_CHARS) as number,
    maxToolCallsPerTurn: integerIn(raw, 'maxToolCallsPerTurn', DEFAULT_MAX_TOOL_CALLS_PER_TURN) as number,
  };
}
