import { describe, expect, it } from 'vitest';
import type { RunEventDraft } from '../../protocol/index.ts';
import { agentThinkingPayloadSchema, toolCompletedPayloadSchema, toolExecutingPayloadSchema } from '../../protocol/index.ts';
import { createAgentContext } from './agent-context.ts';
import type { Tool } from './agent-types.ts';
import { createRecordingAgentContext } from './recording-agent-context.ts';

function tool(name: string, execute: Tool['execute']): Tool {
  return { name, description: name, parameters: { type: 'object' }, execute };
}

const echo = tool('echo', (args) => Promise.resolve({ echoed: args }));
const broken = tool('broken', () => Promise.reject(new Error('boom')));
const tools = new Map<string, Tool>([
  ['echo', echo],
  ['broken', broken],
]);

function expectProtocolShapes(events: RunEventDraft[]): void {
  for (const event of events) {
    const schema =
      event.type === 'agent_thinking' ? agentThinkingPayloadSchema : event.type === 'tool_executing' ? toolExecutingPayloadSchema : toolCompletedPayloadSchema;
    expect(schema.safeParse(event.payload).success, JSON.stringify(event)).toBe(true);
  }
}

describe('createAgentContext', () => {
  it('exposes the run identity and input', () => {
    const signal = new AbortController().signal;
    const context = createAgentContext({
      runId: 'r',
      userId: 'u',
      threadId: 't',
      input: { content: 'hi' },
      signal,
      tools,
      emit: () => Promise.resolve(),
    });
    expect([context.runId, context.userId, context.threadId, context.input.content, context.signal]).toEqual(['r', 'u', 't', 'hi', signal]);
  });

  it('numbers thinking steps from 1', async () => {
    const { context, events } = createRecordingAgentContext({ tools });
    await context.think('first');
    await context.think('second');
    expect(events).toEqual([
      { type: 'agent_thinking', payload: { thought: 'first', step: 1 } },
      { type: 'agent_thinking', payload: { thought: 'second', step: 2 } },
    ]);
  });

  it('runs a real tool between tool_executing and tool_completed, with per-run call ids', async () => {
    const { context, events } = createRecordingAgentContext({ tools, runId: 'run-9', monotonicNow: () => 0 });
    const first = await context.callTool('echo', { a: 1 });
    const second = await context.callTool('echo', { b: 2 });
    expect(first).toEqual({ callId: 'run-9:call-1', ok: true, result: { echoed: { a: 1 } }, durationMs: 0 });
    expect(second.ok).toBe(true);
    expect(events).toEqual([
      { type: 'tool_executing', payload: { tool: 'echo', call_id: 'run-9:call-1', args: { a: 1 } } },
      { type: 'tool_completed', payload: { tool: 'echo', call_id: 'run-9:call-1', ok: true, result: { echoed: { a: 1 } }, duration_ms: 0 } },
      { type: 'tool_executing', payload: { tool: 'echo', call_id: 'run-9:call-2', args: { b: 2 } } },
      { type: 'tool_completed', payload: { tool: 'echo', call_id: 'run-9:call-2', ok: true, result: { echoed: { b: 2 } }, duration_ms: 0 } },
    ]);
    expectProtocolShapes(events);
  });

  it('measures duration with the monotonic clock', async () => {
    let t = 100;
    const slow = tool('slow', () => {
      t += 42;
      return Promise.resolve('done');
    });
    const { context, events } = createRecordingAgentContext({ tools: new Map([['slow', slow]]), monotonicNow: () => t });
    expect((await context.callTool('slow', {})).durationMs).toBe(42);
    expect(events[1]?.payload).toMatchObject({ duration_ms: 42 });
  });

  it('reports a throwing tool as ok: false with its message', async () => {
    const { context, events } = createRecordingAgentContext({ tools });
    const outcome = await context.callTool('broken', {});
    expect(outcome).toMatchObject({ ok: false, error: 'boom' });
    expect(events[1]).toMatchObject({ type: 'tool_completed', payload: { ok: false, error: 'boom' } });
    expect(events[1]?.payload).not.toHaveProperty('result');
    expectProtocolShapes(events);
  });

  it('reports a synchronously throwing tool too', async () => {
    const sync = tool('sync', () => {
      throw new Error('sync boom');
    });
    const { context } = createRecordingAgentContext({ tools: new Map([['sync', sync]]) });
    await expect(context.callTool('sync', {})).resolves.toMatchObject({ ok: false, error: 'sync boom' });
  });

  it('reports an unknown tool as ok: false', async () => {
    const { context, types } = createRecordingAgentContext({ tools });
    await expect(context.callTool('nope', {})).resolves.toMatchObject({ ok: false, error: "unknown tool 'nope'" });
    expect(types()).toEqual(['tool_executing', 'tool_completed']);
  });

  it('passes results through JSON: undefined → null, unserializable → failure', async () => {
    const odd = new Map<string, Tool>([
      ['nothing', tool('nothing', () => Promise.resolve(undefined))],
      ['date', tool('date', () => Promise.resolve({ at: new Date('2026-01-01T00:00:00Z') }))],
      ['bigint', tool('bigint', () => Promise.resolve({ n: 1n }))],
    ]);
    const { context } = createRecordingAgentContext({ tools: odd });
    await expect(context.callTool('nothing', {})).resolves.toMatchObject({ ok: true, result: null });
    await expect(context.callTool('date', {})).resolves.toMatchObject({ ok: true, result: { at: '2026-01-01T00:00:00.000Z' } });
    await expect(context.callTool('bigint', {})).resolves.toMatchObject({ ok: false, error: expect.stringMatching(/BigInt/) });
  });

  it('times out a tool that never settles and aborts its signal', async () => {
    let toolSignal: AbortSignal | undefined;
    const hang = tool('hang', (_args, signal) => {
      toolSignal = signal;
      return new Promise(() => undefined);
    });
    const { context } = createRecordingAgentContext({ tools: new Map([['hang', hang]]), toolTimeoutMs: 20 });
    await expect(context.callTool('hang', {})).resolves.toMatchObject({ ok: false, error: "tool 'hang' timed out after 20 ms" });
    expect(toolSignal?.aborted).toBe(true);
  });

  it('runs overlapping calls in parallel: each pair whole, completions in finishing order', async () => {
    const slow = tool('slow', async () => {
      await new Promise((r) => setTimeout(r, 30));
      return 'slow';
    });
    const fast = tool('fast', () => Promise.resolve('fast'));
    const { context, events } = createRecordingAgentContext({
      tools: new Map([
        ['slow', slow],
        ['fast', fast],
      ]),
    });
    const started = Date.now();
    const [a, b] = await Promise.all([context.callTool('slow', {}), context.callTool('fast', {})]);
    expect(Date.now() - started).toBeLessThan(200);
    expect([a.callId, b.callId]).toEqual(['run-1:call-1', 'run-1:call-2']);
    expect(events.map((e) => `${e.type}:${'call_id' in e.payload ? e.payload.call_id : ''}`)).toEqual([
      'tool_executing:run-1:call-1',
      'tool_executing:run-1:call-2',
      'tool_completed:run-1:call-2',
      'tool_completed:run-1:call-1',
    ]);
  });

  it('reports a given call id, and refuses one used before in the run', async () => {
    const { context, events } = createRecordingAgentContext({ tools });
    await expect(context.callTool('echo', { n: 1 }, { callId: 'call_abc' })).resolves.toMatchObject({ callId: 'call_abc', ok: true });
    await expect(context.callTool('echo', {}, { callId: 'call_abc' })).rejects.toThrow("call id 'call_abc' was already used");
    expect(events.map((e) => e.type)).toEqual(['tool_executing', 'tool_completed']);
  });

  it('validates arguments against the tool schema before it runs, naming each path', async () => {
    let ran = false;
    const strict: Tool = {
      name: 'strict',
      description: 'strict',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } },
        required: ['city'],
        additionalProperties: false,
      },
      execute: () => {
        ran = true;
        return Promise.resolve(null);
      },
    };
    const { context, events } = createRecordingAgentContext({ tools: new Map([['strict', strict]]) });
    const outcome = await context.callTool('strict', { days: 0, extra: true });
    expect(ran).toBe(false);
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toContain('args.city: is required');
    expect(outcome.error).toContain('args.days: must be >= 1');
    expect(outcome.error).toContain('args.extra: is not an accepted argument');
    expect(events.map((e) => e.type)).toEqual(['tool_executing', 'tool_completed']);
    await expect(context.callTool('strict', { city: 'Paris' })).resolves.toMatchObject({ ok: true });
  });

  it('hands events to emit one at a time, in order, even when emits are slow', async () => {
    const order: string[] = [];
    let inFlight = 0;
    const context = createAgentContext({
      runId: 'r',
      userId: 'u',
      threadId: 't',
      input: { content: '' },
      signal: new AbortController().signal,
      tools,
      emit: async (draft) => {
        inFlight += 1;
        expect(inFlight).toBe(1);
        await new Promise((r) => setTimeout(r, 2));
        order.push(draft.type === 'agent_thinking' ? draft.payload.thought : draft.type);
        inFlight -= 1;
      },
    });
    await Promise.all([context.think('a'), context.think('b'), context.callTool('echo', {}), context.think('c')]);
    expect(order).toEqual(['a', 'b', 'tool_executing', 'c', 'tool_completed']);
  });

  it('fails every later event once an emit failed (no gap in seq), and says so in settle', async () => {
    let fail = true;
    const events: RunEventDraft[] = [];
    const context = createAgentContext({
      runId: 'r',
      userId: 'u',
      threadId: 't',
      input: { content: '' },
      signal: new AbortController().signal,
      tools,
      emit: (draft) => {
        if (fail) {
          fail = false;
          return Promise.reject(new Error('store down'));
        }
        events.push(draft);
        return Promise.resolve();
      },
    });
    await expect(context.think('lost')).rejects.toThrow('store down');
    await expect(context.think('after')).rejects.toThrow('store down');
    await expect(context.settle('ended')).rejects.toThrow('store down');
    expect(events).toEqual([]);
  });
});

