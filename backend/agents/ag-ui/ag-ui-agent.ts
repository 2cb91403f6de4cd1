/**
 * An AG-UI agent as a Flowscope agent (docs/ag-ui.md). Each run POSTs `RunAgentInput`
 * (threadId = the Flowscope thread, runId, the thread's history and the message as
 * `messages`, Flowscope's tools with their JSON Schemas, state {}, context [],
 * forwardedProps {}; a tool name function-calling APIs refuse, an MCP tool's `fs.read_file`,
 * is offered mapped as the llm agent does: `fs__read_file`) with `Accept: text/event-stream`,
 * reads the SSE answer (sse-parser.ts)
 * and relays it (ag-ui-event-reader.ts): reasoning and steps as agent_thinking, tool calls
 * as tool_executing / tool_completed with the agent's call id, the assistant's text as the
 * response, RUN_ERROR as a failed run.
 *
 * Tools Flowscope offers are frontend tools in AG-UI's sense: the client runs them. A call
 * of one that the agent leaves without a TOOL_CALL_RESULT is run by Flowscope when the AG-UI
 * run finishes (ctx.callTool: tool_executing, the schema check, tool_completed), and its
 * result goes back in a follow-up run (same threadId, runId `<run>:<round>`) as a `tool`
 * message after the assistant message holding the calls, as AG-UI clients do; at most
 * `maxRounds` runs. A call of a tool Flowscope does not know, left without a result, fails
 * (its error goes back the same way). Text written before tool calls becomes a thought; the
 * response is the text of the last run.
 *
 * Settings, limits, secrets and failures follow the agent over HTTP (../http/agent-endpoint.ts):
 * the same URL rules, headers, idle and total timeouts, 1 MiB per event (and per message).
 */
import type { Agent, AgentContext, AgentResult, TokenUsage } from '../agent-types.ts';
import { AgentProtocolError } from '../agent-types.ts';
import { offeredTools } from '../llm/llm-messages.ts';
import { AgentExchange, checkEndpointOptions, checkLimit, DEFAULT_MAX_LINE_BYTES, withHeaderSecretsRedacted } from '../http/index.ts';
import type { AgentEndpoint, EndpointKind, EndpointOptions } from '../http/index.ts';
import { AguiAgentConfigError, AguiAgentError, type AguiAgentErrorCode } from './ag-ui-agent-errors.ts';
import { AguiEventReader, type AguiAction } from './ag-ui-event-reader.ts';
import { SseParseError, SseParser, type SseEvent } from './sse-parser.ts';

export const DEFAULT_MAX_ROUNDS = 8;
export const MAX_ROUNDS = 100;

/** The options of the agent over HTTP (../http/agent-endpoint.ts), `url` the AG-UI endpoint's, and two more. */
export interface AguiAgentOptions extends EndpointOptions {
  /** Fails the run when all its AG-UI runs take longer than this (default 300 s). */
  timeoutMs?: number;
  /** Longest SSE event, and longest text, reasoning or arguments of one message or call (default 1 MiB). */
  maxEventBytes?: number;
  /** AG-UI runs per Flowscope run: the first and the follow-ups carrying tool results (default 8, at most 100). */
  maxRounds?: number;
}

interface AguiAgentConfig extends AgentEndpoint {
  maxEventBytes: number;
  maxRounds: number;
}

const AGUI_AGENT: EndpointKind = {
  label: 'ag-ui agent',
  create: 'createAguiAgent',
  accept: 'text/event-stream',
  describe: (shownUrl) => `AG-UI agent at ${shownUrl}`,
  configError: (message) => new AguiAgentConfigError(message),
};

function checkOptions(options: AguiAgentOptions): { config: AguiAgentConfig; description: string } {
  const { endpoint, description } = checkEndpointOptions(AGUI_AGENT, options);
  const maxEventBytes = checkLimit(AGUI_AGENT, endpoint.name, 'maxEventBytes', options.maxEventBytes, DEFAULT_MAX_LINE_BYTES, 64 * 1024 * 1024);
  const maxRounds = checkLimit(AGUI_AGENT, endpoint.name, 'maxRounds', options.maxRounds, DEFAULT_MAX_ROUNDS, MAX_ROUNDS);
  return { description, config: { ...endpoint, maxEventBytes, maxRounds } };
}

