/**
 * What the llm agent sends: the conversation (system prompt, the thread's history, the user's
 * message, then each turn's assistant tool calls and their `tool` results) and the tools
 * (every context tool as a function tool with its JSON Schema).
 */
import { createHash } from 'node:crypto';
import type { ChatCompletionFunctionTool, ChatCompletionMessageFunctionToolCall, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { HistoryMessage, ToolInfo, ToolOutcome } from '../agent-types.ts';

/** Function names the Chat Completions API accepts. */
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface OfferedTools {
  /** `tools` of the request (undefined when there are none: some servers refuse `tools: []`). */
  definitions: ChatCompletionFunctionTool[] | undefined;
  /** The tool of each function name offered (they differ for the mapped names). */
  names: ReadonlyMap<string, string>;
  /** `tool -> function` for each tool offered under another name (the API refuses its own). */
  mapped: string[];
}

/**
 * A function name the API accepts for a tool whose own it refuses (an MCP tool `fs.read_file`):
 * `.` becomes `__`, any other refused character `_`; too long or already taken, it is cut and
 * ends with `_` and 8 hex digits of the tool name's SHA-256.
 */
function mappedName(name: string, taken: ReadonlySet<string>): string {
  const plain = name.replace(/\./g, '__').replace(/[^a-zA-Z0-9_-]/g, '_');
  if (plain.length >= 1 && plain.length <= 64 && !taken.has(plain)) return plain;
  const hash = createHash('sha256').update(name).digest('hex');
  for (let at = 0; at + 8 <= hash.length; at += 1) {
    const candidate = `${plain.slice(0, 55)}_${hash.slice(at, at + 8)}`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error(`no function name left for tool '${name}'`);
}

export function offeredTools(tools: readonly ToolInfo[]): OfferedTools {
  const names = new Map<string, string>();
  const functionOf = new Map<ToolInfo, string>();
  // Names the API accepts keep them; the others get mapped names that none of those has.
  for (const tool of tools) {
    if (FUNCTION_NAME.test(tool.name)) {
      names.set(tool.name, tool.name);
      functionOf.set(tool, tool.name);
    }
  }
  const mapped: string[] = [];
  for (const tool of tools) {
    if (functionOf.has(tool)) continue;
    const name = mappedName(tool.name, new Set(names.keys()));
    names.set(name, tool.name);
    functionOf.set(tool, name);
    mapped.push(`${tool.name} -> ${name}`);
  }
  const definitions: ChatCompletionFunctionTool[] = tools.map((tool) => ({
    type: 'function',
    function: { name: functionOf.get(tool)!, description: tool.description, parameters: tool.parameters },
  }));
  return { definitions: definitions.length > 0 ? definitions : undefined, names, mapped };
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