describe('report (events an agent produced itself)', () => {
  it('relays thinking and whole tool pairs with the given ids', async () => {
    const { context, events } = createRecordingAgentContext();
    await context.report({ type: 'agent_thinking', payload: { thought: 'plan', step: 1 } });
    await context.report({ type: 'tool_executing', payload: { tool: 'weather', call_id: 'w1', args: { city: 'Oslo' } } });
    await context.report({ type: 'tool_completed', payload: { tool: 'weather', call_id: 'w1', ok: true, result: { t: 3 }, duration_ms: 12 } });
    expectProtocolShapes(events);
    expect(events).toEqual([
      { type: 'agent_thinking', payload: { thought: 'plan', step: 1 } },
      { type: 'tool_executing', payload: { tool: 'weather', call_id: 'w1', args: { city: 'Oslo' } } },
      { type: 'tool_completed', payload: { tool: 'weather', call_id: 'w1', ok: true, result: { t: 3 }, duration_ms: 12 } },
    ]);
  });

  it('refuses a completion without its executing, for another tool, or twice', async () => {
    const { context } = createRecordingAgentContext();
    const done = (tool: string, id: string) =>
      context.report({ type: 'tool_completed', payload: { tool, call_id: id, ok: true, result: null, duration_ms: 1 } });
    await expect(done('weather', 'nope')).rejects.toThrow(/without an open tool_executing/);
    await context.report({ type: 'tool_executing', payload: { tool: 'weather', call_id: 'w1', args: {} } });
    await expect(done('clock', 'w1')).rejects.toThrow(/names tool 'clock'/);
    await done('weather', 'w1');
    await expect(done('weather', 'w1')).rejects.toThrow(/without an open tool_executing/);
    await expect(context.report({ type: 'tool_executing', payload: { tool: 'weather', call_id: 'w1', args: {} } })).rejects.toThrow(/already used/);
  });

  it('settle completes the calls left open, so pairs stay whole, and refuses events after it', async () => {
    const { context, events } = createRecordingAgentContext();
    await context.report({ type: 'tool_executing', payload: { tool: 'weather', call_id: 'w1', args: {} } });
    await context.settle('the run ended before the call completed');
    expect(events.at(-1)).toEqual({
      type: 'tool_completed',
      payload: { tool: 'weather', call_id: 'w1', ok: false, error: 'the run ended before the call completed', duration_ms: 0 },
    });
    await expect(context.think('late')).rejects.toThrow(/after the run ended/);
  });

  it('gives the agent its history, name and every tool with its schema', () => {
    const { context } = createRecordingAgentContext();
    expect(context.history).toEqual([]);
    expect(context.tools.map((t) => t.name)).toEqual(['calculator', 'clock', 'search_docs']);
    for (const info of context.tools) expect(info.parameters.type).toBe('object');
  });
});

