/**
 * The `tool-call` agent: runs exactly one tool, as a run. Its message's `payload.content` is a
 * JSON object `{"tool": "<name>", "arguments": {...}}` (`arguments` optional, default `{}`);
 * the agent calls that tool through its AgentContext, so the call goes through everything
 * any agent's call does: the JSON Schema check of the arguments, `tool_executing` /
 * `tool_completed`, the run's budget, persistence and delivery, history. The console's Tools
 * view runs tools with it; a scenario or any client can too.
 *
 * Succeeded: the response is the tool's result as JSON text. Failed: the run's error is
 * `CODE: message`, one code of TOOL_CALL_ERRORS, e.g.
 * `TOOL_ARGUMENTS_INVALID: args.expression: must be string`.
 */
import type { Agent, AgentContext, AgentResult } from './agent-types.ts';

export const TOOL_CALL_AGENT_NAME = 'tool-call';

/** Why a tool-call run failed: the code that starts its error, and what it means. */
export const TOOL_CALL_ERRORS = {
  TOOL_CALL_INVALID: 'payload.content is not {"tool": "<name>", "arguments": {...}}',
  TOOL_UNKNOWN: 'no tool of that name in the catalog',
  TOOL_ARGUMENTS_INVALID: "the arguments do not match the tool's JSON Schema (each path named)",
  TOOL_FAILED: 'the tool threw, timed out or returned what cannot be sent as JSON',
} as const;
export type ToolCallErrorCode = keyof typeof TOOL_CALL_ERRORS;

/** The run's error: `CODE: message` (the console and scenarios read the code before the colon). */
export class ToolCallError extends Error {
  constructor(
    readonly code: ToolCallErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ToolCallError';
  }
}

/** What the context's argument check starts a failed call's error with (agent-context.ts). */
const INVALID_ARGUMENTS_PREFIX = 'invalid arguments: ';

export interface ToolCallRequest {
  tool: string;
  arguments: Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `payload.content`; throws ToolCallError TOOL_CALL_INVALID saying what is wrong. */
export function parseToolCallRequest(content: string): ToolCallRequest {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    throw new ToolCallError('TOOL_CALL_INVALID', 'payload.content must be JSON: {"tool": "<name>", "arguments": {...}}');
  }
  if (!isPlainObject(value)) throw new ToolCallError('TOOL_CALL_INVALID', 'payload.content must be a JSON object {"tool": "<name>", "arguments": {...}}');
  const extra = Object.keys(value).filter((key) => key !== 'tool' && key !== 'arguments');
  if (extra.length > 0)
    throw new ToolCallError('TOOL_CALL_INVALID', `unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}: only "tool" and "arguments"`);
  if (typeof value.tool !== 'string' || value.tool === '') throw new ToolCallError('TOOL_CALL_INVALID', '"tool" must be the name of a tool (a string)');
  const args = value.arguments ?? {};
  if (!isPlainObject(args)) throw new ToolCallError('TOOL_CALL_INVALID', '"arguments" must be a JSON object');
  return { tool: value.tool, arguments: args };
}

/** The content of a message that asks the tool-call agent for one call. */
export function toolCallContent(tool: string, args: Record<string, unknown>): string {
  return JSON.stringify({ tool, arguments: args });
}

/** At most this many tool names in a TOOL_UNKNOWN error (an MCP server can bring hundreds). */
const MAX_NAMED_TOOLS = 20;

/**
 * TOOL_UNKNOWN's message: the tools whose name holds the one asked for first (`echo` is an MCP
 * server's `everything.echo`), then the others, at most MAX_NAMED_TOOLS named.
 */
export function unknownToolMessage(tool: string, known: readonly string[]): string {
  const wanted = tool.toLowerCase();
  const near = known.filter((name) => name.toLowerCase().includes(wanted));
  const hint =
    near.length > 0
      ? `did you mean ${near
          .slice(0, 3)
          .map((n) => `'${n}'`)
          .join(' or ')}? `
      : '';
  const named = known.slice(0, MAX_NAMED_TOOLS).join(', ');
  const more = known.length > MAX_NAMED_TOOLS ? ` and ${known.length - MAX_NAMED_TOOLS} more` : '';
  return `no tool named '${tool}' (${hint}tools: ${named || 'none'}${more})`;
}

export function createToolCallAgent(): Agent {
  return {
    name: TOOL_CALL_AGENT_NAME,
    description: 'Runs one tool as a run: payload.content is {"tool": "<name>", "arguments": {...}}; the response is its result as JSON.',
    historyTurns: 0,
    async run(ctx: AgentContext): Promise<AgentResult> {
      const request = parseToolCallRequest(ctx.input.content);
      if (!ctx.tools.some((t) => t.name === request.tool))
        throw new ToolCallError(
          'TOOL_UNKNOWN',
          unknownToolMessage(
            request.tool,
            ctx.tools.map((t) => t.name),
          ),
        );
      // one thought, so a tool run has the five events of every run (the golden path)
      await ctx.think(`Calling ${request.tool} with the arguments given.`);
      const outcome = await ctx.callTool(request.tool, request.arguments);
      if (outcome.ok) return { response: JSON.stringify(outcome.result ?? null) };
      const error = outcome.error ?? 'failed';
      if (error.startsWith(INVALID_ARGUMENTS_PREFIX)) throw new ToolCallError('TOOL_ARGUMENTS_INVALID', error.slice(INVALID_ARGUMENTS_PREFIX.length));
      throw new ToolCallError('TOOL_FAILED', error);
    },
  };
}
