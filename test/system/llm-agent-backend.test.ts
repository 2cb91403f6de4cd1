/**
 * The llm agent behind the real backend (startBackend({ agents })), driven over Socket.IO
 * against the OpenAI-compatible test server: tool calls with the model's ids, persisted
 * events, usage in agent_completed, the thread history sent on the next turn, a failure as
 * one line, and cancel hanging up the model's HTTP request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/backend-harness.ts';
import { chunk, errorReply, textReply, toolCallReply } from '../support/openai-compatible-server.ts';
import { useOpenAiCompatibleServer } from '../support/openai-server-suite.ts';

const KEY = 'sk-backend-test-key-0123456789';

const { server, agentWith } = useOpenAiCompatibleServer({ resetAfterEach: false, requireRepliesUsed: false });
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ agents: [agentWith({ apiKey: KEY })] });
});
afterAll(async () => {
  await h?.close();
});

type Message = { role: string; content?: unknown };

describe('the llm agent behind the backend', () => {
  it('runs a tool turn and an answer: model call ids, persisted events, usage; the next turn gets the history', async () => {
    server.enqueue(
      toolCallReply([{ id: 'call_abc', name: 'calculator', arguments: '{"expression":"6*7"}' }], { usage: { prompt_tokens: 40, completion_tokens: 12 } }),
      textReply('6*7 = 42', { usage: { prompt_tokens: 60, completion_tokens: 6 } }),
    );
    const c = await h.client('llm-user');
    c.send({ type: 'user_message', payload: { content: 'What is 6*7?', agent: 'llm' } });
    const ack = (await c.waitFor((e) => e.type === 'message_ack')).payload as { run_id: string; thread_id: string };
    const events = await c.runEvents(ack.run_id);

    expect(events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_thinking', 'agent_completed']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events[2]?.payload).toEqual({ tool: 'calculator', call_id: 'call_abc', args: { expression: '6*7' } });
    expect(events[3]?.payload).toMatchObject({ tool: 'calculator', call_id: 'call_abc', ok: true, result: { expression: '6*7', value: 42 } });
    expect(events[5]?.payload).toMatchObject({ status: 'succeeded', response: '6*7 = 42', error: null, usage: { input_tokens: 100, output_tokens: 18 } });
    const token = await h.backend.mintToken('llm-user');
    const stored = (await (await fetch(`${h.backend.url}/api/runs/${ack.run_id}/events`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      events: unknown[];
    };
    expect(stored.events).toEqual(events.map(({ at_ms: _, ...e }) => e));

    server.enqueue(textReply('Still 42.'));
    c.send({ type: 'user_message', thread_id: ack.thread_id, payload: { content: 'Sure?', agent: 'llm' } });
    const second = (await c.waitFor((e) => e.type === 'message_ack' && (e.payload as { run_id: string }).run_id !== ack.run_id)).payload as { run_id: string };
    await c.runEvents(second.run_id);
    expect((server.requests[2]?.body?.messages as Message[]).map((m) => [m.role, m.content])).toEqual([
      ['user', 'What is 6*7?'],
      ['assistant', '6*7 = 42'],
      ['user', 'Sure?'],
    ]);
  });

  it('ends failed with the one-line error, the key nowhere in the events', async () => {
    server.enqueue(errorReply(401, `Incorrect API key provided: ${KEY}`));
    const c = await h.client('llm-fail-user');
    c.send({ type: 'user_message', payload: { content: 'hi', agent: 'llm' } });
    const ack = (await c.waitFor((e) => e.type === 'message_ack')).payload as { run_id: string };
    const events = await c.runEvents(ack.run_id);
    expect(events.at(-1)?.payload).toMatchObject({
      status: 'failed',
      response: null,
      error: 'LLM endpoint answered 401 Unauthorized: Incorrect API key provided: [redacted]',
    });
    expect(JSON.stringify(events)).not.toContain(KEY);
  });

  it('cancel ends the run cancelled and hangs up the model request', async () => {
    const before = server.requests.length;
    server.enqueue({ kind: 'stall', events: [chunk({ role: 'assistant', content: '' })] });
    const c = await h.client('llm-cancel-user');
    c.send({ type: 'user_message', payload: { content: 'take your time', agent: 'llm' } });
    const ack = (await c.waitFor((e) => e.type === 'message_ack')).payload as { run_id: string };
    await server.waitForRequests(before + 1);
    c.send({ type: 'cancel_run', payload: { run_id: ack.run_id } });
    const events = await c.runEvents(ack.run_id);
    expect(events.at(-1)?.payload).toMatchObject({ status: 'cancelled' });
    await server.waitForClose(before);
    expect(server.requests[before]?.clientAborted).toBe(true);
  });
});
