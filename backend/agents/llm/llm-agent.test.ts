import { describe, expect, it } from 'vitest';
import type { Tool } from '../agent-types.ts';
import { createDefaultTools } from '../tools/tool-registry.ts';
import { createLlmAgent } from './llm-agent.ts';
import { failureOf, runToEnd, startRun } from '../../../test/support/llm-run-harness.ts';
import { chunk, textReply, toolCallReply } from '../../../test/support/openai-compatible-server.ts';
import { useOpenAiCompatibleServer } from '../../../test/support/openai-server-suite.ts';

const { server, agentWith } = useOpenAiCompatibleServer();

type Message = { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: unknown };
const messagesOf = (index: number): Message[] => server.requests[index]?.body?.messages as Message[];

/** A tool that records its calls and answers `{ echoed: args }`. */
function echoTool(calls: Array<Record<string, unknown>> = []): Tool {
  return {
    name: 'echo',
    description: 'Echoes its arguments.',
    parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
    execute: (args) => {
      calls.push(args);
      return Promise.resolve({ echoed: args.text });
    },
  };
}

describe('llm agent: a text answer', () => {
  it('streams the answer, says what it does, sends the thread and the tools, and reports usage', async () => {
    server.enqueue(textReply('The answer is 42.', { fragments: 5, usage: { prompt_tokens: 31, completion_tokens: 7 } }));
    const agent = agentWith({ systemPrompt: 'You are terse.' });
    const history = [
      { role: 'user' as const, content: 'Earlier question' },
      { role: 'assistant' as const, content: 'Earlier answer' },
    ];
    const { result, run } = await runToEnd(agent, { content: 'What is the answer?', history });

    expect(result).toEqual({ response: 'The answer is 42.', usage: { input_tokens: 31, output_tokens: 7 } });
    expect(run.thoughts()).toEqual(['Asking test-model (turn 1 of at most 8)']);
    expect(run.types()).toEqual(['agent_thinking']);

    const request = server.requests[0];
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.body).toMatchObject({ model: 'test-model', stream: true, stream_options: { include_usage: true } });
    expect(messagesOf(0)).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Earlier question' },
      { role: 'assistant', content: 'Earlier answer' },
      { role: 'user', content: 'What is the answer?' },
    ]);
    const offered = (request?.body?.tools as Array<{ type: string; function: { name: string; description: string; parameters: unknown } }>) ?? [];
    const defaults = [...createDefaultTools().values()];
    expect(offered).toEqual(
      defaults.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } })),
    );
  });

  it('sends no system message without a prompt, no tools when there are none, no Authorization without a key', async () => {
    server.enqueue(textReply('hi'));
    const agent = createLlmAgent({ model: 'local-model', baseURL: server.baseURL });
    await runToEnd(agent, { content: 'hello', tools: new Map() });
    const request = server.requests[0];
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.body?.tools).toBeUndefined();
    expect(request?.body?.model).toBe('local-model');
    expect(messagesOf(0)).toEqual([{ role: 'user', content: 'hello' }]);
  });

  it("says the model's reasoning as a thought, from reasoning_content or reasoning", async () => {
    for (const field of ['reasoning_content', 'reasoning'] as const) {
      server.enqueue(textReply('Paris.', { reasoning: 'The user asks for the capital of France. That is Paris.', reasoningField: field }));
      const { result, run } = await runToEnd(agentWith(), { content: 'Capital of France?' });
      expect(result.response).toBe('Paris.');
      expect(run.thoughts()).toEqual(['Asking test-model (turn 1 of at most 8)', 'The user asks for the capital of France. That is Paris.']);
      server.requests.length = 0;
    }
  });

  it('reports no usage when the endpoint sends none (rather than zeros)', async () => {
    server.enqueue(textReply('no usage here'));
    const { result } = await runToEnd(agentWith());
    expect(result).toEqual({ response: 'no usage here', usage: undefined });
  });

  it('asks again without stream_options when an older server refuses it, and remembers', async () => {
    server.enqueue(
      { kind: 'error', status: 400, body: { error: { message: 'Unrecognized request argument supplied: stream_options', type: 'invalid_request_error' } } },
      textReply('answered anyway'),
      textReply('second run'),
    );
    const agent = agentWith();
    const { result, run } = await runToEnd(agent);
    expect(result).toEqual({ response: 'answered anyway', usage: undefined });
    expect(run.thoughts()[1]).toBe('The endpoint refuses stream_options: asking again without it (no usage will be reported).');
    expect(server.requests.map((r) => r.body?.stream_options)).toEqual([{ include_usage: true }, undefined]);
    await runToEnd(agent);
    expect(server.requests[2]?.body?.stream_options).toBeUndefined();
  });

  it('accepts a stream that ends without [DONE] once the model finished', async () => {
    server.enqueue({ ...textReply('done anyway'), done: false } as ReturnType<typeof textReply>);
    const { result } = await runToEnd(agentWith());
    expect(result.response).toBe('done anyway');
  });

  it('says when the answer was cut at the token limit, and fails when the limit came before any answer', async () => {
    server.enqueue(textReply('A long ans', { finishReason: 'length' }));
    const { result, run } = await runToEnd(agentWith());
    expect(result.response).toBe('A long ans');
    expect(run.thoughts()[1]).toMatch(/cut at the model's output token limit/);

    server.enqueue({ kind: 'stream', events: [chunk({ reasoning_content: 'thinking and thinking' }), chunk({}, 'length')] });
    const failed = await failureOf(agentWith());
    expect(failed.message).toMatch(/output token limit before answering \(finish_reason: length\)/);
  });
});

