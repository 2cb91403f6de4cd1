/**
 * The `llm` agent: a model behind any OpenAI-compatible Chat Completions endpoint (OpenAI,
 * Ollama, vLLM, LM Studio, llama.cpp's server), streamed, with tool calling.
 *
 * A run is a loop of model turns (at most maxRounds). Each turn says what it does
 * (`Asking <model> (turn n of at most m)`), streams the model's answer (its reasoning, when
 * it streams one, becomes a thought), and either ends the run with the text answer or runs
 * the turn's tool calls in parallel and sends their results back as `tool` messages for the
 * next turn. A run still calling tools after its last turn fails, saying so.
 *
 * Usage: the sum over the run's model calls when every call reported one (the agent asks
 * with stream_options.include_usage); if any call reported none, the run reports no usage
 * rather than an undercount or zeros.
 *
 * Every thought, error and answer passes the redactor, and so does every string the agent
 * hands its context (tool names, arguments, call ids: withSecretsRedacted): the API key, or a
 * run of 12 or more of its characters, never leaves the agent.
 *
 * Bounded: each turn's answer, reasoning and tool calls are capped (maxAnswerChars,
 * maxReasoningChars, maxToolCallsPerTurn); past a cap the request is cancelled and the run
 * fails saying which cap and its setting. An error answer's body is read up to 4 KB.
 */
import type OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { Agent, AgentContext, AgentResult, TokenUsage } from '../agent-types.ts';
import { createLlmClient } from './llm-client.ts';
import { LlmRunError } from './llm-errors.ts';
import { assistantToolCallMessage, initialMessages, offeredTools, toolResultMessage } from './llm-messages.ts';
import { resolveLlmSettings, type LlmAgentOptions, type LlmSettings } from './llm-options.ts';
import { createKeyRedactor, describeEndpoint, type Redactor } from './llm-redaction.ts';
import { withSecretsRedacted } from '../secret-redaction.ts';
import { withRetries } from './llm-retry.ts';
import { runToolCalls } from './llm-tool-calls.ts';
import { startRunDeadline, type RunDeadline } from './llm-timers.ts';
import { streamTurn, type TurnResult } from './llm-turn.ts';

/** Reasoning longer than this is shortened in its thought (the model still has it all). */
export const MAX_REASONING_THOUGHT = 16_000;

class UsageTally {
  private total: TokenUsage = { input_tokens: 0, output_tokens: 0 };
  private complete = true;
  add(usage: TokenUsage | undefined): void {
    if (usage === undefined) {
      this.complete = false;
      return;
    }
    this.total = { input_tokens: this.total.input_tokens + usage.input_tokens, output_tokens: this.total.output_tokens + usage.output_tokens };
  }
  result(): TokenUsage | undefined {
    return this.complete ? this.total : undefined;
  }
}

/** What the agent learned about its endpoint (shared by its runs). */
interface EndpointCompat {
  /** False once the endpoint refused `stream_options` (an older server): it is not sent again. */
  includeUsage: boolean;
}

interface Run {
  compat: EndpointCompat;
  ctx: AgentContext;
  settings: LlmSettings;
  client: OpenAI;
  redact: Redactor;
  deadline: RunDeadline;
  endpoint: string;
}

