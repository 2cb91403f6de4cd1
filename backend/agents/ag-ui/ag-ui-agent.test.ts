import type { BaseEvent } from '@ag-ui/core';
import { RunAgentInputSchema } from '@ag-ui/core/schemas';
import { describe, expect, it } from 'vitest';
import { createAguiAgent, type AguiAgentOptions } from './ag-ui-agent.ts';
import { AguiAgentConfigError, type AguiAgentError } from './ag-ui-agent-errors.ts';
import { closedPort, finished, recordedContext, sse, sseAnswer, started, text, toolCall, useAgentServers } from './ag-ui-test-server.ts';

const serve = useAgentServers();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runOnce(options: Omit<AguiAgentOptions, 'name'>, content = 'count a b c') {
  const run = recordedContext({
    content,
    history: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ],
  });
  const agent = createAguiAgent({ name: 'mine', ...options });
  try {
    const result = await agent.run(run.context);
    await run.context.settle('ended');
    return { result, error: undefined, events: run.events };
  } catch (error) {
    await run.context.settle('ended');
    return { result: undefined, error: error as AguiAgentError, events: run.events };
  }
}

describe('createAguiAgent: a run', () => {
  it('POSTs RunAgentInput and maps reasoning, steps, tool calls with results and the text onto the five events', async () => {
    const server = await serve((req, res) =>
      sse(res, [
        started(req.body),
        { type: 'REASONING_START', messageId: 'r1' } as BaseEvent,
        { type: 'REASONING_MESSAGE_START', messageId: 'r1', role: 'reasoning' } as BaseEvent,
        { type: 'REASONING_MESSAGE_CONTENT', messageId: 'r1', delta: 'I should ' } as BaseEvent,
        { type: 'REASONING_MESSAGE_CONTENT', messageId: 'r1', delta: 'count.' } as BaseEvent,
        { type: 'REASONING_MESSAGE_END', messageId: 'r1' } as BaseEvent,
        { type: 'REASONING_END', messageId: 'r1' } as BaseEvent,
        { type: 'STEP_STARTED', stepName: 'count' } as BaseEvent,
        { type: 'STATE_SNAPSHOT', snapshot: { words: 0 } } as BaseEvent,
        { type: 'CUSTOM', name: 'progress', value: 1 } as BaseEvent,
        ...toolCall('wc-1', 'word_count', { text: 'a b c' }),
        { type: 'TOOL_CALL_RESULT', messageId: 'm-t', toolCallId: 'wc-1', content: '{"words":3}' } as BaseEvent,
        { type: 'STEP_FINISHED', stepName: 'count' } as BaseEvent,
        ...text('m1', 'There are 3 words.'),
        finished(req.body, { usage: [{ inputTokens: 5, outputTokens: 7 }] }),
      ]),
    );
    const { result, error, events } = await runOnce({ url: server.url, headers: { authorization: 'Bearer secret-token-123456' } });
    expect(error).toBeUndefined();
    expect(result).toEqual({ response: 'There are 3 words.', usage: { input_tokens: 5, output_tokens: 7 } });
    expect(events).toEqual([
      { type: 'agent_thinking', payload: { thought: 'I should count.', step: 1 } },
      { type: 'agent_thinking', payload: { thought: 'step started: count', step: 2 } },
      { type: 'tool_executing', payload: { tool: 'word_count', call_id: 'wc-1', args: { text: 'a b c' } } },
      { type: 'tool_completed', payload: { tool: 'word_count', call_id: 'wc-1', ok: true, result: { words: 3 }, duration_ms: 0 } },
      { type: 'agent_thinking', payload: { thought: 'step finished: count', step: 3 } },
    ]);
    const [request] = server.requests;
    expect(request?.headers.accept).toBe('text/event-stream');
    expect(request?.headers['content-type']).toBe('application/json');
    const input = RunAgentInputSchema.parse(request?.body);
    expect(input).toMatchObject({ threadId: 'thread-1', runId: 'run-1', state: {}, context: [], forwardedProps: {} });
    expect(input.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'hi'],
      ['assistant', 'hello'],
      ['user', 'count a b c'],
    ]);
    expect(input.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['calculator', 'clock', 'search_docs']));
    expect(input.tools.find((t) => t.name === 'calculator')?.parameters).toMatchObject({ type: 'object', required: ['expression'] });
  });

  it('runs a Flowscope tool the agent calls without a result (frontend tool) and sends the result back in a follow-up run', async () => {
    const server = await serve((req, res) => {
      const body = req.body as { messages: Array<{ role: string; content?: string; toolCallId?: string }> };
      const toolMessage = body.messages.find((m) => m.role === 'tool');
      if (!toolMessage) {
        sse(res, [started(req.body), ...text('m1', 'Let me compute.'), ...toolCall('calc-1', 'calculator', { expression: '2+3' }), finished(req.body)]);
      } else {
        const { value } = JSON.parse(toolMessage.content ?? '{}') as { value: number };
        sse(res, [started(req.body), ...text('m2', `The answer is ${value}.`), finished(req.body)]);
      }
    });
    const { result, error, events } = await runOnce({ url: server.url });
    expect(error).toBeUndefined();
    expect(result?.response).toBe('The answer is 5.');
    expect(events.map((e) => e.type)).toEqual(['agent_thinking', 'tool_executing', 'tool_completed']);
    expect(events[0]?.payload).toMatchObject({ thought: 'Let me compute.' });
    expect(events[1]?.payload).toMatchObject({ tool: 'calculator', call_id: 'calc-1', args: { expression: '2+3' } });
    expect(events[2]?.payload).toMatchObject({ tool: 'calculator', call_id: 'calc-1', ok: true, result: { value: 5 } });
    expect(server.requests).toHaveLength(2);
    const second = RunAgentInputSchema.parse(server.requests[1]?.body);
    expect(second.runId).toBe('run-1:2');
    expect(second.threadId).toBe('thread-1');
    expect(second.messages.slice(-2)).toEqual([
      {
        id: 'run-1:assistant',
        role: 'assistant',
        content: 'Let me compute.',
        toolCalls: [{ id: 'calc-1', type: 'function', function: { name: 'calculator', arguments: '{"expression":"2+3"}' } }],
      },
      { id: 'run-1:tool:calc-1', role: 'tool', toolCallId: 'calc-1', content: '{"expression":"2+3","value":5}' },
    ]);
  });

  it('fails a call of a tool Flowscope does not offer that gets no result, tells the agent, and stops after maxRounds', async () => {
    const server = await serve((req, res) => {
      const body = req.body as { runId: string; messages: Array<{ role: string; error?: string }> };
      sse(res, [started(req.body), ...toolCall(`${body.runId}-c`, 'browser_alert', { text: 'hi' }), finished(req.body)]);
    });
    const { error, events } = await runOnce({ url: server.url, maxRounds: 2 });
    expect(error?.code).toBe('too_many_rounds');
    expect(error?.message).toBe("ag-ui agent 'mine': the agent was still calling Flowscope's tools after 2 runs (maxRounds)");
    expect(events.map((e) => e.type)).toEqual(['tool_executing', 'tool_completed', 'tool_executing', 'tool_completed']);
    expect(events[1]?.payload).toMatchObject({
      ok: false,
      error: "tool 'browser_alert' is not one Flowscope offers and the agent sent no TOOL_CALL_RESULT for it",
    });
    const second = server.requests[1]?.body as { messages: Array<{ role: string; error?: string }> };
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', error: expect.stringContaining('not one Flowscope offers') });
  });

  it('expands chunk events and reads the legacy THINKING_* events', async () => {
    const server = await serve((req, res) =>
      sse(res, [
        started(req.body),
        { raw: `data: ${JSON.stringify({ type: 'THINKING_START' })}\n\n` },
        { raw: `data: ${JSON.stringify({ type: 'THINKING_TEXT_MESSAGE_START' })}\n\n` },
        { raw: `data: ${JSON.stringify({ type: 'THINKING_TEXT_MESSAGE_CONTENT', delta: 'legacy thought' })}\n\n` },
        { raw: `data: ${JSON.stringify({ type: 'THINKING_TEXT_MESSAGE_END' })}\n\n` },
        { raw: `data: ${JSON.stringify({ type: 'THINKING_END' })}\n\n` },
        { type: 'REASONING_MESSAGE_CHUNK', messageId: 'r1', delta: 'chunked ' } as BaseEvent,
        { type: 'REASONING_MESSAGE_CHUNK', delta: 'reasoning' } as BaseEvent,
        { type: 'TOOL_CALL_CHUNK', toolCallId: 't1', toolCallName: 'lookup', delta: '{"q":' } as BaseEvent,
        { type: 'TOOL_CALL_CHUNK', toolCallId: 't1', delta: '"x"}' } as BaseEvent,
        { type: 'TOOL_CALL_RESULT', messageId: 'm-t', toolCallId: 't1', content: 'found' } as BaseEvent,
        { type: 'TEXT_MESSAGE_CHUNK', messageId: 'm1', delta: 'Hello ' } as BaseEvent,
        { type: 'TEXT_MESSAGE_CHUNK', messageId: 'm1', delta: 'world' } as BaseEvent,
        finished(req.body),
      ]),
    );
    const { result, error, events } = await runOnce({ url: server.url });
    expect(error).toBeUndefined();
    expect(result?.response).toBe('Hello world');
    expect(events).toEqual([
      { type: 'agent_thinking', payload: { thought: 'legacy thought', step: 1 } },
      { type: 'agent_thinking', payload: { thought: 'chunked reasoning', step: 2 } },
      { type: 'tool_executing', payload: { tool: 'lookup', call_id: 't1', args: { q: 'x' } } },
      { type: 'tool_completed', payload: { tool: 'lookup', call_id: 't1', ok: true, result: 'found', duration_ms: 0 } },
    ]);
  });

  it('parses SSE robustly: CRLF and CR line ends, comments, multi-line data, events split across writes', async () => {
    const server = await serve(async (req, res) => {
      const { threadId, runId } = req.body as { threadId: string; runId: string };
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      const raw =
        `: keep-alive\r\n\r\n` +
        `event: message\r\ndata: {"type":"RUN_STARTED",\r\ndata: "threadId":"${threadId}","runId":"${runId}"}\r\n\r\n` +
        `data: {"type":"TEXT_MESSAGE_START","messageId":"m1","role":"assistant"}\r\r` +
        `data:{"type":"TEXT_MESSAGE_CONTENT","messageId":"m1","delta":"h\u00e9llo \ud83d\ude00"}\n\n` +
        `data: {"type":"TEXT_MESSAGE_END","messageId":"m1"}\n\n` +
        `id: 7\ndata: {"type":"RUN_FINISHED","threadId":"${threadId}","runId":"${runId}"}\n\n`;
      const bytes = Buffer.from(raw, 'utf8');
      for (let i = 0; i < bytes.length; i += 3) {
        res.write(bytes.subarray(i, i + 3));
        if (i % 30 === 0) await sleep(1);
      }
      res.end();
    });
    const { result, error } = await runOnce({ url: server.url });
    expect(error).toBeUndefined();
    expect(result?.response).toBe('h\u00e9llo \ud83d\ude00');
  });
});

