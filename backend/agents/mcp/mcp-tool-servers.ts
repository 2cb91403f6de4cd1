/**
 * The MCP tool servers of one backend: each configured server connected (in parallel; start-up
 * waits for the first attempts at most `startupWaitMs`, 10 s: a server that is slow to start,
 * `npx` fetching it say, or not up yet does not hold start-up longer, and its tools join when it
 * connects; a failed attempt is retried with backoff), its tools handed
 * to `onTools(server, tools)` whenever they change, and all of them closed at shutdown.
 */
import type { Tool } from '../agent-types.ts';
import type { McpServerSpec } from './mcp-config.ts';
import { McpToolServer, type McpBackoff, type McpLogger } from './mcp-tool-server.ts';

export const DEFAULT_MCP_STARTUP_WAIT_MS = 10_000;

export interface McpToolServersOptions {
  specs: readonly McpServerSpec[];
  onTools: (server: string, tools: readonly Tool[]) => void;
  callTimeoutMs?: number | undefined;
  connectTimeoutMs?: number | undefined;
  /** How long start-up waits for the first connection attempts (default 10 s). */
  startupWaitMs?: number | undefined;
  backoff?: McpBackoff | undefined;
  log?: McpLogger | undefined;
  clientVersion?: string | undefined;
}

export interface McpToolServers {
  readonly servers: readonly McpToolServer[];
  get(name: string): McpToolServer | undefined;
  close(): Promise<void>;
}

export async function startMcpToolServers(options: McpToolServersOptions): Promise<McpToolServers> {
  const log = options.log ?? (() => undefined);
  const servers = options.specs.map(
    (spec) =>
      new McpToolServer({
        spec,
        onTools: (tools) => options.onTools(spec.name, tools),
        log,
        ...(options.callTimeoutMs === undefined ? {} : { callTimeoutMs: options.callTimeoutMs }),
        ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
        ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
        ...(options.clientVersion === undefined ? {} : { clientVersion: options.clientVersion }),
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(servers.map((server) => server.start())),
    new Promise((resolve) => (timer = setTimeout(resolve, options.startupWaitMs ?? DEFAULT_MCP_STARTUP_WAIT_MS))),
  ]);
  clearTimeout(timer);
  for (const server of servers) {
    if (server.state === 'connecting') log('info', `mcp server '${server.name}' is still starting; its tools join when it answers`);
  }
  let closing: Promise<void> | null = null;
  return {
    servers,
    get: (name) => servers.find((s) => s.name === name),
    close() {
      closing ??= Promise.all(servers.map((s) => s.close())).then(() => undefined);
      return closing;
    },
  };
}
