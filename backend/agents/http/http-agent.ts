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
import { AGENT_NAME_PATTERN } from '../agent-registry.ts';
import { createSecretRedactor, headerSecrets, withSecretsRedacted } from '../secret-redaction.ts';
import { parseAgentLine, type CompletedLine } from './agent-lines.ts';
import { checkAgentUrl, displayUrl } from './agent-urls.ts';
import { HttpAgentConfigError, HttpAgentError, type HttpAgentErrorCode } from './http-agent-errors.ts';
import { DEFAULT_MAX_LINE_BYTES, NdjsonLineError, NdjsonSplitter, type NdjsonLine } from './ndjson-lines.ts';

export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_TIMEOUT_MS = 300_000;
/** Node's fetch stops a body idle for 300 s on its own; the idle timeout stays below that. */
export const MAX_IDLE_TIMEOUT_MS = 300_000;
export const MAX_TIMEOUT_MS = 86_400_000;
const ERROR_BODY_CHARS = 200;
const ERROR_BODY_BYTES = 4096;

export interface HttpAgentOptions {
  /** The agent's name (1-64 characters, no spaces), what `payload.agent` names. */
  name: string;
  /** http or https URL the runs are POSTed to; `user:password@` becomes Basic auth. */
  url: string;
  description?: string;
  /** Fails the run when the agent sends no bytes for this long (default 60 s, at most 300 s). */
  idleTimeoutMs?: number;
  /** Fails the run when the exchange takes longer than this (default 300 s). */
  timeoutMs?: number;
  /** Extra request headers (an Authorization token, for example). */
  headers?: Record<string, string>;
  /** Longest accepted line in bytes (default 1 MiB). */
  maxLineBytes?: number;
}

interface HttpAgentConfig {
  name: string;
  fetchUrl: string;
  shownUrl: string;
  idleTimeoutMs: number;
  timeoutMs: number;
  maxLineBytes: number;
  headers: Record<string, string>;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_HEADER_VALUE = /[\r\n\0]/;

/** An HTTP header name (an RFC 9110 token). */
export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

/** A header value fetch can send: no CR, LF or NUL. */
export function isHeaderValue(value: string): boolean {
  return !BAD_HEADER_VALUE.test(value);
}

function checkMs(name: string, value: number | undefined, fallback: number, max: number, agent: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new HttpAgentConfigError(`http agent '${agent}': ${name} must be an integer from 1 to ${max} (got ${String(value)})`);
  }
  return value;
}

