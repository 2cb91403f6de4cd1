/**
 * MCP tool servers through the whole backend: `mcpServers` with our fixture server over stdio
 * (a child process the backend spawns) and over Streamable HTTP; GET /api/agents lists their
 * tools; the llm agent (against the OpenAI-compatible test server) and an agent given to
 * startBackend call them, watched over Socket.IO; the call time-out and cancel_run reach the
 * server; shutdown ends the stdio child.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finished, sse, started, text, toolCall } from '../../backend/agents/ag-ui/ag-ui-test-server.ts';
import { startAgentServer, type AgentTestServer } from '../../backend/agents/http/agent-test-server.ts';
import type { Agent } from '../../backend/agents/agent-types.ts';
import type { AgentsResponse } from '../../protocol/index.ts';
import { startHarness, type Harness } from '../support/backend-harness.ts';
import { startMcpHttpFixture, type McpHttpFixture } from '../support/mcp-http-server.ts';
import { textReply, toolCallReply } from '../support/openai-compatible-server.ts';
import { useOpenAiCompatibleServer } from '../support/openai-server-suite.ts';

const STDIO_SCRIPT = path.resolve(import.meta.dirname, '../support/mcp-stdio-server.ts');

/** Calls the tool its message names: `{"tool": "web.echo", "args": {...}}`; answers with the outcome. */
const caller: Agent = {
  name: 'caller',
  description: 'Calls the tool its message names.',
  async run(ctx) {
    const { tool, args } = JSON.parse(ctx.input.content) as { tool: string; args: Record<string, unknown> };
    const outcome = await ctx.callTool(tool, args);
    return { response: JSON.stringify(outcome.ok ? outcome.result : outcome.error) };
  },
};

/** An AG-UI agent: calls the offered tool named like `web.echo` (as function-calling APIs need, `web__echo`), then answers with its result. */
let offeredToAgui: string[] = [];
async function startAguiAgent(): Promise<AgentTestServer> {
  return startAgentServer((req, res) => {
    const body = req.body as { threadId: string; runId: string; tools: Array<{ name: string }>; messages: Array<{ role: string; content?: string }> };
    offeredToAgui = body.tools.map((t) => t.name);
    const last = body.messages.at(-1);
    if (last?.role === 'tool') sse(res, [started(body), ...text('a', `echoed ${last.content ?? ''}`), finished(body)]);
    else sse(res, [started(body), ...toolCall('call-agui', 'web__echo', { text: 'from ag-ui' }), finished(body)]);
  }, '/agent');
}

const { server: model, agentWith } = useOpenAiCompatibleServer({ resetAfterEach: false, requireRepliesUsed: false });
let fixture: McpHttpFixture;
let agui: AgentTestServer;
let h: Harness;
beforeAll(async () => {
  fixture = await startMcpHttpFixture({ pageSize: 3 });
  agui = await startAguiAgent();
  h = await startHarness({
    agentUrls: [`agui=${agui.url}`],
    agentProtocols: ['agui=ag-ui'],
    agents: [agentWith(), caller],
    mcpServers: [`fs=${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(STDIO_SCRIPT)} --page-size 2`, `web=${fixture.url}`],
    mcpTimeoutMs: 1500,
  });
});
afterAll(async () => {
  await h?.close();
  await fixture?.close();
  await agui?.close();
});

async function run(user: string, content: string, agent = 'caller') {
  const c = await h.client(user);
  c.send({ type: 'user_message', payload: { content, agent } });
  const ack = (await c.waitFor((e) => e.type === 'message_ack')).payload as { run_id: string };
  return { c, runId: ack.run_id };
}

