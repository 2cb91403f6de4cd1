import { describe, expect, it } from 'vitest';
import type { RunEventDraft } from '../../protocol/index.ts';
import type { Tool } from './agent-types.ts';
import { createAssistantAgent } from './assistant-agent.ts';
import { createRecordingAgentContext } from './recording-agent-context.ts';
import { createDefaultTools } from './tools/tool-registry.ts';

const NOW = new Date('2026-01-05T14:03:07Z');
const agent = createAssistantAgent();

async function run(content: string, tools: ReadonlyMap<string, Tool> = createDefaultTools({ now: () => NOW })) {
  const recording = createRecordingAgentContext({ content, tools, runId: 'run-a', monotonicNow: () => 0 });
  const result = await agent.run(recording.context);
  return { ...recording, result };
}

/** agent_thinking+, then (tool_executing, tool_completed)+ (protocol.md §5, without the engine's events). */
function expectProtocolOrder(events: RunEventDraft[]): void {
  const types = events.map((event) => event.type);
  const firstTool = types.indexOf('tool_executing');
  expect(firstTool).toBeGreaterThan(0);
  expect(types.slice(0, firstTool).every((type) => type === 'agent_thinking')).toBe(true);
  const toolEvents = types.slice(firstTool);
  expect(toolEvents.length % 2).toBe(0);
  for (let i = 0; i < toolEvents.length; i += 2) {
    expect([toolEvents[i], toolEvents[i + 1]]).toEqual(['tool_executing', 'tool_completed']);
  }
}

function toolsCalled(events: RunEventDraft[]): string[] {
  return events.flatMap((event) => (event.type === 'tool_executing' ? [event.payload.tool] : []));
}

describe('assistant agent', () => {
  it('is named assistant', () => {
    expect(agent.name).toBe('assistant');
  });

  it('calculates: thinks twice, calls the calculator, answers with the value', async () => {
    const { events, result } = await run('what is 2 + 2 * 3?');
    expect(events).toEqual([
      { type: 'agent_thinking', payload: { thought: 'The user asks: "what is 2 + 2 * 3?"', step: 1 } },
      {
        type: 'agent_thinking',
        payload: { thought: 'Plan: calculator to evaluate 2 + 2 * 3; then answer from the results.', step: 2 },
      },
      { type: 'tool_executing', payload: { tool: 'calculator', call_id: 'run-a:call-1', args: { expression: '2 + 2 * 3' } } },
      {
        type: 'tool_completed',
        payload: { tool: 'calculator', call_id: 'run-a:call-1', ok: true, result: { expression: '2 + 2 * 3', value: 8 }, duration_ms: 0 },
      },
    ]);
    expect(result.response).toBe('2 + 2 * 3 = 8.');
  });

  it('handles functions', async () => {
    expect((await run('sqrt(16) + 1')).result.response).toBe('sqrt(16) + 1 = 5.');
  });

  it('tells the time with the clock', async () => {
    const { events, result } = await run('What time is it?');
    expect(toolsCalled(events)).toEqual(['clock']);
    expect(result.response).toBe('It is Monday, 2026-01-05 14:03:07 UTC.');
    expectProtocolOrder(events);
  });

  it('tells the time in a named zone', async () => {
    expect((await run('what time is it in Europe/Paris?')).result.response).toBe('It is Monday, 2026-01-05 15:03:07 Europe/Paris (GMT+1).');
  });

  it('searches the docs otherwise', async () => {
    const { events, result } = await run('How do I resume after a disconnect?');
    expect(toolsCalled(events)).toEqual(['search_docs']);
    expect(events[2]?.payload).toMatchObject({ args: { query: 'How do I resume after a disconnect?' } });
    expect(result.response).toMatch(/^From the docs \(Resuming after a disconnect\): .*after_seq.*\. See also: /);
    expectProtocolOrder(events);
  });

  it('says when the docs have nothing', async () => {
    expect((await run('xylophone quartet')).result.response).toMatch(/^I found nothing in the docs/);
  });

  it('names every chosen tool in the plan, and thinks before any tool', async () => {
    const { events, result } = await run('what is 3*4 and what time is it');
    expect(toolsCalled(events)).toEqual(['calculator', 'clock']);
    expect(events[1]).toEqual({
      type: 'agent_thinking',
      payload: { thought: 'Plan: calculator to evaluate 3*4; clock for the current time in UTC; then answer from the results.', step: 2 },
    });
    expect(result.response).toBe('3*4 = 12. It is Monday, 2026-01-05 14:03:07 UTC.');
    expectProtocolOrder(events);
  });

  it('reports a failed tool in the answer and still succeeds', async () => {
    const { events, result } = await run('what is 1 / 0?');
    expect(events[3]).toMatchObject({ type: 'tool_completed', payload: { ok: false, error: 'division by zero at 2' } });
    expect(result.response).toBe('I could not evaluate 1 / 0: division by zero at 2.');
  });

  it('reports an unknown timezone', async () => {
    const { result } = await run('what time is it in Europe/Atlantis');
    expect(result.response).toMatch(/^I could not read the clock: unknown timezone 'Europe\/Atlantis'/);
  });

  it('reports a missing tool (a misconfigured tool set) without failing', async () => {
    const { result } = await run('what is 2+2', new Map());
    expect(result.response).toBe("I could not evaluate 2+2: unknown tool 'calculator'.");
  });

  it('is deterministic for the same input', async () => {
    for (const content of ['what is 2 + 2 * 3?', 'How do priorities work?', 'what time is it in Tokyo']) {
      const a = await run(content);
      const b = await run(content);
      expect(a.events).toEqual(b.events);
      expect(a.result).toEqual(b.result);
    }
  });

  it('quotes long content briefly in its first thought', async () => {
    const { events } = await run(`explain ${'events '.repeat(100)}`);
    const thought = events[0]?.type === 'agent_thinking' ? events[0].payload.thought : '';
    expect(thought.length).toBeLessThan(230);
    expect(thought.endsWith('…"')).toBe(true);
  });

  it('stops at once when the run is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    const recording = createRecordingAgentContext({ content: 'what is 1+1', signal: controller.signal });
    await expect(agent.run(recording.context)).rejects.toThrow('cancelled');
    expect(recording.events).toEqual([]);
  });

  it('stops between tools when aborted during one', async () => {
    const controller = new AbortController();
    const tools = createDefaultTools({ now: () => NOW });
    const calculator = tools.get('calculator');
    const abortingCalculator: Tool = {
      name: 'calculator',
      description: '',
      parameters: { type: 'object' },
      async execute(args, signal) {
        const result = await calculator?.execute(args, signal);
        controller.abort(new Error('cancelled'));
        return result;
      },
    };
    const recording = createRecordingAgentContext({
      content: 'what is 1+1 and 2+2',
      signal: controller.signal,
      tools: new Map([...tools, ['calculator', abortingCalculator]]),
    });
    await expect(agent.run(recording.context)).rejects.toThrow('cancelled');
    expect(toolsCalled(recording.events)).toEqual(['calculator']);
    expect(recording.types().at(-1)).toBe('tool_completed');
  });
});
