/**
 * What the agents that Flowscope reaches by POSTing to a URL share (the agent over HTTP,
 * http-agent.ts, and the AG-UI agent, ../ag-ui/ag-ui-agent.ts): the checks of their common
 * options (name, URL, description, headers, idle and total timeouts, other limits), the
 * secrets of their headers, and one exchange's request plumbing: the POST, the total and
 * idle timeouts, cancelling, a non-2xx answer and a broken connection as errors. Each agent
 * keeps its own protocol handling and its own error table; the errors here are made by the
 * agent's `error` function with one of the codes both tables have.
 */
import type { Agent } from '../agent-types.ts';
import { AGENT_NAME_PATTERN } from '../agent-registry.ts';
import { createSecretRedactor, headerSecrets, withSecretsRedacted } from '../secret-redaction.ts';
import { checkAgentUrl, displayUrl } from './agent-urls.ts';

export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_TIMEOUT_MS = 300_000;
/** Node's fetch stops a body idle for 300 s on its own; the idle timeout stays below that. */
export const MAX_IDLE_TIMEOUT_MS = 300_000;
export const MAX_TIMEOUT_MS = 86_400_000;
const ERROR_BODY_CHARS = 200;
const ERROR_BODY_BYTES = 4096;

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

/** The options every endpoint agent takes. */
export interface EndpointOptions {
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
}

/** Which agent the options are for: its words in the messages, its Accept, its config error. */
export interface EndpointKind {
  /** `http agent`, `ag-ui agent`: how the messages name it. */
  label: string;
  /** The create function, named when the options are not an object. */
  create: string;
  /** The Accept header it sends. */
  accept: string;
  /** The description when the options give none. */
  describe: (shownUrl: string) => string;
  /** The agent's config error for a message. */
  configError: (message: string) => Error;
}

/** The checked common options. */
export interface AgentEndpoint {
  name: string;
  fetchUrl: string;
  shownUrl: string;
  idleTimeoutMs: number;
  timeoutMs: number;
  /** content-type, accept, Basic auth from URL credentials, and the extra headers (lower-case names). */
  headers: Record<string, string>;
}

/** An integer option from 1 to max, `fallback` when absent; else the agent's config error. */
export function checkLimit(kind: EndpointKind, agent: string, option: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw kind.configError(`${kind.label} '${agent}': ${option} must be an integer from 1 to ${max} (got ${String(value)})`);
  }
  return value;
}

/** Checks the common options (in this order: name, url, description, headers, idleTimeoutMs, timeoutMs). */
export function checkEndpointOptions(kind: EndpointKind, options: EndpointOptions): { endpoint: AgentEndpoint; description: string } {
  const fail = kind.configError;
  if (typeof options !== 'object' || options === null) throw fail(`${kind.create} needs { name, url }`);
  const { name } = options;
  if (typeof name !== 'string' || !AGENT_NAME_PATTERN.test(name)) {
    throw fail(`${kind.label} name ${JSON.stringify(name)}: 1-64 characters, no spaces`);
  }
  const where = `${kind.label} '${name}'`;
  if (typeof options.url !== 'string') throw fail(`${where}: url must be a string`);
  const checked = checkAgentUrl(options.url);
  if (!checked.ok) throw fail(`${where}: ${checked.problem}`);
  const url = checked.url;
  if (options.description !== undefined && typeof options.description !== 'string') {
    throw fail(`${where}: description must be a string`);
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: kind.accept };
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
      throw fail(`${where}: headers must be an object of strings`);
    }
    for (const [key, value] of Object.entries(options.headers)) {
      if (!isHeaderName(key)) throw fail(`${where}: invalid header name ${JSON.stringify(key)}`);
      if (typeof value !== 'string' || !isHeaderValue(value)) {
        throw fail(`${where}: header '${key}' must be a string without line breaks`);
      }
      headers[key.toLowerCase()] = value;
    }
  }
  const shownUrl = displayUrl(url);
  return {
    description: options.description ?? kind.describe(shownUrl),
    endpoint: {
      name,
      fetchUrl: url.href,
      shownUrl,
      idleTimeoutMs: checkLimit(kind, name, 'idleTimeoutMs', options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS, MAX_IDLE_TIMEOUT_MS),
      timeoutMs: checkLimit(kind, name, 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS),
      headers,
    },
  };
}