describe('MCP tool servers behind the backend', () => {
  it('lists the tools of both servers in GET /api/agents, with their schemas', async () => {
    const token = await h.backend.mintToken('mcp-lister');
    const listed = (await (await fetch(`${h.backend.url}/api/agents`, { headers: { authorization: `Bearer ${token}` } })).json()) as AgentsResponse;
    const names = listed.tools.map((t) => t.name);
    for (const server of ['fs', 'web']) expect(names).toEqual(expect.arrayContaining(['echo', 'slow', 'filler_4'].map((t) => `${server}.${t}`)));
    expect(listed.tools.find((t) => t.name === 'fs.echo')?.parameters).toEqual({
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
      additionalProperties: false,
    });
  });

  it('lets the llm agent call a stdio server tool: the five events over the socket', async () => {
    model.enqueue(toolCallReply([{ id: 'call_fs', name: 'fs__echo', arguments: '{"text":"over stdio"}' }]), textReply('done'));
    const { c, runId } = await run('mcp-llm', 'echo it', 'llm');
    const events = await c.runEvents(runId, 20_000);
    expect(events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_thinking', 'agent_completed']);
    expect(events[2]?.payload).toEqual({ tool: 'fs.echo', call_id: 'call_fs', args: { text: 'over stdio' } });
    expect(events[3]?.payload).toMatchObject({ tool: 'fs.echo', call_id: 'call_fs', ok: true, result: { text: 'over stdio' } });
    expect(events[5]?.payload).toMatchObject({ status: 'succeeded', response: 'done' });
  });

  it('fails a call that takes longer than the MCP time-out with MCP_TIMEOUT and cancels it on the server', async () => {
    const cancelled = fixture.state.cancelled;
    const { c, runId } = await run('mcp-timeout', JSON.stringify({ tool: 'web.slow', args: { ms: 20_000 } }));
    const events = await c.runEvents(runId, 20_000);
    expect(events.find((e) => e.type === 'tool_completed')?.payload).toMatchObject({
      tool: 'web.slow',
      ok: false,
      error: "MCP_TIMEOUT: mcp server 'web' did not answer 'slow' within 1500 ms; the call was cancelled on the server",
    });
    await expect.poll(() => fixture.state.cancelled).toBe(cancelled + 1);
  });

  it('forwards cancel_run to the server and ends the run cancelled', async () => {
    const cancelled = fixture.state.cancelled;
    const { c, runId } = await run('mcp-cancel', JSON.stringify({ tool: 'web.slow', args: { ms: 1000 } }));
    await c.waitFor((e) => e.type === 'tool_executing' && e.run_id === runId);
    c.send({ type: 'cancel_run', payload: { run_id: runId } });
    const events = await c.runEvents(runId, 20_000);
    expect(events.find((e) => e.type === 'tool_completed')?.payload).toMatchObject({ tool: 'web.slow', ok: false, error: 'aborted' });
    expect(events.at(-1)?.payload).toMatchObject({ status: 'cancelled' });
    await expect.poll(() => fixture.state.cancelled).toBe(cancelled + 1);
  });

  it('offers MCP tools to an AG-UI agent under names function-calling APIs accept, and runs its call as the MCP tool', async () => {
    const { c, runId } = await run('mcp-agui', 'echo something', 'agui');
    const events = await c.runEvents(runId, 20_000);
    expect(offeredToAgui).toEqual(expect.arrayContaining(['web__echo', 'fs__echo', 'calculator']));
    for (const name of offeredToAgui) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(events.map((e) => e.type)).toEqual(['agent_started', 'tool_executing', 'tool_completed', 'agent_completed']);
    expect(events[1]?.payload).toEqual({ tool: 'web.echo', call_id: 'call-agui', args: { text: 'from ag-ui' } });
    expect(events[2]?.payload).toMatchObject({ tool: 'web.echo', call_id: 'call-agui', ok: true, result: { text: 'from ag-ui' } });
    expect(events[3]?.payload).toMatchObject({ status: 'succeeded', response: 'echoed {"text":"from ag-ui"}' });
  });

  it('ends the stdio server process at shutdown', async () => {
    const { c, runId } = await run('mcp-pid', JSON.stringify({ tool: 'fs.stats', args: {} }));
    const events = await c.runEvents(runId, 20_000);
    const pid = (JSON.parse((events.at(-1)?.payload as { response: string }).response) as { pid: number }).pid;
    expect(() => process.kill(pid, 0)).not.toThrow();
    await h.close();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
