/**
 * An AG-UI agent as a Flowscope agent, through the whole backend: a real AG-UI server (built
 * on @ag-ui/encoder, events checked with @ag-ui/core) configured with
 * `agentUrls: ['ag=URL'], agentProtocols: ['ag=ag-ui']`; a user sends messages over the
 * WebSocket and receives the five events (reasoning, the agent's own tool, a Flowscope tool
 * run as a frontend tool with a follow-up run, the answer); a RUN_ERROR fails the run; and the
 * agent-conformance pack passes against it (`flowscope run --target`).
 */
import type http from 'node:http';
import type { BaseEvent } from '@ag-ui/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentServer, type AgentTestServer } from '../../backend/agents/http/agent-test-server.ts';
import { finished, sse, started, text, toolCall } from '../../backend/agents/ag-ui/ag-ui-test-server.ts';
import { runCommand } from '../../cli/run-command.ts';
import { captureIo } from '../../cli/test-support/captured-io.ts';
import { startHarness, type Harness } from '../support/backend-harness.ts';

interface Input {
  threadId: string;
  runId: string;
  messages: Array<{ role: string; content?: string; toolCallId?: string }>;
}

/** The AG-UI agent: "fail" answers RUN_ERROR; otherwise it reasons, counts words with its own tool, asks Flowscope's calculator, then answers. */
function agentHandler(req: { body: unknown }, res: http.ServerResponse): void {
  const body = req.body as Input;
  const user = [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const tool = body.messages.at(-1)?.role === 'tool' ? body.messages.at(-1) : undefined;
  if (user === 'fail') {
    sse(res, [started(body), { type: 'RUN_ERROR', message: 'the model is down', code: 'DOWN' } as BaseEvent]);
    return;
  }
  if (tool) {
    const { value } = JSON.parse(tool.content ?? '{}') as { value: number };
    const earlier = body.messages.filter((m) => m.role === 'user').length - 1;
    sse(res, [started(body), ...text(`${body.runId}-answer`, `"${user}" has ${value} words (${earlier} earlier messages).`), finished(body)]);
    return;
  }
  const words = user.split(/\s+/).filter(Boolean).length;
  sse(res, [
    started(body),
    { type: 'REASONING_MESSAGE_CHUNK', messageId: `${body.runId}-r`, delta: 'Counting the words.' } as BaseEvent,
    ...toolCall(`${body.runId}-wc`, 'word_count', { text: user }),
    { type: 'TOOL_CALL_RESULT', messageId: `${body.runId}-wcr`, toolCallId: `${body.runId}-wc`, content: JSON.stringify({ words }) } as BaseEvent,
    ...toolCall(`${body.runId}-calc`, 'calculator', { expression: `${words}+0` }),
    finished(body),
  ]);
}

let server: AgentTestServer;
let harness: Harness;
beforeAll(async () => {
  server = await startAgentServer(agentHandler, '/agent');
  harness = await startHarness({ agentUrls: [`ag=${server.url}`], agentProtocols: ['ag=ag-ui'] });
});
afterAll(async () => {
  await harness?.close();
  await server?.close();
});

describe('an AG-UI agent through the backend (--agent-protocol ag=ag-ui)', () => {
  it('is listed by GET /api/agents as an AG-UI agent, with its URL', async () => {
    const res = await fetch(`${harness.backend.url}/api/agents`, { headers: { authorization: `Bearer ${await harness.backend.mintToken('alice')}` } });
    const body = (await res.json()) as { agents: Array<{ name: string; source: string; origin?: string }> };
    expect(body.agents.find((a) => a.name === 'ag')).toMatchObject({ source: 'ag-ui', origin: server.url });
  });

  it('a user receives the five events; the second turn of the thread carries the history', async () => {
    const client = await harness.client('alice', 'ws');
    client.send({ type: 'user_message', message_id: 'm1', payload: { content: 'how many words here', agent: 'ag' } });
    const ack = (await client.waitFor((e) => e.type === 'message_ack' && e.message_id === 'm1')).payload as { run_id: string; thread_id: string };
    const events = await client.runEvents(ack.run_id);
    expect(events.map((e) => e.type)).toEqual([
      'agent_started',
      'agent_thinking',
      'tool_executing',
      'tool_completed',
      'tool_executing',
      'tool_completed',
      'agent_completed',
    ]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events[1]?.payload).toMatchObject({ thought: 'Counting the words.' });
    expect(events[2]?.payload).toEqual({ tool: 'word_count', call_id: `${ack.run_id}-wc`, args: { text: 'how many words here' } });
    expect(events[3]?.payload).toMatchObject({ tool: 'word_count', ok: true, result: { words: 4 } });
    expect(events[4]?.payload).toEqual({ tool: 'calculator', call_id: `${ack.run_id}-calc`, args: { expression: '4+0' } });
    expect(events[5]?.payload).toMatchObject({ tool: 'calculator', ok: true, result: { value: 4 } });
    expect(events[6]?.payload).toMatchObject({ status: 'succeeded', response: '"how many words here" has 4 words (0 earlier messages).' });
    const first = server.requests.find((r) => (r.body as Input).runId === ack.run_id)?.body as Input;
    expect(first.threadId).toBe(ack.thread_id);

    client.send({ type: 'user_message', message_id: 'm2', thread_id: ack.thread_id, payload: { content: 'and now', agent: 'ag' } });
    const next = (await client.waitFor((e) => e.type === 'message_ack' && e.message_id === 'm2')).payload as { run_id: string };
    const second = await client.runEvents(next.run_id);
    expect(second.at(-1)?.payload).toMatchObject({ status: 'succeeded', response: '"and now" has 2 words (1 earlier messages).' });
  });

  it('RUN_ERROR ends the run failed with the agent message', async () => {
    const client = await harness.client('bob', 'ws');
    client.send({ type: 'user_message', message_id: 'f1', payload: { content: 'fail', agent: 'ag' } });
    const ack = (await client.waitFor((e) => e.type === 'message_ack' && e.message_id === 'f1')).payload as { run_id: string };
    const events = await client.runEvents(ack.run_id);
    expect(events.map((e) => e.type)).toEqual(['agent_started', 'agent_completed']);
    expect(events[1]?.payload).toMatchObject({ status: 'failed', error: "ag-ui agent 'ag': RUN_ERROR: the model is down (code DOWN)" });
  });

  it('the agent-conformance pack passes against it', async () => {
    const io = captureIo(process.cwd());
    const code = await runCommand(['scenarios/agent-conformance', '--target', harness.backend.url, '--agent', 'ag'], io);
    expect(io.err()).toBe('');
    expect(io.out()).toMatch(/Scenarios: \d+ passed, 0 failed/);
    expect(code).toBe(0);
  }, 60_000);

  it('the pack passes in an embedded backend too (flowscope run --agent-url --agent-protocol, as a CI job runs it)', async () => {
    const io = captureIo(process.cwd());
    const code = await runCommand(['scenarios/agent-conformance', '--agent-url', `ag=${server.url}`, '--agent-protocol', 'ag=ag-ui', '--agent', 'ag'], io);
    expect(io.err()).toBe('');
    expect(io.out()).toMatch(/Scenarios: \d+ passed, 0 failed/);
    expect(code).toBe(0);
    // an unknown protocol is one line, before anything runs
    const bad = captureIo(process.cwd());
    expect(await runCommand(['scenarios/agent-conformance', '--agent-url', `ag=${server.url}`, '--agent-protocol', 'ag=graphql', '--agent', 'ag'], bad)).toBe(
      1,
    );
    expect(bad.err()).toMatch(/cannot start the embedded backend: .*graphql/);
  }, 60_000);
});