describe('createAguiAgent: failures', () => {
  it('RUN_ERROR fails the run with the agent message and code', async () => {
    const server = await serve((req, res) =>
      sse(res, [started(req.body), { type: 'RUN_ERROR', message: 'model overloaded', code: 'OVERLOADED' } as BaseEvent]),
    );
    const { error } = await runOnce({ url: server.url });
    expect(error?.code).toBe('agent_failed');
    expect(error?.message).toBe("ag-ui agent 'mine': RUN_ERROR: model overloaded (code OVERLOADED)");
  });

  it('a lifecycle violation fails the run naming the event', async () => {
    const first = await serve((_req, res) => sse(res, [...text('m1', 'too early')]));
    const early = await runOnce({ url: first.url });
    expect(early.error?.code).toBe('lifecycle_violation');
    expect(early.error?.message).toBe("ag-ui agent 'mine': event 1 (TEXT_MESSAGE_START before RUN_STARTED, which must come first)");

    const second = await serve((req, res) =>
      sse(res, [started(req.body), { type: 'TEXT_MESSAGE_CONTENT', messageId: 'nope', delta: 'x' } as BaseEvent, finished(req.body)]),
    );
    const unopened = await runOnce({ url: second.url });
    expect(unopened.error?.code).toBe('lifecycle_violation');
    expect(unopened.error?.message).toContain("event 2 (TEXT_MESSAGE_CONTENT for message 'nope', which is not open)");

    const third = await serve((req, res) =>
      sse(res, [started(req.body), { type: 'TOOL_CALL_START', toolCallId: 'c1', toolCallName: 'x' } as BaseEvent, finished(req.body)]),
    );
    const open = await runOnce({ url: third.url });
    expect(open.error?.message).toContain("RUN_FINISHED while tool call 'c1' is still open");

    // As @ag-ui/client's verifyEvents: reasoning messages and steps must be closed too, steps finished only once started.
    const fourth = await serve((req, res) =>
      sse(res, [
        started(req.body),
        { type: 'STEP_STARTED', stepName: 'plan' } as BaseEvent,
        { type: 'REASONING_MESSAGE_START', messageId: 'r1', role: 'reasoning' } as BaseEvent,
        finished(req.body),
      ]),
    );
    const unclosed = await runOnce({ url: fourth.url });
    expect(unclosed.error?.code).toBe('lifecycle_violation');
    expect(unclosed.error?.message).toBe("ag-ui agent 'mine': event 4 (RUN_FINISHED while reasoning message 'r1', step 'plan' is still open)");

    const fifth = await serve((req, res) => sse(res, [started(req.body), { type: 'STEP_FINISHED', stepName: 'never' } as BaseEvent, finished(req.body)]));
    const unstarted = await runOnce({ url: fifth.url });
    expect(unstarted.error?.message).toBe("ag-ui agent 'mine': event 2 (STEP_FINISHED for step 'never', which was not started)");

    const sixth = await serve((req, res) =>
      sse(res, [
        started(req.body),
        { type: 'STEP_STARTED', stepName: 's' } as BaseEvent,
        { type: 'STEP_STARTED', stepName: 's' } as BaseEvent,
        finished(req.body),
      ]),
    );
    const twice = await runOnce({ url: sixth.url });
    expect(twice.error?.message).toBe("ag-ui agent 'mine': event 3 (STEP_STARTED for step 's', which is already active)");
  });

  it('an event that fails the AG-UI schema, or is not JSON, is invalid_event', async () => {
    const server = await serve((req, res) => sse(res, [started(req.body), { raw: 'data: {"type":"TEXT_MESSAGE_START"}\n\n' }]));
    const { error } = await runOnce({ url: server.url });
    expect(error?.code).toBe('invalid_event');
    expect(error?.message).toContain('event 2 (TEXT_MESSAGE_START) is invalid: messageId:');
    const other = await serve((_req, res) => sse(res, [{ raw: 'data: {not json\n\n' }]));
    expect((await runOnce({ url: other.url })).error?.message).toMatch(/event 1 is not JSON/);
  });

  it('a stream that ends without RUN_FINISHED, a wrong content type and a 500 fail clearly', async () => {
    const cut = await serve((req, res) => sse(res, [started(req.body), ...text('m1', 'half')]));
    const ended = await runOnce({ url: cut.url });
    expect(ended.error?.code).toBe('no_completion');
    expect(ended.error?.message).toContain('ended after event 4 and no RUN_FINISHED or RUN_ERROR');

    const json = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    expect((await runOnce({ url: json.url })).error?.code).toBe('content_type');

    const failing = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('boom');
    });
    const status = await runOnce({ url: failing.url });
    expect(status.error?.code).toBe('http_status');
    expect(status.error?.message).toBe(`ag-ui agent 'mine': POST ${failing.url} answered 500 Internal Server Error: boom`);
  });

  it('a server that is down fails with connection; one that goes quiet with idle_timeout', async () => {
    const port = await closedPort();
    const down = await runOnce({ url: `http://127.0.0.1:${port}/agent` });
    expect(down.error?.code).toBe('connection');
    expect(down.error?.message).toContain('connection refused (ECONNREFUSED)');

    const slow = await serve((req, res) => {
      const answer = sseAnswer(res);
      answer.send(started(req.body));
      // then nothing
    });
    const quiet = await runOnce({ url: slow.url, idleTimeoutMs: 150 });
    expect(quiet.error?.code).toBe('idle_timeout');
    expect(quiet.error?.message).toBe("ag-ui agent 'mine': no bytes for 150 ms after event 1 (idle timeout)");
  });

  it('cancel aborts the request at once (the agent sees its connection close)', async () => {
    const server = await serve((req, res) => {
      const answer = sseAnswer(res);
      answer.send(started(req.body));
    });
    const run = recordedContext();
    const agent = createAguiAgent({ name: 'mine', url: server.url });
    const running = agent.run(run.context);
    await sleep(100);
    run.abort.abort(new Error('cancelled by user'));
    await expect(running).rejects.toThrow('cancelled by user');
    await server.clientGone;
    await run.context.settle('ended');
  });

  it('refuses bad options with one line', () => {
    expect(() => createAguiAgent({ name: 'bad name', url: 'http://x/' })).toThrow(AguiAgentConfigError);
    expect(() => createAguiAgent({ name: 'a', url: 'ftp://x/' })).toThrow(`ag-ui agent 'a': "ftp://x/" is not an http or https URL`);
    expect(() => createAguiAgent({ name: 'a', url: 'http://x/', maxRounds: 0 })).toThrow('maxRounds must be an integer from 1 to 100');
  });
});
