/**
 * The MCP server of our tests, on the official server SDK: the low-level `Server` (McpServer
 * lists every tool in one page; this one pages tools/list by `pageSize` with a cursor) with
 * JSON Schema tools:
 *
 * - `echo { text }`: structuredContent `{ text }` (and the text as content)
 * - `add { a, b }`: content only (a text block with the sum)
 * - `fail {}`: `isError: true` with the text `fixture failure on purpose`
 * - `slow { ms }`: answers after `ms`; a cancel (notifications/cancelled) ends it early and is counted
 * - `crash {}`: `onCrash()` (stdio: the process exits; HTTP: the server stops)
 * - `add_tool { name }`: adds a tool `name` (echoing its args) and sends tools/list_changed
 * - `stats {}`: `{ calls, cancelled, pid }`
 * - `filler_1` ... `filler_4`: more tools, so that several pages are listed
 *
 * One `FixtureState` may be shared by several sessions (the HTTP server's); `add_tool` then
 * tells every session.
 */
import { Server } from '@modelcontextprotocol/sdk/server';
// eslint-disable-next-line import-x/no-unresolved -- the SDK's "./*" export maps types to *.js.d.ts, which the lint's resolver cannot find (tsc and Node resolve it)
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';

export interface FixtureState {
  calls: number;
  cancelled: number;
  /** Tools added by add_tool. */
  added: string[];
  /** Every session's server, told of list changes. */
  servers: Set<Server>;
}

export function createFixtureState(): FixtureState {
  return { calls: 0, cancelled: 0, added: [], servers: new Set() };
}

export interface FixtureOptions {
  pageSize?: number;
  state?: FixtureState;
  onCrash?: () => void;
}

const object = (properties: Record<string, object> = {}, required: string[] = []): Tool['inputSchema'] => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

const BASE_TOOLS: Tool[] = [
  { name: 'echo', description: 'Echoes its text.', inputSchema: object({ text: { type: 'string' } }, ['text']) },
  { name: 'add', description: 'Adds two numbers.', inputSchema: object({ a: { type: 'number' }, b: { type: 'number' } }, ['a', 'b']) },
  { name: 'fail', description: 'Always fails.', inputSchema: object() },
  { name: 'slow', description: 'Answers after ms milliseconds.', inputSchema: object({ ms: { type: 'integer', minimum: 0 } }, ['ms']) },
  { name: 'crash', description: 'Ends the server.', inputSchema: object() },
  { name: 'add_tool', description: 'Adds a tool.', inputSchema: object({ name: { type: 'string' } }, ['name']) },
  { name: 'stats', description: 'Counters of this server.', inputSchema: object() },
  ...[1, 2, 3, 4].map((n) => ({ name: `filler_${n}`, description: `Filler ${n}.`, inputSchema: object() })),
];

const text = (value: string): CallToolResult['content'] => [{ type: 'text', text: value }];

export function createFixtureServer(options: FixtureOptions = {}): Server {
  const state = options.state ?? createFixtureState();
  const pageSize = options.pageSize ?? 3;
  const server = new Server({ name: 'flowscope-mcp-fixture', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
  state.servers.add(server);
  server.onclose = () => state.servers.delete(server);

  const allTools = (): Tool[] => [
    ...BASE_TOOLS,
    ...state.added.map((name) => ({ name, description: `Added at run time: ${name}.`, inputSchema: { type: 'object' as const } })),
  ];

  server.setRequestHandler(ListToolsRequestSchema, (request) => {
    const tools = allTools();
    const cursor = request.params?.cursor;
    const start = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(start) || start < 0 || start > tools.length) throw new McpError(ErrorCode.InvalidParams, `bad cursor ${cursor}`);
    const end = start + pageSize;
    return { tools: tools.slice(start, end), ...(end < tools.length ? { nextCursor: String(end) } : {}) };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    state.calls += 1;
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    switch (request.params.name) {
      case 'echo':
        return { content: text(String(args.text)), structuredContent: { text: args.text } };
      case 'add':
        return { content: text(String(Number(args.a) + Number(args.b))) };
      case 'fail':
        return { content: text('fixture failure on purpose'), isError: true };
      case 'slow': {
        const ms = Number(args.ms);
        const cancelled = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), ms);
          extra.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        if (cancelled) state.cancelled += 1;
        return { content: text(`slept ${ms} ms`), structuredContent: { slept: ms } };
      }
      case 'crash':
        options.onCrash?.();
        return await new Promise<never>(() => undefined);
      case 'add_tool': {
        state.added.push(String(args.name));
        await Promise.all([...state.servers].map((s) => s.sendToolListChanged().catch(() => undefined)));
        return { content: text(`added ${String(args.name)}`) };
      }
      case 'stats':
        return { content: text('stats'), structuredContent: { calls: state.calls, cancelled: state.cancelled, pid: process.pid } };
      default:
        if (state.added.includes(request.params.name) || request.params.name.startsWith('filler_')) {
          return { content: text(request.params.name), structuredContent: { tool: request.params.name, args } };
        }
        throw new McpError(ErrorCode.InvalidParams, `unknown tool ${request.params.name}`);
    }
  });
  return server;
}
