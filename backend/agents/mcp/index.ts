/** MCP tool servers: their tools offered to every agent as `server.tool` (docs/agents.md, "MCP tool servers"). */
export { describeMcpServer, mcpEntriesFromEnv, parseMcpEntries, parseMcpEntry, splitCommandLine, MCP_SERVER_NAME, type McpServerSpec } from './mcp-config.ts';
export { MCP_ERROR_CODES, McpToolError, type McpErrorCode } from './mcp-errors.ts';
export {
  McpToolServer,
  DEFAULT_MCP_BACKOFF,
  DEFAULT_MCP_CALL_TIMEOUT_MS,
  DEFAULT_MCP_CONNECT_TIMEOUT_MS,
  type McpBackoff,
  type McpLogger,
  type McpServerState,
} from './mcp-tool-server.ts';
export { startMcpToolServers, DEFAULT_MCP_STARTUP_WAIT_MS, type McpToolServers, type McpToolServersOptions } from './mcp-tool-servers.ts';
