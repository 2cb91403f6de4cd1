/**
 * One MCP tool server, through the official SDK's Client: spawned over stdio
 * (StdioClientTransport; the child gets only the SDK's default environment: HOME, LOGNAME,
 * PATH, SHELL, TERM, USER) or reached over Streamable HTTP (StreamableHTTPClientTransport).
 *
 * - Connect: initialize, then tools/list page by page (`nextCursor`) until the last; each
 *   tool becomes a Flowscope tool `server.tool` (its inputSchema as parameters), handed to
 *   `onTools`. notifications/tools/list_changed lists again (coalesced) and hands the new set.
 * - Call: tools/call with the call's AbortSignal (a run's cancel, or the context's own
 *   time-out) and this server's call time-out; an abort sends notifications/cancelled to the
 *   server. The result is `structuredContent` when present, else `content`; `isError: true`
 *   fails the call with the content's text (MCP_TOOL_ERROR). Other failures: mcp-errors.ts.
 * - Lost: a stdio child that exits, a connection that closes or an HTTP request that cannot
 *   reach the server marks the server down; its calls fail at once with MCP_UNAVAILABLE and
 *   it is connected again (a new child for stdio) after 0.5 s, 1 s, 2 s ... at most 30 s; the
 *   wait starts over once a connection lived 30 s. Its tools stay offered meanwhile. An HTTP
 *   server that answers a call with 404 forgot the session (it restarted): a new session is
 *   opened at once and the call sent again, once.
 * - close(): stops reconnecting and closes the client (a stdio child gets its stdin closed,
 *   then SIGTERM, then SIGKILL: the SDK's StdioClientTransport.close()).
 */
import { Client } from '@modelcontextprotocol/sdk/client';
// eslint-disable-next-line import-x/no-unresolved -- the SDK's "./*" export maps types to *.js.d.ts, which the lint's resolver cannot find (tsc and Node resolve it)
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
// eslint-disable-next-line import-x/no-unresolved -- the SDK's "./*" export maps types to *.js.d.ts, which the lint's resolver cannot find (tsc and Node resolve it)
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
// eslint-disable-next-line import-x/no-unresolved -- the SDK's "./*" export maps types to *.js.d.ts, which the lint's resolver cannot find (tsc and Node resolve it)
import { ErrorCode, McpError, ToolListChangedNotificationSchema, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { JsonSchemaObject, Tool } from '../agent-types.ts';
import { checkParameterSchema } from '../tools/tool-schema.ts';
import { describeMcpServer, type McpServerSpec } from './mcp-config.ts';
import { McpToolError } from './mcp-errors.ts';

export type McpLogger = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** Names of MCP tools offered (the MCP spec's tool-name characters). */
const MCP_TOOL_NAME = /^[A-Za-z0-9_./-]{1,128}$/;
const MAX_PAGES = 1000;
const STDERR_TAIL = 2000;

export const DEFAULT_MCP_CALL_TIMEOUT_MS = 25_000;
export const DEFAULT_MCP_CONNECT_TIMEOUT_MS = 60_000;

export interface McpBackoff {
  initialMs: number;
  maxMs: number;
  /** A connection that lived this long starts the waits over. */
  resetAfterMs: number;
}

export const DEFAULT_MCP_BACKOFF: McpBackoff = { initialMs: 500, maxMs: 30_000, resetAfterMs: 30_000 };

export interface McpToolServerOptions {
  spec: McpServerSpec;
  /** tools/call time-out (default 25 s; the context's own 30 s per call applies too). */
  callTimeoutMs?: number;
  /** initialize and each tools/list page (default 60 s: a stdio server may be fetched by `npx` first). */
  connectTimeoutMs?: number;
  backoff?: McpBackoff;
  /** The tool set, after each listing (the first, a reconnect, a list_changed). */
  onTools: (tools: readonly Tool[]) => void;
  log?: McpLogger;
  clientVersion?: string;
}

export type McpServerState = 'connecting' | 'connected' | 'waiting' | 'closed';

/** An error's message, with its cause's (`fetch failed (connect ECONNREFUSED 127.0.0.1:3001)`). */
function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? cause.message || (cause as NodeJS.ErrnoException).code : undefined;
    return detail && !err.message.includes(detail) ? `${err.message} (${detail})` : err.message;
  }
  return String(err);
}

/** The text of a result's content blocks (text blocks; others named by type). */
function contentText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((block: unknown) => {
      const b = block as { type?: unknown; text?: unknown };
      return b.type === 'text' && typeof b.text === 'string' ? b.text : `[${String(b.type)}]`;
    })
    .join('\n')
    .trim();
}