/**
 * The agent with the values of its headers (and URL credentials) as secrets: whatever the
 * agent or a gateway echoes of them is redacted from every event, the response and the error
 * (../secret-redaction.ts).
 */
export function withHeaderSecretsRedacted(agent: Agent, headers: Record<string, string>): Agent {
  const secrets = Object.entries(headers).flatMap(([name, value]) => (name === 'content-type' || name === 'accept' ? [] : headerSecrets(value)));
  return withSecretsRedacted(agent, createSecretRedactor(secrets));
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

/** The codes of the failures an exchange finds itself; every endpoint agent's error table has them. */
export type ExchangeErrorCode = 'connection' | 'http_status' | 'idle_timeout' | 'timeout';

/**
 * One Flowscope run's requests to an endpoint: `run` holds the total timeout and the cancel
 * around the agent's work; `post` sends one request; the idle clock runs while it is armed
 * and says what the agent was doing (`phase`) when it fires.
 */
export class AgentExchange<E extends Error> {
  private readonly controller = new AbortController();
  /** Why this side stopped the request (a timeout), when it did. */
  private stopped: E | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the agent was doing, for the idle timeout's message. */
  phase = 'before the response headers';
  /** The response body was read to its end (nothing left to close). */
  drained = false;

  constructor(
    private readonly endpoint: AgentEndpoint,
    private readonly error: (code: ExchangeErrorCode, detail: string) => E,
  ) {}

  private stop(error: E): void {
    if (this.stopped || this.controller.signal.aborted) return;
    this.stopped = error;
    this.controller.abort(error);
  }

  /** (Re)starts the idle clock. */
  armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.stop(this.error('idle_timeout', `no bytes for ${this.endpoint.idleTimeoutMs} ms ${this.phase} (idle timeout)`));
    }, this.endpoint.idleTimeoutMs);
  }

  /** Stops the idle clock (while Flowscope itself works, the store may be slow). */
  pauseIdle(): void {
    clearTimeout(this.idleTimer);
  }

  /**
   * Runs the agent's work under the total timeout; cancelling (`signal`) aborts the request
   * at once. A cancelled run throws the cancel's reason, a timed-out one its timeout error.
   */
  async run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    signal.throwIfAborted();
    const onCancel = (): void => this.controller.abort(signal.reason);
    signal.addEventListener('abort', onCancel, { once: true });
    const total = setTimeout(() => {
      this.stop(this.error('timeout', `no complete answer within ${this.endpoint.timeoutMs} ms (total timeout)`));
    }, this.endpoint.timeoutMs);
    try {
      return await work();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (this.stopped) throw this.stopped;
      throw err;
    } finally {
      clearTimeout(total);
      clearTimeout(this.idleTimer);
      signal.removeEventListener('abort', onCancel);
      // Closes the connection when the run ends early (an invalid line, a failed emit).
      if (!this.drained && !this.controller.signal.aborted) this.controller.abort();
    }
  }

  /** POSTs `body` (JSON) to the endpoint; a connection that cannot be made is a `connection` error. */
  async post(body: string): Promise<Response> {
    const { endpoint } = this;
    try {
      return await fetch(endpoint.fetchUrl, { method: 'POST', headers: endpoint.headers, body, redirect: 'manual', signal: this.controller.signal });
    } catch (err) {
      if (this.controller.signal.aborted) throw err;
      throw this.error('connection', `cannot reach ${endpoint.shownUrl}: ${networkProblem(err)}`);
    }
  }

  /** The non-2xx answer, with the start of its body. */
  async statusError(response: Response): Promise<E> {
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
    return this.error('http_status', `POST ${this.endpoint.shownUrl} answered ${status}: ${shown}`);
  }

  /**
   * What to throw for an error while reading the body: fetch's TypeError (the connection
   * broke `after`, "line 3" say) as a `connection` error, anything else (a stop, the agent's
   * own errors) as it is.
   */
  readError(err: unknown, after: string): unknown {
    if (this.controller.signal.aborted || !(err instanceof TypeError)) return err;
    return this.error('connection', `the connection to ${this.endpoint.shownUrl} broke after ${after}: ${networkProblem(err)}`);
  }
}
