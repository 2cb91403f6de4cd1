/**
 * One attempt of one model turn: a streamed Chat Completions request, read to the end.
 * Collects the answer text, the reasoning text (`reasoning_content` from DeepSeek, vLLM and
 * llama.cpp; `reasoning` from Ollama, newer vLLM), the tool calls (assembled from their
 * deltas), the finish reason and the usage chunk (requested with include_usage).
 *
 * Every failure becomes an LlmRunError (status, connection, stream) or, when the attempt's
 * signal aborted (cancel, shutdown, idle or total timeout), the signal's reason.
 *
 * Bounded: an answer (text and tool-call arguments) past `maxAnswerChars`, reasoning past
 * `maxReasoningChars`, more than `maxToolCalls` calls, or one SSE line longer than the caps
 * allow fails the turn at once and cancels the request (the endpoint sees its connection
 * close). Only the first `keepReasoningChars` of the reasoning are kept (for its thought).
 */
import type OpenAI from 'openai';
import { APIConnectionError, APIError } from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { TokenUsage } from '../agent-types.ts';
import { observeAttempt, type AttemptObserver } from './llm-client.ts';
import { composedError, httpStatusError, LlmRunError, oneLine } from './llm-errors.ts';
import type { LlmSettings } from './llm-options.ts';
import { startIdleWatch } from './llm-timers.ts';
import { ToolCallAssembler } from './tool-call-assembler.ts';

export interface TurnRequest {
  model: string;
  messages: ChatCompletionCreateParamsStreaming['messages'];
  tools: ChatCompletionCreateParamsStreaming['tools'] | undefined;
  /** Sends stream_options.include_usage (refused by some older servers). */
  includeUsage: boolean;
}

export interface TurnResult {
  content: string;
  calls: ToolCallAssembler;
  finishReason: string | null;
  /** The usage the endpoint reported for this call, if any. */
  usage: TokenUsage | undefined;
}

/** The caps of one turn (from the agent's settings) and how much reasoning to keep. */
export type TurnCaps = Pick<LlmSettings, 'maxAnswerChars' | 'maxReasoningChars' | 'maxToolCallsPerTurn'> & { keepReasoningChars: number };

/**
 * The longest SSE line accepted: room for the largest allowed text in one chunk, JSON-escaped
 * (up to 6 bytes a character), plus the chunk's other fields.
 */
export function maxStreamLineBytes(caps: Pick<TurnCaps, 'maxAnswerChars' | 'maxReasoningChars'>): number {
  return 6 * Math.max(caps.maxAnswerChars, caps.maxReasoningChars) + 64 * 1024;
}

export interface TurnHooks {
  /** The model's reasoning of this turn, once it is complete (before the answer or tool calls). */
  onReasoning(text: string): void;
}

type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: unknown; reasoning?: unknown };

function usageOf(chunk: ChatCompletionChunk): TokenUsage | undefined {
  const usage = chunk.usage as { prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined;
  if (!usage) return undefined;
  const count = (n: unknown): number | undefined => (typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined);
  const input = count(usage.prompt_tokens);
  const output = count(usage.completion_tokens);
  return input === undefined || output === undefined ? undefined : { input_tokens: input, output_tokens: output };
}

function reasoningOf(delta: Delta): string {
  const text = delta.reasoning_content ?? delta.reasoning;
  return typeof text === 'string' ? text : '';
}

/** The code (ECONNREFUSED...) or message deepest in an error's cause chain. */
function rootCause(err: unknown): string {
  let current: unknown = err;
  let found = '';
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    found = typeof code === 'string' ? code : current.message;
    current = current.cause;
  }
  return found;
}

