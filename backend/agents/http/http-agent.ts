/**
 * An agent over HTTP (any language). For each run Flowscope POSTs
 * `{ run_id, thread_id, user_id, agent, input: { content }, history, tools }` to the agent's
 * URL and reads back NDJSON: one `{ type, payload }` event per line (agent-lines.ts), the
 * last one `agent_completed`. Each line is checked as it arrives and relayed with
 * `ctx.report` (the context checks the pairing rules; the engine assigns seq, persists and
 * emits), so the run is live in the console while the agent works.
 *
 * The run fails, with an error that says which, on: a line that is invalid (number and
 * path), too long or breaks the event rules; a non-2xx answer (status and the first 200
 * characters of the body); a stream that ends without agent_completed; a line after it;
 * an agent_completed `succeeded` with a tool call still open; a connection that cannot be
 * made or breaks; no bytes for `idleTimeoutMs`; the whole exchange over `timeoutMs`. An
 * agent_completed `failed` fails the run with the agent's own error. Cancelling the run
 * aborts the request at once (the agent sees its connection close).
 */
import type { Agent, AgentContext, AgentResult } from '../agent-types.ts';
import { AgentProtocolError } from '../agent-types.ts';
import { parseAgentLine, type CompletedLine } from './agent-lines.ts';
import { AgentExchange, checkEndpointOptions, checkLimit, withHeaderSecretsRedacted } from './agent-endpoint.ts';
import type { AgentEndpoint, EndpointKind, EndpointOptions } from './agent-endpoint.ts';
import { HttpAgentConfigError, HttpAgentError, type HttpAgentErrorCode } from './http-agent-errors.ts';
import { DEFAULT_MAX_LINE_BYTES, NdjsonLineError, NdjsonSplitter, type NdjsonLine } from './ndjson-lines.ts';

export { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, MAX_IDLE_TIMEOUT_MS, MAX_TIMEOUT_MS } from './agent-endpoint.ts';

export interface HttpAgentOptions extends EndpointOptions {
  /** Longest accepted line in bytes (default 1 MiB). */
  maxLineBytes?: number;
}

interface HttpAgentConfig extends AgentEndpoint {
  maxLineBytes: number;
}

const HTTP_AGENT: EndpointKind = {
  label: 'http agent',
  create: 'createHttpAgent',
  accept: 'application/x-ndjson',
  describe: (shownUrl) => `Agent over HTTP at ${shownUrl}`,
  configError: (message) => new HttpAgentConfigError(message),
};

function checkOptions(options: HttpAgentOptions): { config: HttpAgentConfig; description: string } {
  const { endpoint, description } = checkEndpointOptions(HTTP_AGENT, options);
  const maxLineBytes = checkLimit(HTTP_AGENT, endpoint.name, 'maxLineBytes', options.maxLineBytes, DEFAULT_MAX_LINE_BYTES, 64 * 1024 * 1024);
  return { description, config: { ...endpoint, maxLineBytes } };
}

/**
 * Creates the agent; throws HttpAgentConfigError for a bad option. The values of its headers
 * (and URL credentials) are secrets: whatever the agent or a gateway echoes of them is
 * redacted from every event, the response and the error (../secret-redaction.ts).
 */
export function createHttpAgent(options: HttpAgentOptions): Agent {
  const { config, description } = checkOptions(options);
  return withHeaderSecretsRedacted({ name: config.name, description, run: (ctx) => new HttpRun(config, ctx).run() }, config.headers);
}

class HttpRun {
  private readonly exchange: AgentExchange<HttpAgentError>;
  private readonly splitter: NdjsonSplitter;
  private completed: { line: CompletedLine; number: number } | undefined;
  /** Calls reported open (call id → tool). */
  private readonly openCalls = new Map<string, string>();

  constructor(
    private readonly config: HttpAgentConfig,
    private readonly ctx: AgentContext,
  ) {
    this.splitter = new NdjsonSplitter(config.maxLineBytes);
    this.exchange = new AgentExchange(config, (code, detail) => this.error(code, detail));
  }

  private error(code: HttpAgentErrorCode, detail: string): HttpAgentError {
    return new HttpAgentError(code, `http agent '${this.config.name}': ${detail}`);
  }

  run(): Promise<AgentResult> {
    const { exchange } = this;
    return exchange.run(this.ctx.signal, async () => {
      exchange.armIdle();
      const response = await this.post();
      if (response.status < 200 || response.status > 299) throw await exchange.statusError(response);
      return await this.relay(response);
    });
  }

  private post(): Promise<Response> {
    const { ctx } = this;
    const body = JSON.stringify({
      run_id: ctx.runId,
      thread_id: ctx.threadId,
      user_id: ctx.userId,
      agent: ctx.agent,
      input: { content: ctx.input.content },
      history: ctx.history,
      tools: ctx.tools,
    });
    return this.exchange.post(body);
  }

  private async relay(response: Response): Promise<AgentResult> {
    const { exchange } = this;
    exchange.phase = 'before the first line';
    if (response.body) {
      try {
        for await (const chunk of response.body) {
          // The idle clock stops while the lines are relayed (the store may be slow).
          exchange.pauseIdle();
          for (const line of this.lines(() => this.splitter.push(chunk))) await this.handle(line);
          exchange.phase = this.completed ? 'after agent_completed (the response did not end)' : `after line ${this.splitter.linesSeen}`;
          exchange.armIdle();
        }
        exchange.drained = true;
      } catch (err) {
        throw exchange.readError(err, `line ${this.splitter.linesSeen}`);
      }
    }
    for (const line of this.lines(() => this.splitter.end())) await this.handle(line);
    const completed = this.completed;
    if (!completed) {
      const seen = this.splitter.linesSeen;
      throw this.error('no_completion', `the response ended ${seen === 0 ? 'without any line' : `after line ${seen}`} and no agent_completed`);
    }
    const { status, response: text, error, usage } = completed.line.payload;
    if (status === 'failed') {
      throw this.error('agent_failed', error === null || error === '' ? 'the agent reported failed without an error' : error);
    }
    return { response: text ?? '', ...(usage ? { usage } : {}) };
  }

  /** The splitter's lines, its errors as invalid_line. */
  private *lines(source: () => Generator<NdjsonLine>): Generator<NdjsonLine> {
    try {
      yield* source();
    } catch (err) {
      if (err instanceof NdjsonLineError) throw this.error('invalid_line', err.message);
      throw err;
    }
  }

  private async handle(line: NdjsonLine): Promise<void> {
    if (this.completed) {
      throw this.error('after_completion', `line ${line.number} comes after agent_completed (line ${this.completed.number}), which must be the last line`);
    }
    const parsed = parseAgentLine(line.text);
    if (!parsed.ok) throw this.error('invalid_line', `line ${line.number} is invalid: ${parsed.problem}`);
    const event = parsed.line;
    if (event.type === 'agent_completed') {
      const open = [...this.openCalls].map(([callId, tool]) => `'${callId}' (${tool})`);
      if (event.payload.status === 'succeeded' && open.length > 0) {
        throw this.error('protocol_violation', `line ${line.number}: agent_completed while tool call ${open.join(', ')} is still open`);
      }
      this.completed = { line: event, number: line.number };
      return;
    }
    try {
      await this.ctx.report(event);
    } catch (err) {
      if (err instanceof AgentProtocolError) throw this.error('protocol_violation', `line ${line.number}: ${err.message}`);
      throw err;
    }
    if (event.type === 'tool_executing') this.openCalls.set(event.payload.call_id, event.payload.tool);
    else if (event.type === 'tool_completed') this.openCalls.delete(event.payload.call_id);
  }
}
