/**
 * The error codes of MCP tool servers, one table. A failed call of an MCP tool is a failed
 * tool_completed whose `error` starts with its code (`MCP_TIMEOUT: ...`); a bad `--mcp`
 * entry stops start-up with MCP_INVALID_CONFIG.
 */
export const MCP_ERROR_CODES = {
  /** A `--mcp` / FLOWSCOPE_MCP / settings.json entry that cannot be used (name, URL, command line). */
  MCP_INVALID_CONFIG: 'the MCP server entry is not valid',
  /** The server is not connected (it did not start, died, or the connection broke); it is being reconnected. */
  MCP_UNAVAILABLE: 'the MCP server is not available',
  /** No answer to tools/call within the call time-out; the call was cancelled on the server. */
  MCP_TIMEOUT: 'the MCP server did not answer in time',
  /** The tool answered with `isError: true`; the message is the text of its content. */
  MCP_TOOL_ERROR: 'the MCP tool reported an error',
  /** The server refused the call with a JSON-RPC error (unknown tool, invalid params, internal error). */
  MCP_CALL_REFUSED: 'the MCP server refused the call',
} as const;

export type McpErrorCode = keyof typeof MCP_ERROR_CODES;

export class McpToolError extends Error {
  constructor(
    readonly code: McpErrorCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'McpToolError';
  }
}
