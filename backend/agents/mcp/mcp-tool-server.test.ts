/**
 * McpToolServer against our fixture MCP server (official server SDK), over stdio (a child
 * process) and over Streamable HTTP (in process): every page listed, results, isError,
 * time-out and cancel forwarded to the server, list_changed, a crash and the reconnect,
 * and close() ending the stdio child.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Tool } from '../agent-types.ts';
import { startMcpHttpFixture, type McpHttpFixture } from '../../../test/support/mcp-http-server.ts';
import { parseMcpEntry, type McpServerSpec } from './mcp-config.ts';
import { McpToolError } from './mcp-errors.ts';
import { McpToolServer } from './mcp-tool-server.ts';

const STDIO_SCRIPT = path.resolve(import.meta.dirname, '../../../test/support/mcp-stdio-server.ts');
const BASE_TOOLS = ['echo', 'add', 'fail', 'slow', 'crash', 'add_tool', 'stats', 'filler_1', 'filler_2', 'filler_3', 'filler_4'];

interface Setup {
  spec: McpServerSpec;
  fixture?: McpHttpFixture;
}

const transports: Array<[string, () => Promise<Setup>]> = [
  [
    'stdio',
    () => Promise.resolve({ spec: parseMcpEntry(`fx=${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(STDIO_SCRIPT)} --page-size 2`) }),
  ],
  [
    'streamable http',
    async () => {
      const fixture = await startMcpHttpFixture({ pageSize: 2 });
      return { spec: parseMcpEntry(`fx=${fixture.url}`), fixture };
    },
  ],
];

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function connect(setup: Setup, callTimeoutMs = 5000) {
  let tools: readonly Tool[] = [];
  let listings = 0;
  const server = new McpToolServer({
    spec: setup.spec,
    callTimeoutMs,
    backoff: { initialMs: 100, maxMs: 1000, resetAfterMs: 30_000 },
    onTools: (given) => {
      tools = given;
      listings += 1;
    },
  });
  open.push(server);
  if (setup.fixture) open.push(setup.fixture);
  await server.start();
  expect(server.state).toBe('connected');
  const tool = (name: string): Tool => {
    const found = tools.find((t) => t.name === `fx.${name}`);
    if (!found) throw new Error(`no tool fx.${name}`);
    return found;
  };
  return { server, tools: () => tools, listings: () => listings, tool, signal: new AbortController().signal };
}

async function failure(promise: Promise<unknown>): Promise<McpToolError> {
  const err = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(McpToolError);
  return err as McpToolError;
}

describe.each(transports)('an MCP tool server over %s', (_label, setUp) => {
  it('lists every page of tools as server.tool with their schemas', async () => {
    const mcp = await connect(await setUp());
    expect(mcp.tools().map((t) => t.name)).toEqual(BASE_TOOLS.map((n) => `fx.${n}`));
    expect(mcp.tool('echo')).toMatchObject({
      description: 'Echoes its text.',
      parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
    });
  });

  it('returns structuredContent when present, else content; isError fails with its text', async () => {
    const mcp = await connect(await setUp());
    expect(await mcp.tool('echo').execute({ text: 'hi' }, mcp.signal)).toEqual({ text: 'hi' });
    expect(await mcp.tool('add').execute({ a: 2, b: 3 }, mcp.signal)).toEqual([{ type: 'text', text: '5' }]);
    const failed = await failure(mcp.tool('fail').execute({}, mcp.signal));
    expect(failed.code).toBe('MCP_TOOL_ERROR');
    expect(failed.message).toBe('MCP_TOOL_ERROR: fixture failure on purpose');
    const refused = await failure(mcp.server.call('nope', {}, mcp.signal));
    expect(refused.code).toBe('MCP_CALL_REFUSED');
    expect(refused.message).toContain('unknown tool nope');
  });

  it('fails a slow call with MCP_TIMEOUT and cancels it on the server', async () => {
    const mcp = await connect(await setUp(), 300);
    const started = performance.now();
    const failed = await failure(mcp.tool('slow').execute({ ms: 10_000 }, mcp.signal));
    expect(failed.code).toBe('MCP_TIMEOUT');
    expect(failed.message).toBe("MCP_TIMEOUT: mcp server 'fx' did not answer 'slow' within 300 ms; the call was cancelled on the server");
    expect(performance.now() - started).toBeLessThan(5000);
    await expect.poll(async () => ((await mcp.tool('stats').execute({}, mcp.signal)) as { cancelled: number }).cancelled).toBe(1);
  });

  it('forwards a cancel (the run signal) to the server', async () => {
    const mcp = await connect(await setUp());
    const run = new AbortController();
    const call = mcp.tool('slow').execute({ ms: 10_000 }, run.signal);
    setTimeout(() => run.abort(new Error('run cancelled')), 200);
    await expect(call).rejects.toThrow('run cancelled');
    await expect.poll(async () => ((await mcp.tool('stats').execute({}, mcp.signal)) as { cancelled: number }).cancelled).toBe(1);
  });

  it('lists again on tools/list_changed', async () => {
    const mcp = await connect(await setUp());
    await mcp.tool('add_tool').execute({ name: 'late_tool' }, mcp.signal);
    await expect.poll(() => mcp.tools().map((t) => t.name)).toContain('fx.late_tool');
    expect(mcp.listings()).toBeGreaterThanOrEqual(2);
    expect(await mcp.tool('late_tool').execute({ x: 1 }, mcp.signal)).toEqual({ tool: 'late_tool', args: { x: 1 } });
  });

  it('fails calls clearly when the server dies, and reconnects with backoff', async () => {
    const setup = await setUp();
    const mcp = await connect(setup);
    const before = ((await mcp.tool('stats').execute({}, mcp.signal)) as { pid: number }).pid;
    const crashed = await failure(mcp.tool('crash').execute({}, mcp.signal));
    expect(crashed.code).toBe('MCP_UNAVAILABLE');
    if (!setup.fixture) expect(crashed.message).toContain('fixture: crashing on purpose');
    const down = await failure(mcp.tool('echo').execute({ text: 'x' }, mcp.signal));
    expect(down.code).toBe('MCP_UNAVAILABLE');
    expect(down.message).toMatch(/^MCP_UNAVAILABLE: mcp server 'fx' is not connected \(.+\); next attempt in \d+\.\d s$/);
    await setup.fixture?.restart();
    expect(await mcp.server.waitConnected(10_000)).toBe(true);
    expect(mcp.server.connections).toBe(2);
    expect(await mcp.tool('echo').execute({ text: 'back' }, mcp.signal)).toEqual({ text: 'back' });
    const after = ((await mcp.tool('stats').execute({}, mcp.signal)) as { pid: number }).pid;
    if (!setup.fixture) expect(after).not.toBe(before);
  });
});

describe('an MCP tool server over streamable http, with user:password@ in its URL', () => {
  it('sends them as Basic auth on every request, never in the URL (nor in an error)', async () => {
    const fixture = await startMcpHttpFixture();
    const spec = parseMcpEntry(`fx=${fixture.url.replace('http://', 'http://ann:s%3Acret@')}`);
    const mcp = await connect({ spec, fixture });
    expect(await mcp.tool('echo').execute({ text: 'auth' }, mcp.signal)).toEqual({ text: 'auth' });
    const basic = `Basic ${Buffer.from('ann:s:cret').toString('base64')}`;
    expect(fixture.authorizations.length).toBeGreaterThan(0);
    expect(new Set(fixture.authorizations)).toEqual(new Set([basic]));
    await fixture.stop();
    const down = await failure(mcp.tool('echo').execute({ text: 'x' }, mcp.signal));
    expect(down.code).toBe('MCP_UNAVAILABLE');
    expect(down.message).not.toContain('cret');
  });
});

describe('an MCP tool server over streamable http, restarted', () => {
  it('opens a new session at once when the server forgot it (404), and the call goes through', async () => {
    const setup = await transports[1]![1]();
    const mcp = await connect(setup);
    expect(await mcp.tool('echo').execute({ text: 'before' }, mcp.signal)).toEqual({ text: 'before' });
    // A server restart while the client is idle: its sessions are gone, the client does not know.
    await setup.fixture!.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await setup.fixture!.restart();
    expect(await mcp.tool('echo').execute({ text: 'after' }, mcp.signal)).toEqual({ text: 'after' });
    expect(mcp.server.connections).toBe(2);
    expect(mcp.server.state).toBe('connected');
  });
});

describe('an MCP tool server, starting and closing', () => {
  it('ends its child process on close, and calls then fail', async () => {
    const mcp = await connect(await transports[0]![1]());
    const pid = ((await mcp.tool('stats').execute({}, mcp.signal)) as { pid: number }).pid;
    await mcp.server.close();
    expect(() => process.kill(pid, 0)).toThrow();
    const failed = await failure(mcp.tool('echo').execute({ text: 'x' }, mcp.signal));
    expect(failed.message).toBe("MCP_UNAVAILABLE: mcp server 'fx' is closed (the backend is shutting down)");
  });

  it('connects a server that was down at start-up once it is up, and hands its tools over then', async () => {
    const fixture = await startMcpHttpFixture();
    open.push(fixture);
    await fixture.stop();
    const lists: string[][] = [];
    const logged: string[] = [];
    const server = new McpToolServer({
      spec: parseMcpEntry(`late=${fixture.url}`),
      backoff: { initialMs: 100, maxMs: 200, resetAfterMs: 30_000 },
      onTools: (tools) => lists.push(tools.map((t) => t.name)),
      log: (level, message) => logged.push(`${level}: ${message}`),
    });
    open.push(server);
    await server.start();
    expect(server.state).toBe('waiting');
    expect(lists).toEqual([]);
    expect(logged.find((line) => line.startsWith('warn'))).toMatch(
      /^warn: mcp server 'late' is not connected \(fetch failed \(.*ECONNREFUSED.*\)\); next attempt in 0\.1 s$/,
    );
    await fixture.restart();
    expect(await server.waitConnected(10_000)).toBe(true);
    expect(lists).toHaveLength(1);
    expect(lists[0]).toContain('late.echo');
  });

  it('close() ends a child that is still starting at once, not at the connect time-out', async () => {
    // A server that never answers initialize (as one `npx` is still fetching).
    const server = new McpToolServer({
      spec: parseMcpEntry(`mute=${JSON.stringify(process.execPath)} -e "setInterval(() => {}, 1000)"`),
      connectTimeoutMs: 60_000,
      onTools: () => undefined,
    });
    open.push(server);
    const starting = server.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.state).toBe('connecting');
    const began = performance.now();
    await server.close();
    await starting;
    expect(performance.now() - began).toBeLessThan(5000);
    expect(server.state).toBe('closed');
  });

  it('keeps retrying a command that does not start, saying why', async () => {
    const server = new McpToolServer({
      spec: parseMcpEntry('gone=/nonexistent/mcp-server --flag'),
      backoff: { initialMs: 60_000, maxMs: 60_000, resetAfterMs: 30_000 },
      onTools: () => undefined,
    });
    open.push(server);
    await server.start();
    expect(server.state).toBe('waiting');
    const failed = await failure(server.call('x', {}, new AbortController().signal));
    expect(failed.message).toMatch(/^MCP_UNAVAILABLE: mcp server 'gone' is not connected \(.*ENOENT.*\); next attempt in 60\.0 s$/);
  });
});
