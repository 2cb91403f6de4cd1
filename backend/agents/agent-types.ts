/**
 * The agent contract (docs/agents.md). An agent is a plain object with a name, a
 * description and a `run` method; the execution engine gives it an `AgentContext` through
 * which every event is emitted (the engine persists it, then delivers it). `agent_started`
 * and `agent_completed` are the engine's: an agent emits thinking and tool events only and
 * returns its response.
 *
 * This file is the public contract of user agent modules (`flowscope/agent`): it imports
 * nothing but protocol types, so a module can `import type` it without pulling the backend.
 */
import type { ScriptStep } from '../../protocol/index.ts';

/** A JSON Schema object describing a tool's arguments (`type: 'object'` at the top). */
export interface JsonSchemaObject {
  type: 'object';
  properties?: Record<string, unknown>;
  required?: string[];
  additionalProperties?: boolean | Record<string, unknown>;
  description?: string;
  [keyword: string]: unknown;
}

export interface ToolOutcome {
  /** The call id reported in `tool_executing` / `tool_completed`. */
  callId: string;
  ok: boolean;
  result?: unknown;
  error?: string;
  durationMs: number;
}

export interface Tool {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments; `callTool` validates against it before `execute` runs. */
  readonly parameters: JsonSchemaObject;
  /** Runs the tool. Throwing (or rejecting) makes the call fail with the error's message. */
  execute(args: Record<string, unknown>, signal: AbortSignal): Promise<unknown>;
}

/** What an agent (or a model) is told about a tool. */
export interface ToolInfo {
  readonly name: string;
  readonly description: string;
  readonly parameters: JsonSchemaObject;
}

/** One earlier turn of the thread, oldest first. */
export interface HistoryMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** Token counts of a run, summed over its model calls (reported in `agent_completed.usage`). */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
}

export interface AgentInput {
  content: string;
  script?: ScriptStep[] | undefined;
}

export interface ToolCallOptions {
  /** The call id to report (a model's own id); default `${runId}:call-N`. Must be unique in the run. */
  callId?: string;
}

/**
 * An event the agent produced itself, reported as it is (an agent over HTTP runs its own
 * tools and streams their events). The context checks the pairing rules before emitting.
 */
export type ReportedEvent =
  | { type: 'agent_thinking'; payload: { thought: string; step?: number } }
  | { type: 'tool_executing'; payload: { tool: string; call_id: string; args: Record<string, unknown> } }
  | {
      type: 'tool_completed';
      payload: { tool: string; call_id: string; ok: boolean; result?: unknown; error?: string; duration_ms: number };
    };

export interface AgentContext {
  readonly runId: string;
  readonly userId: string;
  readonly threadId: string;
  /** The agent's name as the run named it. */
  readonly agent: string;
  readonly input: AgentInput;
  /** The thread's earlier user messages and agent responses, oldest first (this message excluded). */
  readonly history: readonly HistoryMessage[];
  /** Every tool the run may call: the built-in ones and every module's. */
  readonly tools: readonly ToolInfo[];
  /** Aborted when the run is cancelled or the backend shuts down. */
  readonly signal: AbortSignal;
  /** Emits `agent_thinking` (step numbers are assigned by the context, from 1). */
  think(thought: string): Promise<void>;
  /**
   * Emits `tool_executing`, validates `args` against the tool's `parameters`, runs it,
   * emits `tool_completed` with its outcome and duration, and returns the outcome. Calls
   * may overlap (parallel tool calls): each has its own call id, `tool_executing` is emitted
   * when the call starts and `tool_completed` when it ends, so several pairs may be open at
   * once and completions come in the order the calls finish.
   */
  callTool(tool: string, args: Record<string, unknown>, options?: ToolCallOptions): Promise<ToolOutcome>;
  /**
   * Like callTool for a tool whose outcome is given (the scripted agent): emits both
   * events, waits `delayMs` (abortable), and reports `result` or, with `fail`, `error`.
   */
  simulateTool(
    tool: string,
    args: Record<string, unknown>,
    outcome: { result?: unknown; fail?: boolean; error?: string; delayMs?: number },
  ): Promise<ToolOutcome>;
  /**
   * Emits an event the agent produced itself. Throws `AgentProtocolError` (the run fails,
   * naming the rule) for a `tool_executing` whose call id was used before, or a
   * `tool_completed` without an open `tool_executing` of the same call id and tool.
   */
  report(event: ReportedEvent): Promise<void>;
}

export interface AgentResult {
  response: string;
  usage?: TokenUsage | undefined;
}

export interface Agent {
  /** 1-64 characters, no spaces; what `payload.agent` names. */
  readonly name: string;
  readonly description: string;
  /** How many earlier runs of the thread `history` holds (default 50; 0: none, nothing is read). */
  readonly historyTurns?: number;
  /** Throws to fail the run; the engine reports `cancelled` when the signal aborted. */
  run(context: AgentContext): Promise<AgentResult>;
}

/** A run broke a rule of the event contract (an unpaired tool_completed, a reused call id...). */
export class AgentProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentProtocolError';
  }
}
