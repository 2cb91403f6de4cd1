/**
 * What the llm agent sends: the conversation (system prompt, the thread's history, the user's
 * message, then each turn's assistant tool calls and their `tool` results) and the tools
 * (every context tool as a function tool with its JSON Schema).
 */
import type { ChatCompletionFunctionTool, ChatCompletionMessageFunctionToolCall, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { HistoryMessage, ToolInfo, ToolOutcome } from '../agent-types.ts';

/** Function names the Chat Completions API accepts. */
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface OfferedTools {
  /** `tools` of the request (undefined when there are none: some servers refuse `tools: []`). */
  definitions: ChatCompletionFunctionTool[] | undefined;
  /** Tools not offered because the API does not allow their names. */
  skipped: string[];
}

export function offeredTools(tools: readonly ToolInfo[]): OfferedTools {
  const definitions: ChatCompletionFunctionTool[] = [];
  const skipped: string[] = [];
  for (const tool of tools) {
    if (!FUNCTION_NAME.test(tool.name)) {
      skipped.push(tool.name);
      continue;
    }
    definitions.push({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    });
  }
  return { definitions: definitions.length > 0 ? definitions : undefined, skipped };
}

export function initialMessages(systemPrompt: string | undefined, history: readonly HistoryMessage[], content: string): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  if (systemPrompt !== undefined) messages.push({ role: 'system', content: systemPrompt });
  for (const turn of history) messages.push({ role: turn.role, content: turn.content });
  messages.push({ role: 'user', content });
  return messages;
}

/** One tool call of a model turn, as assembled from the stream. */
export interface AssembledToolCall {
  /** The id used in events and in the conversation (the model's, unless missing or reused). */
  id: string;
  name: string;
  /** The arguments text exactly as the model streamed it. */
  argumentsText: string;
}

export function assistantToolCallMessage(content: string, calls: readonly AssembledToolCall[]): ChatCompletionMessageParam {
  const toolCalls: ChatCompletionMessageFunctionToolCall[] = calls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.argumentsText },
  }));
  return { role: 'assistant', content: content === '' ? null : content, tool_calls: toolCalls };
}

/** The `tool` message of an outcome: the result as JSON, or `{ "error": ... }`. */
export function toolResultMessage(outcome: ToolOutcome): ChatCompletionMessageParam {
  const body = outcome.ok ? (outcome.result ?? null) : { error: outcome.error ?? 'failed' };
  return { role: 'tool', tool_call_id: outcome.callId, content: JSON.stringify(body) };
}