describe('llm agent: tool calls', () => {
  it("assembles fragmented, interleaved calls, runs them with the model's call ids, and sends the results back", async () => {
    server.enqueue(
      toolCallReply(
        [
          { id: 'call_calc', name: 'calculator', arguments: '{"expression": "6 * 7"}' },
          { id: 'call_echo', name: 'echo', arguments: '{"text": "fragments join"}' },
        ],
        { fragmentSize: 3, content: 'Let me compute that.', usage: { prompt_tokens: 50, completion_tokens: 20 } },
      ),
      textReply('6 * 7 is 42.', { usage: { prompt_tokens: 80, completion_tokens: 9 } }),
    );
    const echoed: Array<Record<string, unknown>> = [];
    const tools = new Map([...createDefaultTools(), ['echo', echoTool(echoed)]]);
    const { result, run } = await runToEnd(agentWith(), { content: 'What is 6 * 7?', tools });

    expect(result).toEqual({ response: '6 * 7 is 42.', usage: { input_tokens: 130, output_tokens: 29 } });
    expect(echoed).toEqual([{ text: 'fragments join' }]);
    const toolEvents = run.events.filter((e) => e.type === 'tool_executing' || e.type === 'tool_completed');
    expect(toolEvents.filter((e) => e.type === 'tool_executing').map((e) => e.payload)).toEqual([
      { tool: 'calculator', call_id: 'call_calc', args: { expression: '6 * 7' } },
      { tool: 'echo', call_id: 'call_echo', args: { text: 'fragments join' } },
    ]);
    const completed = toolEvents.flatMap((e) => (e.type === 'tool_completed' ? [e.payload] : []));
    expect(completed.map((p) => [p.call_id, p.ok, p.result]).sort()).toEqual([
      ['call_calc', true, { expression: '6 * 7', value: 42 }],
      ['call_echo', true, { echoed: 'fragments join' }],
    ]);
    expect(run.thoughts()).toEqual([
      'Asking test-model (turn 1 of at most 8)',
      'Let me compute that.',
      'Asking test-model (turn 2 of at most 8) with 2 tool results',
    ]);

    const second = messagesOf(1);
    expect(second.slice(0, 1)).toEqual([{ role: 'user', content: 'What is 6 * 7?' }]);
    expect(second[1]).toEqual({
      role: 'assistant',
      content: 'Let me compute that.',
      tool_calls: [
        { id: 'call_calc', type: 'function', function: { name: 'calculator', arguments: '{"expression": "6 * 7"}' } },
        { id: 'call_echo', type: 'function', function: { name: 'echo', arguments: '{"text": "fragments join"}' } },
      ],
    });
    expect(second.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'call_calc', content: JSON.stringify({ expression: '6 * 7', value: 42 }) },
      { role: 'tool', tool_call_id: 'call_echo', content: JSON.stringify({ echoed: 'fragments join' }) },
    ]);
  });

  it('runs the calls of one turn in parallel', async () => {
    // Each call waits until both have started: run one after the other, they would time out.
    let started = 0;
    let release: () => void = () => undefined;
    const bothStarted = new Promise<void>((resolve) => (release = resolve));
    const barrier: Tool = {
      name: 'barrier',
      description: 'Waits for the other call.',
      parameters: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
      async execute(args) {
        started += 1;
        if (started === 2) release();
        const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the other call never started')), 2000));
        await Promise.race([bothStarted, timeout]);
        return { n: args.n };
      },
    };
    server.enqueue(
      toolCallReply([
        { id: 'b1', name: 'barrier', arguments: '{"n":1}' },
        { id: 'b2', name: 'barrier', arguments: '{"n":2}' },
      ]),
      textReply('both done'),
    );
    const { result, run } = await runToEnd(agentWith(), { tools: new Map([['barrier', barrier]]) });
    expect(result.response).toBe('both done');
    const completed = run.events.flatMap((e) => (e.type === 'tool_completed' ? [e.payload] : []));
    expect(completed.every((p) => p.ok)).toBe(true);
    // Both pairs were open at once: the two tool_executing come before any tool_completed.
    expect(run.types().filter((t) => t.startsWith('tool_'))).toEqual(['tool_executing', 'tool_executing', 'tool_completed', 'tool_completed']);
  });

  it('turns arguments that are not a JSON object into a failed call the model is told about', async () => {
    const echoed: Array<Record<string, unknown>> = [];
    server.enqueue(
      toolCallReply([
        { id: 'bad_json', name: 'echo', arguments: '{"text": "unterminated' },
        { id: 'not_object', name: 'echo', arguments: '[1, 2]' },
        { id: 'bad_schema', name: 'echo', arguments: '{"text": 5}' },
        { id: 'unknown', name: 'no_such_tool', arguments: '{}' },
      ]),
      textReply('I could not use the tools.'),
    );
    const { result, run } = await runToEnd(agentWith(), { tools: new Map([['echo', echoTool(echoed)]]) });
    expect(result.response).toBe('I could not use the tools.');
    expect(echoed).toEqual([]);
    const completed = Object.fromEntries(run.events.flatMap((e) => (e.type === 'tool_completed' ? [[e.payload.call_id, e.payload]] : [])));
    expect(completed.bad_json).toMatchObject({ ok: false, tool: 'echo' });
    expect(completed.bad_json?.error).toMatch(/not valid JSON.*unterminated/);
    expect(completed.not_object?.error).toMatch(/an array, not a JSON object/);
    expect(completed.bad_schema?.error).toMatch(/invalid arguments: .*text/);
    expect(completed.unknown?.error).toMatch(/unknown tool 'no_such_tool'/);
    const toolMessages = messagesOf(1).filter((m) => m.role === 'tool');
    expect(toolMessages.map((m) => m.tool_call_id)).toEqual(['bad_json', 'not_object', 'bad_schema', 'unknown']);
    for (const message of toolMessages) expect(JSON.parse(message.content as string)).toHaveProperty('error');
  });

  it('makes ids unique when the model reuses or omits them, consistently in events and messages', async () => {
    server.enqueue(
      toolCallReply([
        { id: 'call_0', name: 'echo', arguments: '{"text":"a"}' },
        { name: 'echo', arguments: '{"text":"b"}' },
      ]),
      toolCallReply([{ id: 'call_0', name: 'echo', arguments: '{"text":"c"}' }]),
      textReply('ok'),
    );
    const { run } = await runToEnd(agentWith(), { tools: new Map([['echo', echoTool()]]) });
    const ids = run.events.flatMap((e) => (e.type === 'tool_executing' ? [e.payload.call_id] : []));
    expect(ids).toEqual(['call_0', 'call_1_2', 'call_0_2_1']);
    const third = messagesOf(2);
    const assistantIds = third.flatMap((m) => (Array.isArray(m.tool_calls) ? (m.tool_calls as Array<{ id: string }>).map((c) => c.id) : []));
    const toolIds = third.flatMap((m) => (m.role === 'tool' ? [m.tool_call_id] : []));
    expect(assistantIds).toEqual(ids);
    expect(toolIds).toEqual(ids);
  });

  it('fails a run still calling tools after maxRounds, saying so', async () => {
    server.enqueue(
      toolCallReply([{ id: 'r1', name: 'echo', arguments: '{"text":"1"}' }]),
      toolCallReply([{ id: 'r2', name: 'echo', arguments: '{"text":"2"}' }]),
    );
    const failed = await failureOf(agentWith({ maxRounds: 2 }), { tools: new Map([['echo', echoTool()]]) });
    expect(failed.message).toBe('the model was still calling tools after 2 turns, the most a run may take (maxRounds, LLM_MAX_ROUNDS)');
    expect(server.requests).toHaveLength(2);
    expect(failed.run.thoughts()[1]).toBe('Asking test-model (turn 2 of at most 2) with 1 tool result');
  });

  it('offers a tool whose name the API refuses under a mapped name, says so, and calls the tool by its own name', async () => {
    const dotted: Tool = { ...echoTool(), name: 'my.tool' };
    server.enqueue(toolCallReply([{ id: 'd1', name: 'my__tool', arguments: '{"text":"dot"}' }]), textReply('fine'));
    const { run } = await runToEnd(agentWith(), {
      tools: new Map([
        ['echo', echoTool()],
        ['my.tool', dotted],
      ]),
    });
    const offered = (server.requests[0]?.body?.tools as Array<{ function: { name: string } }>).map((t) => t.function.name);
    expect(offered).toEqual(['echo', 'my__tool']);
    expect(run.thoughts()[0]).toBe('Asking test-model (turn 1 of at most 8); tool names the API refuses, offered as: my.tool -> my__tool');
    expect(run.events.find((e) => e.type === 'tool_executing')?.payload).toEqual({ tool: 'my.tool', call_id: 'd1', args: { text: 'dot' } });
    expect(run.events.find((e) => e.type === 'tool_completed')?.payload).toMatchObject({ tool: 'my.tool', call_id: 'd1', ok: true });
    const sent = server.requests[1]?.body?.messages as Array<{ role: string; tool_calls?: Array<{ function: { name: string } }> }>;
    expect(sent.find((m) => m.role === 'assistant')?.tool_calls?.[0]?.function.name).toBe('my__tool');
  });

  it("reports no usage when one of the run's calls sent none", async () => {
    server.enqueue(
      toolCallReply([{ id: 'u1', name: 'echo', arguments: '{"text":"x"}' }], { usage: { prompt_tokens: 5, completion_tokens: 5 } }),
      textReply('no usage on this one'),
    );
    const { result } = await runToEnd(agentWith(), { tools: new Map([['echo', echoTool()]]) });
    expect(result.usage).toBeUndefined();
  });

  it('runs with many tool turns and keeps each pair whole', async () => {
    server.enqueue(
      toolCallReply([{ id: 'm1', name: 'echo', arguments: '{"text":"1"}' }]),
      toolCallReply(
        [
          { id: 'm2', name: 'echo', arguments: '{"text":"2"}' },
          { id: 'm3', name: 'echo', arguments: '{"text":"3"}' },
        ],
        { interleave: false },
      ),
      textReply('three echoes'),
    );
    const run = startRun(agentWith(), { tools: new Map([['echo', echoTool()]]) });
    const outcome = await run.done;
    expect(outcome.ok).toBe(true);
    const open = new Set<string>();
    for (const event of run.events) {
      if (event.type === 'tool_executing') open.add(event.payload.call_id);
      if (event.type === 'tool_completed') expect(open.delete(event.payload.call_id)).toBe(true);
    }
    expect(open.size).toBe(0);
    expect(run.thoughts().filter((t) => t.startsWith('Asking'))).toHaveLength(3);
  });
});
