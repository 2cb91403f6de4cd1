/**
 * The tool-call agent: with the real AgentContext (the schema check, the tool pair), and as a
 * run through the whole pipeline of a real backend (reception, queue, engine, persistence,
 * delivery, history).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../protocol/index.ts';
import { startHarness, type Harness } from '../../test/support/backend-harness.ts';
import type { Tool } from './agent-types.ts';
import { createRecordingAgentContext } from './recording-agent-context.ts';
import { createDefaultTools } from './tools/tool-registry.ts';
import {
  createToolCallAgent,
  parseToolCallRequest,
  unknownToolMessage,
  TOOL_CALL_AGENT_NAME,
  TOOL_CALL_ERRORS,
  ToolCallError,
  toolCallContent,
} from './tool-call-agent.ts';

const agent = createToolCallAgent();

async function runWith(content: string, tools?: ReadonlyMap<string, Tool>) {
  const recording = createRecordingAgentContext({ content, ...(tools ? { tools } : {}) });
  const outcome = await agent.run(recording.context).then(
    (result) => ({ ok: true as const, response: result.response }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  await recording.context.settle('ended');
  return { outcome, recording };
}

function errorOf(outcome: { ok: boolean; err?: unknown }): ToolCallError {
  expect(outcome.ok).toBe(false);
  expect(outcome.err).toBeInstanceOf(ToolCallError);
  return outcome.err as ToolCallError;
}

describe('parseToolCallRequest', () => {
  it('reads {tool, arguments}; arguments default to {}', () => {
    expect(parseToolCallRequest(toolCallContent('calculator', { expression: '1+1' }))).toEqual({ tool: 'calculator', arguments: { expression: '1+1' } });
    expect(parseToolCallRequest('{"tool":"clock"}')).toEqual({ tool: 'clock', arguments: {} });
  });

  it.each([
    ['not json', 'must be JSON'],
    ['[1]', 'must be a JSON object'],
    ['{"arguments":{}}', '"tool" must be the name of a tool'],
    ['{"tool":""}', '"tool" must be the name of a tool'],
    ['{"tool":"clock","arguments":[1]}', '"arguments" must be a JSON object'],
    ['{"tool":"clock","args":{}}', 'unknown field(s) "args"'],
  ])('refuses %j with TOOL_CALL_INVALID', (content, message) => {
    let caught: unknown;
    try {
      parseToolCallRequest(content);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ToolCallError);
    expect((caught as ToolCallError).code).toBe('TOOL_CALL_INVALID');
    expect((caught as ToolCallError).message).toContain(message);
    expect((caught as ToolCallError).message.startsWith('TOOL_CALL_INVALID: ')).toBe(true);
  });
});

describe('the tool-call agent', () => {
  it('calls exactly the named tool through the context: one tool pair, the result as its response', async () => {
    const { outcome, recording } = await runWith(toolCallContent('calculator', { expression: '6 * 7' }));
    expect(outcome).toEqual({ ok: true, response: JSON.stringify({ expression: '6 * 7', value: 42 }) });
    expect(recording.types()).toEqual(['agent_thinking', 'tool_executing', 'tool_completed']);
    expect(recording.events[0]).toMatchObject({ type: 'agent_thinking', payload: { thought: 'Calling calculator with the arguments given.' } });
    expect(recording.events[1]).toMatchObject({ type: 'tool_executing', payload: { tool: 'calculator', args: { expression: '6 * 7' } } });
    expect(recording.events[2]).toMatchObject({ type: 'tool_completed', payload: { tool: 'calculator', ok: true, result: { value: 42 } } });
  });

  it('a schema violation fails the run with TOOL_ARGUMENTS_INVALID and each path; the failed pair is recorded', async () => {
    const { outcome, recording } = await runWith(toolCallContent('calculator', { expression: 7, extra: true }));
    const err = errorOf(outcome);
    expect(err.code).toBe('TOOL_ARGUMENTS_INVALID');
    expect(err.message).toBe('TOOL_ARGUMENTS_INVALID: args.extra: is not an accepted argument; args.expression: must be string');
    expect(recording.types()).toEqual(['agent_thinking', 'tool_executing', 'tool_completed']);
    expect(recording.events[2]).toMatchObject({ payload: { ok: false, error: expect.stringContaining('args.expression: must be string') as string } });
  });

  it('a missing required argument names its path', async () => {
    const { outcome } = await runWith(toolCallContent('calculator', {}));
    expect(errorOf(outcome).message).toBe('TOOL_ARGUMENTS_INVALID: args.expression: is required');
  });

  it('a tool that throws fails the run with TOOL_FAILED and its message', async () => {
    const { outcome } = await runWith(toolCallContent('calculator', { expression: '1 +' }));
    const err = errorOf(outcome);
    expect(err.code).toBe('TOOL_FAILED');
    expect(err.detail.length).toBeGreaterThan(0);
  });

  it('an unknown tool fails with TOOL_UNKNOWN, naming the tools there are, before any event', async () => {
    const { outcome, recording } = await runWith(toolCallContent('nope', {}));
    const err = errorOf(outcome);
    expect(err.code).toBe('TOOL_UNKNOWN');
    expect(err.message).toBe(`TOOL_UNKNOWN: no tool named 'nope' (tools: ${[...createDefaultTools().keys()].join(', ')})`);
    expect(recording.events).toEqual([]);
  });

  it("TOOL_UNKNOWN suggests a tool whose name holds the one asked for (an MCP server's prefix) and names at most 20", () => {
    const many = ['calculator', 'everything.echo', 'everything.echo_twice', ...Array.from({ length: 30 }, (_, i) => `fx.filler_${i}`)];
    const message = unknownToolMessage('echo', many);
    expect(message).toMatch(/^no tool named 'echo' \(did you mean 'everything\.echo' or 'everything\.echo_twice'\? tools: calculator, everything\.echo, /);
    expect(message).toContain('fx.filler_16 and 13 more)');
    expect(message).not.toContain('fx.filler_17');
    expect(unknownToolMessage('x', [])).toBe("no tool named 'x' (tools: none)");
  });

  it('has a code table with a meaning per code', () => {
    for (const meaning of Object.values(TOOL_CALL_ERRORS)) expect(meaning.length).toBeGreaterThan(10);
    expect(agent.historyTurns).toBe(0);
  });
});

describe('a tool run through the pipeline', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('is a run like any other: acked, agent_started, the tool pair, agent_completed, stored, listed in history', async () => {
    expect(h.backend.agents.agents.map((a) => a.name)).toContain(TOOL_CALL_AGENT_NAME);
    const c = await h.client('tool-runner', 'ws');
    c.send({
      type: 'user_message',
      message_id: 'tc-1',
      payload: { agent: TOOL_CALL_AGENT_NAME, content: toolCallContent('calculator', { expression: '2^10' }) },
    });
    const ack = await c.waitFor((e) => e.type === 'message_ack');
    const runId = (ack.payload as { run_id: string }).run_id;
    const events = await c.runEvents(runId);
    expect(events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(events[3]?.payload).toMatchObject({ tool: 'calculator', ok: true, result: { value: 1024 } });
    expect(events[4]?.payload).toMatchObject({ status: 'succeeded', response: '{"expression":"2^10","value":1024}' });

    const token = await h.backend.mintToken('tool-runner');
    const runs = (await (await fetch(`${h.backend.url}/api/runs`, { headers: { authorization: `Bearer ${token}` } })).json()) as { runs: RunSummary[] };
    expect(runs.runs.find((r) => r.id === runId)).toMatchObject({ agent: TOOL_CALL_AGENT_NAME, status: 'succeeded', event_count: 5 });
  });

  it('a schema violation ends the run failed with the code and path', async () => {
    const c = await h.client('tool-violator');
    c.send({ type: 'user_message', payload: { agent: TOOL_CALL_AGENT_NAME, content: toolCallContent('search_docs', { query: 'x', limit: 0 }) } });
    const ack = await c.waitFor((e) => e.type === 'message_ack');
    const events = await c.runEvents((ack.payload as { run_id: string }).run_id);
    expect(events.at(-1)?.payload).toMatchObject({ status: 'failed', error: 'TOOL_ARGUMENTS_INVALID: args.limit: must be >= 1' });
    expect(events.filter((e) => e.type === 'tool_completed')).toHaveLength(1);
  });
});
