/**
 * The fixture MCP server (mcp-fixture-server.ts) over Streamable HTTP, in process, on a free
 * port of 127.0.0.1: one session (and one SDK `Server`) per client, JSON responses, the
 * standalone GET stream for notifications. `crash` (or `stop()`) cuts every connection and
 * stops listening; `restart()` listens again on the same port with no sessions (a client must
 * initialize again).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
// eslint-disable-next-line import-x/no-unresolved -- the SDK's "./*" export maps types to *.js.d.ts, which the lint's resolver cannot find (tsc and Node resolve it)
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createFixtureServer, createFixtureState, type FixtureState } from './mcp-fixture-server.ts';

export interface McpHttpFixture {
  url: string;
  state: FixtureState;
  /** The Authorization header of each request, in order (undefined: none). */
  authorizations: Array<string | undefined>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startMcpHttpFixture(options: { pageSize?: number } = {}): Promise<McpHttpFixture> {
  const state = createFixtureState();
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  let port = 0;
  let server: http.Server;

  const stop = async (): Promise<void> => {
    const transports = [...sessions.values()];
    sessions.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    await Promise.all(transports.map((t) => t.close().catch(() => undefined)));
  };

  const authorizations: Array<string | undefined> = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    authorizations.push(req.headers.authorization);
    const id = req.headers['mcp-session-id'];
    const existing = typeof id === 'string' ? sessions.get(id) : undefined;
    if (existing) {
      void existing.handleRequest(req, res);
      return;
    }
    if (req.method !== 'POST' || id !== undefined) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (sessionId) => {
        sessions.set(sessionId, transport);
      },
    });
    const mcp = createFixtureServer({ state, ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }), onCrash: () => void stop() });
    void mcp.connect(transport).then(() => transport.handleRequest(req, res));
  };

  const listen = async (): Promise<void> => {
    server = http.createServer(handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  };
  await listen();
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    state,
    authorizations,
    stop,
    restart: listen,
    close: async () => {
      if (server.listening) await stop();
    },
  };
}