describe('simulateTool', () => {
  it('reports the given result after the delay', async () => {
    const { context, events } = createRecordingAgentContext({ runId: 'r' });
    const started = Date.now();
    const outcome = await context.simulateTool('weather', { city: 'Paris' }, { result: { temp: 21 }, delayMs: 30 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(outcome).toMatchObject({ ok: true, result: { temp: 21 } });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(25);
    expect(events).toEqual([
      { type: 'tool_executing', payload: { tool: 'weather', call_id: 'r:call-1', args: { city: 'Paris' } } },
      { type: 'tool_completed', payload: { tool: 'weather', call_id: 'r:call-1', ok: true, result: { temp: 21 }, duration_ms: outcome.durationMs } },
    ]);
    expectProtocolShapes(events);
  });

  it('reports a failure with the given error, or a default one', async () => {
    const { context } = createRecordingAgentContext();
    await expect(context.simulateTool('db', {}, { fail: true, error: 'connection refused' })).resolves.toMatchObject({
      ok: false,
      error: 'connection refused',
    });
    await expect(context.simulateTool('db', {}, { fail: true })).resolves.toMatchObject({ ok: false, error: "tool 'db' failed" });
  });

  it('reports null when no result is given', async () => {
    const { context } = createRecordingAgentContext();
    await expect(context.simulateTool('x', {}, {})).resolves.toMatchObject({ ok: true, result: null });
  });
});

describe('abort', () => {
  it('refuses to start anything once aborted, emitting nothing', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    const { context, events } = createRecordingAgentContext({ signal: controller.signal, tools });
    await expect(context.think('x')).rejects.toThrow('cancelled');
    await expect(context.callTool('echo', {})).rejects.toThrow('cancelled');
    await expect(context.simulateTool('x', {}, {})).rejects.toThrow('cancelled');
    expect(events).toEqual([]);
  });

  it("completes a running tool as aborted (its signal aborted with the run's reason), then throws the reason", async () => {
    const controller = new AbortController();
    let toolSignal: AbortSignal | undefined;
    const hang = tool('hang', (_args, signal) => {
      toolSignal = signal;
      return new Promise(() => undefined);
    });
    const { context, events } = createRecordingAgentContext({ signal: controller.signal, tools: new Map([['hang', hang]]) });
    const call = context.callTool('hang', {});
    setTimeout(() => controller.abort('shutdown'), 10);
    await expect(call).rejects.toBe('shutdown');
    expect([toolSignal?.aborted, toolSignal?.reason]).toEqual([true, 'shutdown']);
    expect(events.map((e) => e.type)).toEqual(['tool_executing', 'tool_completed']);
    expect(events[1]?.payload).toMatchObject({ ok: false, error: 'aborted' });
  });

  it('aborts parallel tool calls together, each signal with the reason, with no listener warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const signals: AbortSignal[] = [];
      const hang = tool('hang', (_args, signal) => {
        signals.push(signal);
        return new Promise(() => undefined);
      });
      const { context } = createRecordingAgentContext({ signal: controller.signal, tools: new Map([['hang', hang]]) });
      const calls = Array.from({ length: 6 }, () => context.callTool('hang', {}).catch((reason: unknown) => reason));
      await new Promise((r) => setTimeout(r, 20));
      controller.abort('stop');
      expect(await Promise.all(calls)).toEqual(Array(6).fill('stop'));
      expect(signals.map((s) => [s.aborted, s.reason])).toEqual(Array(6).fill([true, 'stop']));
      await new Promise((r) => setTimeout(r, 10)); // warnings are emitted on the next tick
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('cuts a simulated delay short', async () => {
    const controller = new AbortController();
    const { context, events } = createRecordingAgentContext({ signal: controller.signal });
    const started = Date.now();
    const call = context.simulateTool('slow', {}, { delayMs: 60_000 });
    setTimeout(() => controller.abort(new Error('cancelled')), 10);
    await expect(call).rejects.toThrow('cancelled');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(events[1]?.payload).toMatchObject({ ok: false, error: 'aborted' });
  });
});