/**
 * Creates the agent; throws AguiAgentConfigError for a bad option. Header values (and URL
 * credentials) are secrets, redacted from every event, the response and the error.
 */
export function createAguiAgent(options: AguiAgentOptions): Agent {
  const { config, description } = checkOptions(options);
  return withHeaderSecretsRedacted({ name: config.name, description, run: (ctx) => new AguiRun(config, ctx).run() }, config.headers);
}

/** AG-UI messages, as RunAgentInput carries them. */
type AguiMessage =
  | { id: string; role: 'user'; content: string }
  | { id: string; role: 'assistant'; content?: string; toolCalls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> }
  | { id: string; role: 'tool'; toolCallId: string; content: string; error?: string };

interface RoundCall {
  id: string;
  name: string;
  args: string;
  /** What goes back to the agent as the `tool` message, once known. */
  result?: { content: string; error?: string };
}

class AguiRun {
  private readonly exchange: AgentExchange<AguiAgentError>;
  private readonly toolNames = new Map<string, string>();
  /** The tool of each name the agent is offered (a name function-calling APIs refuse, `fs.read_file`, is offered mapped: `fs__read_file`). */
  private readonly offered: ReadonlyMap<string, string>;
  private readonly offeredTools: Array<{ name: string; description: string; parameters: unknown }>;
  private readonly messages: AguiMessage[];
  private state: unknown = {};
  private usage: TokenUsage | undefined;
  private round = 0;

  constructor(
    private readonly config: AguiAgentConfig,
    private readonly ctx: AgentContext,
  ) {
    const offer = offeredTools(ctx.tools);
    this.offered = offer.names;
    this.offeredTools = (offer.definitions ?? []).map(({ function: f }) => ({ name: f.name, description: f.description ?? '', parameters: f.parameters }));
    this.messages = [
      ...ctx.history.map((message, index): AguiMessage => ({ id: `${ctx.threadId}:h${index}`, role: message.role, content: message.content })),
      { id: `${ctx.runId}:user`, role: 'user', content: ctx.input.content },
    ];
    this.exchange = new AgentExchange(config, (code, detail) => this.error(code, detail));
  }

  private error(code: AguiAgentErrorCode, detail: string): AguiAgentError {
    return new AguiAgentError(code, `ag-ui agent '${this.config.name}': ${detail}`);
  }

  run(): Promise<AgentResult> {
    const { config } = this;
    return this.exchange.run(this.ctx.signal, async () => {
      for (this.round = 1; this.round <= config.maxRounds; this.round++) {
        const outcome = await this.oneRound();
        if (outcome.done) return { response: outcome.response, ...(this.usage ? { usage: this.usage } : {}) };
      }
      throw this.error('too_many_rounds', `the agent was still calling Flowscope's tools after ${config.maxRounds} runs (maxRounds)`);
    });
  }

  private runId(): string {
    return this.round === 1 ? this.ctx.runId : `${this.ctx.runId}:${this.round}`;
  }

  private post(): Promise<Response> {
    const { ctx } = this;
    const body = JSON.stringify({
      threadId: ctx.threadId,
      runId: this.runId(),
      ...(this.round > 1 ? { parentRunId: ctx.runId } : {}),
      state: this.state,
      messages: this.messages,
      tools: this.offeredTools,
      context: [],
      forwardedProps: {},
    });
    this.exchange.phase = `before the response headers (run ${this.round})`;
    this.exchange.armIdle();
    return this.exchange.post(body);
  }