function checkOptions(options: HttpAgentOptions): { config: HttpAgentConfig; description: string } {
  if (typeof options !== 'object' || options === null) throw new HttpAgentConfigError('createHttpAgent needs { name, url }');
  const { name } = options;
  if (typeof name !== 'string' || !AGENT_NAME_PATTERN.test(name)) {
    throw new HttpAgentConfigError(`http agent name ${JSON.stringify(name)}: 1-64 characters, no spaces`);
  }
  if (typeof options.url !== 'string') throw new HttpAgentConfigError(`http agent '${name}': url must be a string`);
  const checked = checkAgentUrl(options.url);
  if (!checked.ok) throw new HttpAgentConfigError(`http agent '${name}': ${checked.problem}`);
  const url = checked.url;
  if (options.description !== undefined && typeof options.description !== 'string') {
    throw new HttpAgentConfigError(`http agent '${name}': description must be a string`);
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/x-ndjson' };
  // fetch refuses URLs with credentials: they travel as Basic auth instead.
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  if (options.headers !== undefined) {
    if (typeof options.headers !== 'object' || options.headers === null) {
      throw new HttpAgentConfigError(`http agent '${name}': headers must be an object of strings`);
    }
    for (const [key, value] of Object.entries(options.headers)) {
      if (!isHeaderName(key)) throw new HttpAgentConfigError(`http agent '${name}': invalid header name ${JSON.stringify(key)}`);
      if (typeof value !== 'string' || !isHeaderValue(value)) {
        throw new HttpAgentConfigError(`http agent '${name}': header '${key}' must be a string without line breaks`);
      }
      headers[key.toLowerCase()] = value;
    }
  }
  const shownUrl = displayUrl(url);
  return {
    description: options.description ?? `Agent over HTTP at ${shownUrl}`,
    config: {
      name,
      fetchUrl: url.href,
      shownUrl,
      idleTimeoutMs: checkMs('idleTimeoutMs', options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS, MAX_IDLE_TIMEOUT_MS, name),
      timeoutMs: checkMs('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, name),
      maxLineBytes: checkMs('maxLineBytes', options.maxLineBytes, DEFAULT_MAX_LINE_BYTES, 64 * 1024 * 1024, name),
      headers,
    },
  };
}

/**
 * Creates the agent; throws HttpAgentConfigError for a bad option. The values of its headers
 * (and URL credentials) are secrets: whatever the agent or a gateway echoes of them is
 * redacted from every event, the response and the error (../secret-redaction.ts).
 */
export function createHttpAgent(options: HttpAgentOptions): Agent {
  const { config, description } = checkOptions(options);
  const secrets = Object.entries(config.headers).flatMap(([name, value]) => (name === 'content-type' || name === 'accept' ? [] : headerSecrets(value)));
  return withSecretsRedacted({ name: config.name, description, run: (ctx) => new HttpRun(config, ctx).run() }, createSecretRedactor(secrets));
}

/** `code` and `message` of a network error from fetch (the cause holds the system error). */
function networkProblem(err: unknown): string {
  const cause = (err as { cause?: unknown } | null)?.cause as { code?: unknown; message?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  if (code === 'ENOTFOUND') return 'host not found (ENOTFOUND)';
  const message = typeof cause?.message === 'string' ? cause.message : err instanceof Error ? err.message : String(err);
  return code === undefined ? message : `${message} (${code})`;
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\s\x00-\x1f]+/g, ' ').trim();
}

class HttpRun {
  private readonly controller = new AbortController();
  /** Why this side stopped the request (a timeout), when it did. */
  private stopped: HttpAgentError | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the agent was doing, for the idle timeout's message. */
  private phase = 'before the response headers';
  private readonly splitter: NdjsonSplitter;
  private completed: { line: CompletedLine; number: number } | undefined;
  /** The response body was read to its end (nothing left to close). */
  private drained = false;
  /** Calls reported open (call id → tool). */
  private readonly openCalls = new Map<string, string>();

  constructor(
    private readonly config: HttpAgentConfig,
    private readonly ctx: AgentContext,
  ) {
    this.splitter = new NdjsonSplitter(config.maxLineBytes);
  }

  private error(code: HttpAgentErrorCode, detail: string): HttpAgentError {
    return new HttpAgentError(code, `http agent '${this.config.name}': ${detail}`);
  }

  private stop(error: HttpAgentError): void {
    if (this.stopped || this.controller.signal.aborted) return;
    this.stopped = error;
    this.controller.abort(error);
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.stop(this.error('idle_timeout', `no bytes for ${this.config.idleTimeoutMs} ms ${this.phase} (idle timeout)`));
    }, this.config.idleTimeoutMs);
  }

  async run(): Promise<AgentResult> {
    const { ctx, config } = this;
    ctx.signal.throwIfAborted();
    const onCancel = (): void => this.controller.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onCancel, { once: true });
    const total = setTimeout(() => {
      this.stop(this.error('timeout', `no complete answer within ${config.timeoutMs} ms (total timeout)`));
    }, config.timeoutMs);
    try {
      this.armIdle();
      const response = await this.post();
      if (response.status < 200 || response.status > 299) throw await this.statusError(response);
      return await this.relay(response);
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (this.stopped) throw this.stopped;
      throw err;
    } finally {
      clearTimeout(total);
      clearTimeout(this.idleTimer);
      ctx.signal.removeEventListener('abort', onCancel);
      // Closes the connection when the run ends early (an invalid line, a failed emit).
      if (!this.drained && !this.controller.signal.aborted) this.controller.abort();
    }
  }

  private async post(): Promise<Response> {
    const { ctx, config } = this;
    const body = JSON.stringify({
      run_id: ctx.runId,
      thread_id: ctx.threadId,
      user_id: ctx.userId,
      agent: ctx.agent,
      input: { content: ctx.input.content },
      history: ctx.history,
      tools: ctx.tools,
    });
    try {
      return await fetch(config.fetchUrl, {
        method: 'POST',
        headers: config.headers,
        body,
        redirect: 'manual',
        signal: this.controller.signal,
      });
    } catch (err) {
      if (this.controller.signal.aborted) throw err;
      throw this.error('connection', `cannot reach ${config.shownUrl}: ${networkProblem(err)}`);
    }
  }

  /** The non-2xx answer, with the start of its body. */
  private async statusError(response: Response): Promise<HttpAgentError> {
    this.phase = `in the body of a ${response.status} answer`;
    const bytes: Uint8Array[] = [];
    let size = 0;
    try {
      if (response.body) {
        for await (const chunk of response.body) {
          this.armIdle();
          bytes.push(chunk);
          size += chunk.length;
          if (size >= ERROR_BODY_BYTES) break;
        }
      }
    } catch {
      // The status says enough; a body cut short is shown as far as it came.
    }
    if (this.stopped) throw this.stopped;
    const text = oneLine(new TextDecoder().decode(Buffer.concat(bytes)));
    const shown = text === '' ? '(empty body)' : text.length > ERROR_BODY_CHARS ? `${text.slice(0, ERROR_BODY_CHARS)}…` : text;
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    return this.error('http_status', `POST ${this.config.shownUrl} answered ${status}: ${shown}`);
  }

  private async relay(response: Response): Promise<AgentResult> {
    this.phase = 'before the first line';
    if (response.body) {
      try {
        for await (const chunk of response.body) {
          // The idle clock stops while the lines are relayed (the store may be slow).
          clearTimeout(this.idleTimer);
          for (const line of this.lines(() => this.splitter.push(chunk))) await this.handle(line);
          this.phase = this.completed ? 'after agent_completed (the response did not end)' : `after line ${this.splitter.linesSeen}`;
          this.armIdle();
        }
        this.drained = true;
      } catch (err) {
        if (err instanceof HttpAgentError || this.controller.signal.aborted || !(err instanceof TypeError)) throw err;
        throw this.error('connection', `the connection to ${this.config.shownUrl} broke after line ${this.splitter.linesSeen}: ${networkProblem(err)}`);
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
