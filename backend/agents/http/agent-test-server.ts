/**
 * For the tests of this folder: a real HTTP server on 127.0.0.1 (an ephemeral port) whose
 * handler plays an agent, and an agent context that records what it emits.
 */
import http from 'node:http';
import { afterEach } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { RunEventDraft } from '../../../protocol/index.ts';
import { createAgentContext, type EngineAgentContext } from '../agent-context.ts';
import type { HistoryMessage } from '../agent-types.ts';
import { createDefaultTools } from '../tools/tool-registry.ts';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface AgentTestServer {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Resolves when a request's connection closed before its response ended (an abort). */
  clientGone: Promise<void>;
  close(): Promise<void>;
}

export type AgentHandler = (req: ReceivedRequest, res: http.ServerResponse) => void | Promise<void>;

export async function startAgentServer(handler: AgentHandler, path = '/run'): Promise<AgentTestServer> {
  const requests: ReceivedRequest[] = [];
  let markGone = (): void => undefined;
  const clientGone = new Promise<void>((resolve) => {
    markGone = resolve;
  });
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(received);
      res.on('close', () => {
        if (!res.writableFinished) markGone();
      });
      void handler(received, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    requests,
    clientGone,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** For one test file: `serve(handler)` starts an agent server that is closed after each test. */
export function useAgentServers(): (handler: AgentHandler) => Promise<AgentTestServer> {
  const servers: AgentTestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (handler) => {
    const server = await startAgentServer(handler);
    servers.push(server);
    return server;
  };
}

/** Writes NDJSON lines (objects are serialized) and ends the response. */
export function ndjson(res: http.ServerResponse, lines: Array<object | string>, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/x-ndjson' });
  res.end(lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line)) + '\n').join(''));
}

export const THINK = { type: 'agent_thinking', payload: { thought: 'counting words', step: 1 } };
export const EXEC = { type: 'tool_executing', payload: { tool: 'word_count', call_id: 'c1', args: { text: 'a b c' } } };
export const DONE_TOOL = { type: 'tool_completed', payload: { tool: 'word_count', call_id: 'c1', ok: true, result: { words: 3 }, duration_ms: 1 } };
export const SUCCEEDED = { type: 'agent_completed', payload: { status: 'succeeded', response: '3 words', error: null } };

export interface RecordedRun {
  context: EngineAgentContext;
  events: RunEventDraft[];
  abort: AbortController;
}

export function recordedContext(options: { history?: HistoryMessage[]; content?: string; agent?: string } = {}): RecordedRun {
  const events: RunEventDraft[] = [];
  const abort = new AbortController();
  const context = createAgentContext({
    runId: 'run-1',
    userId: 'user-1',
    threadId: 'thread-1',
    agent: options.agent ?? 'mine',
    input: { content: options.content ?? 'count a b c' },
    history: options.history ?? [],
    signal: abort.signal,
    tools: createDefaultTools(),
    emit: (draft) => {
      events.push(draft);
      return Promise.resolve();
    },
  });
  return { context, events, abort };
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