function failure(err: unknown, observer: AttemptObserver, endpoint: string): LlmRunError {
  if (err instanceof LlmRunError) return err;
  if (err instanceof APIError && typeof err.status === 'number') return httpStatusError(err.status, observer.errorBody, err.headers);
  if (err instanceof APIConnectionError) {
    // No answer at all: worth a retry (the server restarting, a refused connection).
    return composedError('LLM_CONNECTION', `could not reach LLM endpoint ${endpoint}`, oneLine(rootCause(err.cause ?? err)), {
      retryable: observer.status === undefined,
    });
  }
  if (err instanceof APIError) return new LlmRunError('LLM_STREAM', `LLM endpoint sent an error mid-stream: ${oneLine(err.message)}`);
  if (err instanceof SyntaxError) return new LlmRunError('LLM_STREAM', 'LLM endpoint sent a stream chunk that is not JSON');
  return new LlmRunError('LLM_STREAM', `LLM stream broke off: ${oneLine(rootCause(err))}`);
}

export async function streamTurn(
  client: OpenAI,
  request: TurnRequest,
  limits: { signal: AbortSignal; idleTimeoutMs: number; endpoint: string; caps: TurnCaps },
  hooks: TurnHooks,
): Promise<TurnResult> {
  const { caps } = limits;
  const idle = startIdleWatch(limits.signal, limits.idleTimeoutMs);
  // Cancels the request when the turn stops early (a cap): the SDK aborts on a thrown error
  // too, this makes it certain.
  const stop = new AbortController();
  const observer: AttemptObserver = { onBytes: () => idle.touch(), maxLineBytes: maxStreamLineBytes(caps) };
  const calls = new ToolCallAssembler({ maxCalls: caps.maxToolCallsPerTurn, maxChars: caps.maxAnswerChars });
  let content = '';
  let reasoning = '';
  let reasoningChars = 0;
  let reasoningSaid = false;
  let finishReason: string | null = null;
  let usage: TokenUsage | undefined;
  const sayReasoning = (): void => {
    if (reasoningSaid || reasoning.trim() === '') return;
    reasoningSaid = true;
    hooks.onReasoning(reasoning.trim());
  };
  try {
    await observeAttempt(observer, async () => {
      const stream = await client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages,
          ...(request.tools ? { tools: request.tools } : {}),
          stream: true,
          ...(request.includeUsage ? { stream_options: { include_usage: true } } : {}),
        },
        { signal: AbortSignal.any([idle.signal, stop.signal]) },
      );
      for await (const chunk of stream) {
        usage = usageOf(chunk) ?? usage;
        const choice = chunk.choices?.find((c) => c.index === 0) ?? chunk.choices?.[0];
        if (!choice) continue;
        const delta = (choice.delta ?? {}) as Delta;
        const thought = reasoningOf(delta);
        if (thought !== '') {
          reasoningChars += thought.length;
          if (reasoningChars > caps.maxReasoningChars) {
            throw new LlmRunError(
              'LLM_REASONING_TOO_LONG',
              `the model's reasoning passed ${caps.maxReasoningChars} characters, the most a turn may stream (maxReasoningChars, LLM_MAX_REASONING_CHARS); the request was cancelled`,
            );
          }
          // Only the start is said (as a thought); one character more marks it shortened.
          if (reasoning.length <= caps.keepReasoningChars) reasoning += thought.slice(0, caps.keepReasoningChars + 1 - reasoning.length);
        }
        if (typeof delta.content === 'string' && delta.content !== '') {
          sayReasoning();
          if (content.length + calls.textLength + delta.content.length > caps.maxAnswerChars) {
            throw new LlmRunError(
              'LLM_ANSWER_TOO_LONG',
              `the model's answer passed ${caps.maxAnswerChars} characters, the most a turn may stream (maxAnswerChars, LLM_MAX_ANSWER_CHARS); the request was cancelled`,
            );
          }
          content += delta.content;
        }
        if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) {
          sayReasoning();
          calls.add(delta.tool_calls, content.length);
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
    });
    // The SDK ends an aborted stream quietly: the abort is the outcome.
    if (idle.signal.aborted) throw idle.signal.reason;
    if (finishReason === null) {
      throw new LlmRunError('LLM_STREAM', 'LLM stream ended before the model finished its turn (no finish_reason)');
    }
    sayReasoning();
    return { content, calls, finishReason, usage };
  } catch (err) {
    if (idle.signal.aborted) throw idle.signal.reason;
    const error = failure(err, observer, limits.endpoint);
    stop.abort(error);
    throw error;
  } finally {
    idle.dispose();
  }
}