/** The arguments schema as Flowscope checks it: `$schema` dropped (Ajv compiles draft-07 and the MCP default alike). */
function parametersOf(tool: McpTool): JsonSchemaObject {
  const { $schema: _ignored, ...schema } = tool.inputSchema as Record<string, unknown>;
  return { ...schema, type: 'object' } as JsonSchemaObject;
}

export class McpToolServer {
  readonly name: string;
  readonly spec: McpServerSpec;
  readonly #callTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #backoff: McpBackoff;
  readonly #onTools: (tools: readonly Tool[]) => void;
  readonly #log: McpLogger;
  readonly #clientVersion: string;
  #state: McpServerState = 'waiting';
  #client: Client | null = null;
  #connecting: Promise<Client | null> | null = null;
  /** The client of the attempt in progress (closed by close(): a child still starting is ended at once). */
  #opening: Client | null = null;
  #lastError = 'not connected yet';
  #failures = 0;
  #connectedAt = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryAt = 0;
  #refreshing: Promise<void> | null = null;
  #listAgain = false;
  #stderr = '';
  #connections = 0;
  /** The reason last logged as a warning: the same reason again is logged at debug level. */
  #warned = '';

  constructor(options: McpToolServerOptions) {
    this.spec = options.spec;
    this.name = options.spec.name;
    this.#callTimeoutMs = options.callTimeoutMs ?? DEFAULT_MCP_CALL_TIMEOUT_MS;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_MCP_CONNECT_TIMEOUT_MS;
    this.#backoff = options.backoff ?? DEFAULT_MCP_BACKOFF;
    this.#onTools = options.onTools;
    this.#log = options.log ?? (() => undefined);
    this.#clientVersion = options.clientVersion ?? '0.0.0';
  }

  get state(): McpServerState {
    return this.#state;
  }

  /** Successful connections so far (1 after start, 2 after the first reconnect...). */
  get connections(): number {
    return this.#connections;
  }

  /** The first connection attempt; resolves when it succeeded or failed (a failure schedules the next). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#state = 'closed';
    clearTimeout(this.#retryTimer);
    const pending = this.#connecting;
    const client = this.#client;
    this.#client = null;
    // An attempt in progress (`npx` still fetching the server, an initialize without answer)
    // is cut now rather than awaited to its time-out.
    await this.#opening?.close().catch(() => undefined);
    await pending?.catch(() => null);
    await client?.close().catch(() => undefined);
  }

  /** Runs tool `tool` of this server; see the file comment for its outcomes. */
  async call(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    const ms = this.#callTimeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(
      () =>
        timeout.abort(
          new McpToolError('MCP_TIMEOUT', `mcp server '${this.name}' did not answer '${tool}' within ${ms} ms; the call was cancelled on the server`),
        ),
      ms,
    );
    const callSignal = AbortSignal.any([signal, timeout.signal]);
    try {
      let result;
      for (let attempt = 1; ; attempt += 1) {
        const client = await this.#ready(callSignal);
        try {
          // The SDK's own time-out is a backstop: ours (the abort above) comes first.
          result = await client.callTool({ name: tool, arguments: args }, undefined, { signal: callSignal, timeout: ms + 5000 });
          break;
        } catch (err) {
          // An HTTP server that forgot our session (it restarted) answers 404: the call never ran,
          // so a new session is opened at once and the call sent again, once (MCP: the client
          // must initialize again).
          if (attempt === 1 && !callSignal.aborted && this.#sessionExpired(err)) {
            this.#renewSession(client);
            continue;
          }
          throw this.#callFailure(client, tool, err, callSignal);
        }
      }
      if (result.isError === true) {
        throw new McpToolError('MCP_TOOL_ERROR', contentText(result.content) || `'${tool}' reported an error without text`);
      }
      if (result.structuredContent !== undefined) return result.structuredContent;
      return 'content' in result ? result.content : (result as { toolResult?: unknown }).toolResult;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The connected client: waits for a connection in progress, fails at once while waiting to reconnect. */
  async #ready(signal: AbortSignal): Promise<Client> {
    signal.throwIfAborted();
    if (this.#client) return this.#client;
    if (this.#state === 'closed') throw new McpToolError('MCP_UNAVAILABLE', `mcp server '${this.name}' is closed (the backend is shutting down)`);
    const connecting = this.#connecting;
    if (connecting) {
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason as Error);
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        const client = await Promise.race([connecting, aborted]);
        if (client) return client;
      } finally {
        signal.removeEventListener('abort', onAbort!);
      }
    }
    const next = this.#state === 'waiting' && this.#retryAt > 0 ? `; next attempt in ${(Math.max(0, this.#retryAt - Date.now()) / 1000).toFixed(1)} s` : '';
    throw new McpToolError('MCP_UNAVAILABLE', `mcp server '${this.name}' is not connected (${this.#lastError})${next}`);
  }

