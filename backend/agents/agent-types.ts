/**
 * The agent contract. An agent is a plain object with a name and a `run` method; the
 * execution engine gives it an `AgentContext` through which every event is emitted (the
 * engine persists it, then delivers it). `agent_started` and `agent_completed` are the
 * engine's: an agent emits thinking and tool events only, in the protocol's order
 * (agent_thinking+, then (tool_executing, tool_completed)+), and returns its response.
 */
import type { ScriptStep } from '../../protocol/index.ts';

export interface ToolOutcome {
  ok: boolean;
  result?: unknown;
  error?: string;
  durationMs: number;
}

export interface Tool {
  readonly name: string;
  readonly description: string;
  /** Runs the tool. Throwing (or rejecting) makes the call fail with the error's message. */
  execute(args: Record<string, unknown>, signal: AbortSignal): Promise<unknown>;
}

export interface AgentInput {
  content: string;
  script?: ScriptStep[] | undefined;
}

export interface AgentContext {
  readonly runId: string;
  readonly userId: string;
  readonly threadId: string;
  readonly input: AgentInput;
  /** Aborted when the run is cancelled or the backend shuts down. */
  readonly signal: AbortSignal;
  /** Emits `agent_thinking` (step numbers are assigned by the context, from 1). */
  think(thought: string): Promise<void>;
  /**
   * Emits `tool_executing`, runs the named tool from the context's tool set, emits
   * `tool_completed` with its outcome and duration, and returns the outcome.
   */
  callTool(tool: string, args: Record<string, unknown>): Promise<ToolOutcome>;
  /**
   * Like callTool for a tool whose outcome is given (the scripted agent): emits both
   * events, waits `delayMs` (abortable), and reports `result` or, with `fail`, `error`.
   */
  simulateTool(
    tool: string,
    args: Record<string, unknown>,
    outcome: { result?: unknown; fail?: boolean; error?: string; delayMs?: number },
  ): Promise<ToolOutcome>;
}

export interface AgentResult {
  response: string;
}

export interface Agent {
  readonly name: string;
  readonly description: string;
  /** Throws to fail the run; the engine reports `cancelled` when the signal aborted. */
  run(context: AgentContext): Promise<AgentResult>;
}
