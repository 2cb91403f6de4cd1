/**
 * MCP tools in the catalog and through agents: listed by describe() (GET /api/agents) with
 * their schemas, called by a module agent's ctx.callTool (tool_executing / tool_completed,
 * the argument check before the server is asked, isError, cancel forwarded) and by the llm
 * agent against the OpenAI-compatible test server (the mapped function name `fx__echo`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMcpHttpFixture, type McpHttpFixture } from '../../../test/support/mcp-http-server.ts';
import { startRun } from '../../../test/support/llm-run-harness.ts';
import { textReply, toolCallReply } from '../../../test/support/openai-compatible-server.ts';
import { useOpenAiCompatibleServer } from '../../../test/support/openai-server-suite.ts';
import { AgentCatalog } from '../agent-catalog.ts';
import type { Agent } from '../agent-types.ts';
import { parseMcpEntries } from './mcp-config.ts';
import { startMcpToolServers, type McpToolServers } from './mcp-tool-servers.ts';

const { server: model, agentWith } = useOpenAiCompatibleServer();
let fixture: McpHttpFixture;
let catalog: AgentCatalog;
let mcp: McpToolServers;

beforeAll(async () => {
  fixture = await startMcpHttpFixture({ pageSize: 4 });
  catalog = await AgentCatalog.create();
  mcp = await startMcpToolServers({
    specs: parseMcpEntries([`fx=${fixture.url}`]),
    onTools: (server, tools) => catalog.replaceToolGroup(`mcp server '${server}'`, tools),
  });
});
afterAll(async () => {
  await mcp?.close();
  catalog?.close();
  await fixture?.close();
});

const moduleAgent = (body: Agent['run']): Agent => ({ name: 'mod', description: 'calls MCP tools', run: body });

describe('MCP tools for every agent', () => {
  it('joins the catalog (GET /api/agents) as server.tool with its schema, beside the built-in tools', () => {
    const tools = catalog.describe().tools;
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['calculator', 'fx.echo', 'fx.slow', 'fx.filler_4']));
    expect(tools.find((t) => t.name === 'fx.add')).toEqual({
      name: 'fx.add',
      description: 'Adds two numbers.',
      parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'], additionalProperties: false },
    });
  });

  it("runs through a module agent's ctx.callTool: result, isError, arguments checked before the server is asked", async () => {
    const callsBefore = fixture.state.calls;
    const run = startRun(
      moduleAgent(async (ctx) => {
        const echo = await ctx.callTool('fx.echo', { text: 'hello' });
        const failed = await ctx.callTool('fx.fail', {});
        const invalid = await ctx.callTool('fx.echo', { txt: 'typo' });
        return { response: JSON.stringify([echo.ok, failed.ok, invalid.ok]) };
      }),
      { tools: catalog.tools },
    );
    const outcome = await run.done;
    expect(outcome).toMatchObject({ ok: true, result: { response: '[true,false,false]' } });
    const completed = run.events.flatMap((e) => (e.type === 'tool_completed' ? [e.payload] : []));
    expect(run.types()).toEqual(['tool_executing', 'tool_completed', 'tool_executing', 'tool_completed', 'tool_executing', 'tool_completed']);
    expect(completed[0]).toMatchObject({ tool: 'fx.echo', ok: true, result: { text: 'hello' } });
    expect(completed[1]).toMatchObject({ tool: 'fx.fail', ok: false, error: 'MCP_TOOL_ERROR: fixture failure on purpose' });
    expect(completed[2]).toMatchObject({
      tool: 'fx.echo',
      ok: false,
      error: 'invalid arguments: args.text: is required; args.txt: is not an accepted argument',
    });
    expect(fixture.state.calls - callsBefore).toBe(2);
  });

  it('cancels the call on the server when the run is cancelled', async () => {
    const cancelledBefore = fixture.state.cancelled;
    const controller = new AbortController();
    const run = startRun(
      moduleAgent(async (ctx) => {
        await ctx.callTool('fx.slow', { ms: 10_000 });
        return { response: 'not reached' };
      }),
      { tools: catalog.tools, signal: controller.signal },
    );
    await expect.poll(() => run.types()).toEqual(['tool_executing']);
    controller.abort(new Error('run cancelled'));
    expect(await run.done).toMatchObject({ ok: false });
    expect(run.events.at(-1)?.payload).toMatchObject({ tool: 'fx.slow', ok: false, error: 'aborted' });
    await expect.poll(() => fixture.state.cancelled).toBe(cancelledBefore + 1);
  });

  it('is offered to the llm agent as fx__echo and called as fx.echo', async () => {
    model.enqueue(toolCallReply([{ id: 'call_mcp', name: 'fx__echo', arguments: '{"text":"from the model"}' }]), textReply('echoed'));
    const run = startRun(agentWith(), { tools: catalog.tools });
    expect(await run.done).toMatchObject({ ok: true, result: { response: 'echoed' } });
    const offered = model.requests[0]?.body?.tools as Array<{ function: { name: string; parameters: unknown } }>;
    expect(offered.find((t) => t.function.name === 'fx__echo')?.function.parameters).toEqual({
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
      additionalProperties: false,
    });
    expect(run.events.find((e) => e.type === 'tool_executing')?.payload).toEqual({ tool: 'fx.echo', call_id: 'call_mcp', args: { text: 'from the model' } });
    expect(run.events.find((e) => e.type === 'tool_completed')?.payload).toMatchObject({ tool: 'fx.echo', ok: true, result: { text: 'from the model' } });
    const toolMessage = (model.requests[1]?.body?.messages as Array<{ role: string; content: string }>).find((m) => m.role === 'tool');
    expect(toolMessage?.content).toBe('{"text":"from the model"}');
  });
});