  /** One AG-UI run: POST, relay its events; done with the response, or not done after running Flowscope's tools. */
  private async oneRound(): Promise<{ done: true; response: string } | { done: false }> {
    const { exchange } = this;
    const response = await this.post();
    if (response.status < 200 || response.status > 299) throw await exchange.statusError(response);
    const type = response.headers.get('content-type') ?? '';
    if (!/^text\/event-stream\b/i.test(type.trim())) {
      await response.body?.cancel().catch(() => undefined);
      throw this.error('content_type', `POST ${this.config.shownUrl} answered ${response.status} with content type "${type}", not text/event-stream`);
    }
    const parser = new SseParser(this.config.maxEventBytes);
    const reader = new AguiEventReader(this.config.maxEventBytes, this.toolNames);
    const round = new RoundState();
    exchange.phase = 'before the first event';
    if (response.body) {
      try {
        for await (const chunk of response.body) {
          exchange.pauseIdle();
          for (const sse of this.events(() => parser.push(chunk))) await this.handle(reader, sse, round);
          exchange.phase = reader.finished ? 'after RUN_FINISHED (the response did not end)' : `after event ${parser.eventsSeen}`;
          // A finished run's stream may stay open (keep-alive): nothing more is needed from it.
          if (reader.finished) break;
          exchange.armIdle();
        }
      } catch (err) {
        throw exchange.readError(err, `event ${parser.eventsSeen}`);
      }
    }
    exchange.pauseIdle();
    if (!reader.finished) for (const sse of this.events(() => parser.end())) await this.handle(reader, sse, round);
    await response.body?.cancel().catch(() => undefined);
    if (!round.finished) {
      const seen = parser.eventsSeen;
      throw this.error(
        'no_completion',
        `the stream of run ${this.round} ended ${seen === 0 ? 'without any event' : `after event ${seen}`} and no RUN_FINISHED or RUN_ERROR`,
      );
    }
    if (reader.state !== undefined) this.state = reader.state;
    const waiting = round.calls.filter((call) => call.result === undefined);
    // Done when the agent answered every call itself; else Flowscope answers in a follow-up run.
    if (waiting.length === 0 && !round.answered) return { done: true, response: round.texts.join('\n\n') };
    await this.flushText(round);
    await Promise.all(waiting.map((call) => this.runTool(call)));
    this.messages.push({
      id: `${this.runId()}:assistant`,
      role: 'assistant',
      ...(round.written.length > 0 ? { content: round.written.join('\n\n') } : {}),
      toolCalls: round.calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.args } })),
    });
    for (const call of round.calls) {
      const result = call.result as { content: string; error?: string };
      this.messages.push({
        id: `${this.runId()}:tool:${call.id}`,
        role: 'tool',
        toolCallId: call.id,
        content: result.content,
        ...(result.error ? { error: result.error } : {}),
      });
    }
    return { done: false };
  }

  private *events(source: () => Generator<SseEvent>): Generator<SseEvent> {
    try {
      yield* source();
    } catch (err) {
      if (err instanceof SseParseError) throw this.error('invalid_event', err.message);
      throw err;
    }
  }

  private async handle(reader: AguiEventReader, sse: SseEvent, round: RoundState): Promise<void> {
    let actions: AguiAction[];
    try {
      actions = reader.read(sse);
    } catch (err) {
      if (err instanceof AguiAgentError) throw this.error(err.code, err.message);
      throw err;
    }
    for (const action of actions) {
      try {
        await this.act(action, round);
      } catch (err) {
        if (err instanceof AgentProtocolError) throw this.error('lifecycle_violation', `event ${sse.number}: ${err.message}`);
        throw err;
      }
    }
  }

  /** Text held before a tool call is a thought. */
  private async flushText(round: RoundState): Promise<void> {
    const text = round.texts.join('\n\n');
    round.texts = [];
    if (text.trim() !== '') await this.ctx.think(text);
  }

  private async act(action: AguiAction, round: RoundState): Promise<void> {
    const { ctx } = this;
    switch (action.kind) {
      case 'thought':
        await ctx.think(action.text);
        return;
      case 'text':
        round.texts.push(action.text);
        round.written.push(action.text);
        return;
      case 'tool_start':
        await this.flushText(round);
        return;
      case 'tool_call': {
        const call: RoundCall = { id: action.id, name: action.name, args: action.args };
        round.calls.push(call);
        // A tool Flowscope offers waits for the run's end (it may be the client's to run); others are open now.
        if (!this.offered.has(action.name)) {
          await ctx.report({ type: 'tool_executing', payload: { tool: this.toolOf(action.name), call_id: action.id, args: reportedArgs(action.args) } });
          round.open.add(action.id);
        }
        return;
      }
      case 'tool_result': {
        const call = round.calls.find((c) => c.id === action.id);
        if (!round.open.has(action.id)) {
          // The agent ran a tool Flowscope offers itself (or one of an earlier run): both events now.
          await ctx.report({ type: 'tool_executing', payload: { tool: this.toolOf(action.name), call_id: action.id, args: reportedArgs(call?.args ?? '') } });
        }
        round.open.delete(action.id);
        await ctx.report({
          type: 'tool_completed',
          payload: { tool: this.toolOf(action.name), call_id: action.id, ok: true, result: parsedResult(action.content), duration_ms: 0 },
        });
        if (call) call.result = { content: action.content };
        return;
      }
      case 'error':
        throw this.error('agent_failed', `RUN_ERROR: ${action.message === '' ? '(no message)' : action.message}${action.code ? ` (code ${action.code})` : ''}`);
      case 'finished':
        round.finished = true;
        if (action.outcome !== 'success') {
          throw this.error(
            'unsupported_outcome',
            `RUN_FINISHED with outcome "${action.outcome}": Flowscope cannot answer interrupts or resume a cancelled run`,
          );
        }
        if (action.usage) {
          this.usage = {
            input_tokens: (this.usage?.input_tokens ?? 0) + action.usage.input_tokens,
            output_tokens: (this.usage?.output_tokens ?? 0) + action.usage.output_tokens,
          };
        }
        for (const id of round.open) {
          const call = round.calls.find((c) => c.id === id) as RoundCall;
          const error = `tool '${call.name}' is not one Flowscope offers and the agent sent no TOOL_CALL_RESULT for it`;
          await ctx.report({ type: 'tool_completed', payload: { tool: call.name, call_id: id, ok: false, error, duration_ms: 0 } });
          call.result = { content: error, error };
          round.answered = true;
        }
        round.open.clear();
        return;
    }
  }

  /** The Flowscope tool of a name the agent used (its own name when it is not one offered). */
  private toolOf(name: string): string {
    return this.offered.get(name) ?? name;
  }

  /** Runs a Flowscope tool the agent called (frontend tool semantics). */
  private async runTool(call: RoundCall): Promise<void> {
    let args: unknown;
    try {
      args = call.args.trim() === '' ? {} : JSON.parse(call.args);
    } catch (err) {
      const error = `invalid arguments: not valid JSON (${err instanceof Error ? err.message : String(err)})`;
      await this.failCall(call, error);
      return;
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      await this.failCall(call, 'invalid arguments: not a JSON object');
      return;
    }
    const outcome = await this.ctx.callTool(this.toolOf(call.name), args as Record<string, unknown>, { callId: call.id });
    call.result = outcome.ok
      ? { content: JSON.stringify(outcome.result ?? null) }
      : { content: outcome.error ?? 'the tool failed', error: outcome.error ?? 'the tool failed' };
  }

  private async failCall(call: RoundCall, error: string): Promise<void> {
    const tool = this.toolOf(call.name);
    await this.ctx.report({ type: 'tool_executing', payload: { tool, call_id: call.id, args: {} } });
    await this.ctx.report({ type: 'tool_completed', payload: { tool, call_id: call.id, ok: false, error, duration_ms: 0 } });
    call.result = { content: error, error };
  }
}

class RoundState {
  /** Text not yet relayed (a thought before a call, else the response). */
  texts: string[] = [];
  /** Every text of the run, for the assistant message of a follow-up. */
  readonly written: string[] = [];
  calls: RoundCall[] = [];
  /** Calls reported with tool_executing and not completed yet. */
  readonly open = new Set<string>();
  finished = false;
  /** Flowscope answered a call of this run (a failed unknown tool): the agent gets a follow-up run. */
  answered = false;
}

/** A call's arguments for tool_executing: the JSON object, else `{ arguments: <the text> }`. */
function reportedArgs(args: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(args);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // kept as text below
  }
  return { arguments: args };
}

/** A TOOL_CALL_RESULT's content: its JSON value when it is JSON, else the text. */
function parsedResult(content: string): unknown {
  try {
    return JSON.parse(content) as unknown;
  } catch {
    return content;
  }
}