function think(run: Run, text: string): Promise<void> {
  return run.ctx.think(run.redact(text));
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A 400 that refuses `stream_options` (servers older than it): worth one more try without it. */
function refusesStreamOptions(err: unknown): boolean {
  return err instanceof LlmRunError && err.status === 400 && /stream_options|include_usage/i.test(err.detail);
}

async function modelTurn(run: Run, messages: ChatCompletionMessageParam[], tools: ReturnType<typeof offeredTools>['definitions']): Promise<TurnResult> {
  try {
    return await modelTurnOnce(run, messages, tools);
  } catch (err) {
    if (!run.compat.includeUsage || !refusesStreamOptions(err)) throw err;
    run.compat.includeUsage = false;
    await think(run, 'The endpoint refuses stream_options: asking again without it (no usage will be reported).');
    return modelTurnOnce(run, messages, tools);
  }
}

async function modelTurnOnce(run: Run, messages: ChatCompletionMessageParam[], tools: ReturnType<typeof offeredTools>['definitions']): Promise<TurnResult> {
  const thoughts: Promise<void>[] = [];
  const { settings, deadline } = run;
  try {
    return await withRetries(
      () =>
        streamTurn(
          run.client,
          { model: settings.model, messages, tools, includeUsage: run.compat.includeUsage },
          {
            signal: deadline.signal,
            idleTimeoutMs: settings.idleTimeoutMs,
            endpoint: run.endpoint,
            caps: {
              maxAnswerChars: settings.maxAnswerChars,
              maxReasoningChars: settings.maxReasoningChars,
              maxToolCallsPerTurn: settings.maxToolCallsPerTurn,
              keepReasoningChars: MAX_REASONING_THOUGHT,
            },
          },
          {
            // Not awaited inside the stream loop (the idle clock runs there); awaited below.
            onReasoning: (text) => {
              const said = think(run, shorten(text, MAX_REASONING_THOUGHT));
              said.catch(() => undefined);
              thoughts.push(said);
            },
          },
        ),
      {
        maxRetries: settings.maxRetries,
        signal: deadline.signal,
        timeLeft: deadline.timeLeft,
        onRetry: ({ retry, maxRetries, waitMs, reason }) =>
          think(run, `${reason}; retrying in ${waitMs < 1000 ? `${waitMs} ms` : `${(waitMs / 1000).toFixed(1)} s`} (retry ${retry} of ${maxRetries})`),
      },
    );
  } finally {
    await Promise.all(thoughts);
  }
}

async function converse(run: Run): Promise<AgentResult> {
  const { ctx, settings } = run;
  const tools = offeredTools(ctx.tools);
  const messages = initialMessages(settings.systemPrompt, ctx.history, ctx.input.content);
  const usage = new UsageTally();
  const usedCallIds = new Set<string>();
  let toolResults = 0;
  for (let turn = 1; turn <= settings.maxRounds; turn += 1) {
    const renamed = turn === 1 && tools.mapped.length > 0 ? `; tool names the API refuses, offered as: ${tools.mapped.join(', ')}` : '';
    const results = turn > 1 ? ` with ${toolResults} tool result${toolResults === 1 ? '' : 's'}` : '';
    await think(run, `Asking ${settings.model} (turn ${turn} of at most ${settings.maxRounds})${results}${renamed}`);
    const answer = await modelTurn(run, messages, tools.definitions);
    usage.add(answer.usage);
    if (answer.calls.size === 0) {
      if (answer.content === '' && answer.finishReason === 'length') {
        throw new LlmRunError('LLM_EMPTY_ANSWER', `the model reached its output token limit before answering (finish_reason: length)`);
      }
      if (answer.finishReason === 'length') await think(run, "The answer was cut at the model's output token limit (finish_reason: length).");
      return { response: run.redact(answer.content), usage: usage.result() };
    }
    const calls = answer.calls.finish(turn, usedCallIds);
    if (answer.content.trim() !== '') await think(run, answer.content.trim());
    messages.push(assistantToolCallMessage(answer.content, calls));
    const outcomes = await runToolCalls(ctx, calls, run.deadline.signal, tools.names);
    for (const outcome of outcomes) messages.push(toolResultMessage(outcome));
    toolResults = outcomes.length;
  }
  throw new LlmRunError(
    'LLM_MAX_ROUNDS',
    `the model was still calling tools after ${settings.maxRounds} turns, the most a run may take (maxRounds, LLM_MAX_ROUNDS)`,
  );
}

export function createLlmAgent(options: LlmAgentOptions): Agent {
  const settings = resolveLlmSettings(options);
  const client = createLlmClient(settings);
  const redactor = createKeyRedactor(settings.apiKey);
  const redact = redactor.text;
  const endpoint = describeEndpoint(settings.baseURL);
  const compat: EndpointCompat = { includeUsage: true };
  return withSecretsRedacted(
    {
      name: settings.name,
      description: settings.description,
      ...(settings.historyTurns === undefined ? {} : { historyTurns: settings.historyTurns }),
      async run(ctx) {
        const deadline = startRunDeadline(ctx.signal, settings.timeoutMs);
        try {
          return await converse({ compat, ctx, settings, client, redact, deadline, endpoint });
        } catch (err) {
          // Cancel and shutdown: the engine reports them from the signal; keep its reason.
          if (ctx.signal.aborted) throw err;
          const message = redact(err instanceof Error ? err.message : String(err));
          throw err instanceof LlmRunError ? new LlmRunError(err.code, message) : new Error(message);
        } finally {
          deadline.dispose();
        }
      },
    },
    redactor,
  );
}