  #callFailure(client: Client, tool: string, err: unknown, signal: AbortSignal): unknown {
    // A cancelled run (the context reports it) or our time-out: the SDK sent notifications/cancelled.
    if (signal.aborted) return signal.reason;
    if (err instanceof McpError) {
      if (err.code === (ErrorCode.ConnectionClosed as number)) {
        this.#lost(client, `the connection closed during the call${this.#stderrNote()}`);
        return new McpToolError('MCP_UNAVAILABLE', `mcp server '${this.name}' closed the connection during '${tool}'${this.#stderrNote()}`);
      }
      if (err.code === (ErrorCode.RequestTimeout as number)) {
        return new McpToolError('MCP_TIMEOUT', `mcp server '${this.name}' did not answer '${tool}' in time (${err.message})`);
      }
      return new McpToolError('MCP_CALL_REFUSED', `mcp server '${this.name}' refused '${tool}': ${err.message}`);
    }
    // Anything else is the transport: the server cannot be reached (HTTP) or the pipe broke.
    const reason = reasonOf(err);
    this.#lost(client, reason);
    void client.close().catch(() => undefined);
    return new McpToolError('MCP_UNAVAILABLE', `mcp server '${this.name}' cannot be reached: ${reason}`);
  }

  #sessionExpired(err: unknown): boolean {
    return this.spec.transport === 'http' && err instanceof StreamableHTTPError && err.code === 404;
  }

  /** The server forgot the session of `client`: connect again now (no backoff wait). */
  #renewSession(client: Client): void {
    if (client !== this.#client || this.#state === 'closed') return;
    this.#client = null;
    this.#lastError = 'the server no longer knew its session (404); a new one is being opened';
    this.#log('info', `mcp server '${this.name}': ${this.#lastError}`);
    client.onclose = undefined;
    void client.close().catch(() => undefined);
    void this.#connect();
  }

  #stderrNote(): string {
    const last = this.#stderr.trim().split('\n').at(-1)?.trim();
    return last ? `; its last stderr line: ${last.slice(0, 300)}` : '';
  }

  /** One connection attempt; on failure the next is scheduled. Resolves with the client or null. */
  #connect(): Promise<Client | null> {
    if (this.#connecting) return this.#connecting;
    this.#state = 'connecting';
    const attempt = this.#open().then(
      (client) => {
        this.#connecting = null;
        if (this.#state === 'closed') {
          void client.close().catch(() => undefined);
          return null;
        }
        this.#client = client;
        this.#state = 'connected';
        this.#connectedAt = Date.now();
        this.#connections += 1;
        this.#warned = '';
        this.#log('info', `mcp server '${this.name}' ${this.#connections > 1 ? 'reconnected' : 'connected'} (${describeMcpServer(this.spec)})`);
        return client;
      },
      (err: unknown) => {
        this.#connecting = null;
        if (this.#state === 'closed') return null;
        this.#lastError = `${reasonOf(err)}${this.#stderrNote()}`;
        this.#scheduleRetry();
        return null;
      },
    );
    this.#connecting = attempt;
    return attempt;
  }

  async #open(): Promise<Client> {
    const client = new Client({ name: 'flowscope', version: this.#clientVersion }, { capabilities: {} });
    let transport;
    if (this.spec.transport === 'stdio') {
      this.#stderr = '';
      const stdio = new StdioClientTransport({ command: this.spec.command, args: this.spec.args, stderr: 'pipe' });
      stdio.stderr?.on('data', (chunk: Buffer) => {
        this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
      });
      transport = stdio;
    } else {
      // `user:password@` in the URL is Basic auth (fetch refuses a URL holding credentials, and
      // its error would show them): sent as a header, never as part of the URL.
      const url = new URL(this.spec.url.href);
      const headers: Record<string, string> = {};
      if (url.username !== '' || url.password !== '') {
        headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
        url.username = '';
        url.password = '';
      }
      transport = new StreamableHTTPClientTransport(url, headers.authorization === undefined ? undefined : { requestInit: { headers } });
    }
    client.onclose = () => this.#lost(client, `the connection closed${this.#stderrNote()}`);
    client.onerror = (err) => this.#log('debug', `mcp server '${this.name}': ${reasonOf(err)}`);
    this.#opening = client;
    try {
      await client.connect(transport, { timeout: this.#connectTimeoutMs });
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.#refresh(client));
      this.#onTools(await this.#listTools(client));
      return client;
    } catch (err) {
      client.onclose = undefined;
      await client.close().catch(() => undefined);
      throw err;
    } finally {
      if (this.#opening === client) this.#opening = null;
    }
  }

  /** Every page of tools/list, as Flowscope tools (tools that cannot be offered are logged and left out). */
  async #listTools(client: Client): Promise<Tool[]> {
    const listed: McpTool[] = [];
    const cursors = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const result = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: this.#connectTimeoutMs });
      listed.push(...result.tools);
      cursor = result.nextCursor;
      if (cursor === undefined) break;
      if (cursors.has(cursor)) throw new Error(`tools/list returned the cursor ${JSON.stringify(cursor)} twice`);
      cursors.add(cursor);
    }
    if (cursor !== undefined) this.#log('warn', `mcp server '${this.name}': tools/list still had pages after ${MAX_PAGES}; only those were read`);
    const tools: Tool[] = [];
    const seen = new Set<string>();
    for (const tool of listed) {
      const problem = this.#toolProblem(tool, seen);
      if (problem) {
        this.#log('warn', `mcp server '${this.name}': tool ${JSON.stringify(tool.name)} not offered: ${problem}`);
        continue;
      }
      seen.add(tool.name);
      tools.push(this.#flowscopeTool(tool));
    }
    return tools;
  }

  #toolProblem(tool: McpTool, seen: Set<string>): string | undefined {
    if (!MCP_TOOL_NAME.test(tool.name)) return "its name is not 1-128 letters, digits, '_', '-', '.' or '/'";
    if (seen.has(tool.name)) return 'listed twice';
    try {
      checkParameterSchema(parametersOf(tool), `tool '${this.name}.${tool.name}'`);
    } catch (err) {
      return reasonOf(err);
    }
    return undefined;
  }

  #flowscopeTool(tool: McpTool): Tool {
    const remote = tool.name;
    return {
      name: `${this.name}.${remote}`,
      description: tool.description ?? tool.title ?? tool.annotations?.title ?? '',
      parameters: parametersOf(tool),
      execute: (args, signal) => this.call(remote, args, signal),
    };
  }

  /** tools/list_changed: list again (one listing at a time; a change during one lists once more). */
  #refresh(client: Client): void {
    if (this.#refreshing) {
      this.#listAgain = true;
      return;
    }
    this.#refreshing = (async () => {
      do {
        this.#listAgain = false;
        if (client !== this.#client) break;
        try {
          const tools = await this.#listTools(client);
          if (client === this.#client) this.#onTools(tools);
        } catch (err) {
          this.#log('warn', `mcp server '${this.name}': listing its tools again after tools/list_changed failed: ${reasonOf(err)}`);
        }
      } while (this.#listAgain);
      this.#refreshing = null;
    })();
  }

  /** The connection of `client` is gone: mark the server down and schedule a reconnect. */
  #lost(client: Client, reason: string): void {
    if (client !== this.#client || this.#state === 'closed') return;
    this.#client = null;
    this.#lastError = reason;
    if (Date.now() - this.#connectedAt >= this.#backoff.resetAfterMs) this.#failures = 0;
    this.#scheduleRetry(); // logs the reason
  }

  #scheduleRetry(): void {
    if (this.#state === 'closed') return;
    this.#state = 'waiting';
    const waitMs = Math.min(this.#backoff.maxMs, this.#backoff.initialMs * 2 ** Math.min(this.#failures, 30));
    this.#failures += 1;
    this.#retryAt = Date.now() + waitMs;
    const level = this.#lastError === this.#warned ? 'debug' : 'warn';
    this.#warned = this.#lastError;
    this.#log(level, `mcp server '${this.name}' is not connected (${this.#lastError}); next attempt in ${(waitMs / 1000).toFixed(1)} s`);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.#connect(), waitMs);
    this.#retryTimer.unref();
  }

  /** Waits until the server is connected (tests, start-up): false at `timeoutMs`. */
  async waitConnected(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.#client) {
      if (this.#state === 'closed' || Date.now() >= end) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }
}
