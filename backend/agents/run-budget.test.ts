/**
 * The run budget as the agent context charges it (issue 17, defects 2 and 4): events, bytes,
 * thought length; an un-awaited loop ends by exception; pairs stay whole at the limit.
 */
import { describe, expect, it } from 'vitest';
import type { RunEventDraft } from '../../protocol/index.ts';
import { createAgentContext } from './agent-context.ts';
import type { Tool } from './agent-types.ts';
import { BudgetMeter, checkRunBudget, DEFAULT_RUN_BUDGET, RunBudgetError, truncateThought, type RunBudget } from './run-budget.ts';
import { createDefaultTools } from './tools/tool-registry.ts';

function contextWith(budget: Partial<RunBudget>, tools: ReadonlyMap<string, Tool> = createDefaultTools()) {
  const events: RunEventDraft[] = [];
  const exceeded: RunBudgetError[] = [];
  const context = createAgentContext({
    runId: 'run-1',
    userId: 'user-1',
    threadId: 'thread-1',
    input: { content: '' },
    signal: new AbortController().signal,
    tools,
    emit: (draft) => {
      events.push(draft);
      return Promise.resolve();
    },
    budget: { ...DEFAULT_RUN_BUDGET, ...budget },
    onBudgetExceeded: (error) => exceeded.push(error),
  });
  return { context, events, exceeded };
}

describe('truncateThought', () => {
  it('keeps a thought within the limit and cuts a longer one with a marker', () => {
    expect(truncateThought('short', 10)).toBe('short');
    const cut = truncateThought('a'.repeat(25), 10);
    expect(cut.startsWith('a'.repeat(10) + ' …')).toBe(true);
    expect(cut).toContain('15 more characters');
    expect(cut).toContain('THOUGHT_MAX_CHARS=10');
  });

  it('never splits a surrogate pair', () => {
    const cut = truncateThought('abcd😀😀😀', 5); // 😀 is two UTF-16 units: index 4 is its high half
    expect(cut.startsWith('abcd ')).toBe(true);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('BudgetMeter and checkRunBudget', () => {
  it('counts agent events against maxEvents minus the engine two, reserving completions', () => {
    const meter = new BudgetMeter({ maxEvents: 6, maxBytes: 1000, maxThoughtChars: 10 });
    meter.charge('agent_thinking', 1);
    meter.charge('tool_executing', 1, 1); // 3 of 4
    expect(() => meter.charge('tool_executing', 1, 1)).toThrow(RunBudgetError);
    expect(meter.chargeReserved(1)).toBe(true); // the reserved completion still goes
    expect(meter.exceeded?.message).toMatch(/^run budget exceeded: the run reached its limit of 6 events \(RUN_MAX_EVENTS\)/);
  });

  it('refuses a bad budget with one line', () => {
    expect(() => checkRunBudget({ maxEvents: 2 })).toThrow(/maxEvents must be an integer of at least 3/);
    expect(checkRunBudget({ maxEvents: undefined as unknown as number })).toEqual(DEFAULT_RUN_BUDGET);
  });
});

describe('the agent context under a budget', () => {
  it('ends an un-awaited think() loop by a synchronous throw at the event budget', () => {
    const { context, exceeded } = contextWith({ maxEvents: 102 });
    let calls = 0;
    expect(() => {
      for (;;) {
        void context.think('x');
        calls += 1;
      }
    }).toThrow(RunBudgetError);
    expect(calls).toBe(100);
    expect(exceeded).toHaveLength(1);
    expect(context.budgetError?.limit).toBe('events');
    // Every method refuses from now on, at once.
    expect(() => context.callTool('clock', {})).toThrow(RunBudgetError);
    expect(() => context.report({ type: 'agent_thinking', payload: { thought: 'more' } })).toThrow(RunBudgetError);
  });

  it('stores the events within the budget, and no more', async () => {
    const { context, events } = contextWith({ maxEvents: 12 });
    await expect(
      (async () => {
        for (;;) await context.think('x');
      })(),
    ).rejects.toThrow(/RUN_MAX_EVENTS/);
    await context.settle('ended');
    expect(events).toHaveLength(10);
  });

  it('fails at the byte budget and keeps a tool pair whole, its result dropped', async () => {
    const big: Tool = {
      name: 'big',
      description: 'returns 10 kB',
      parameters: { type: 'object', properties: {}, additionalProperties: false },
      execute: () => Promise.resolve('r'.repeat(10_000)),
    };
    const { context, events } = contextWith({ maxBytes: 2000 }, new Map([['big', big]]));
    const outcome = await context.callTool('big', {});
    expect(outcome).toMatchObject({ ok: false, error: expect.stringMatching(/^run budget exceeded: .*RUN_MAX_BYTES/) as string });
    expect(events.map((e) => e.type)).toEqual(['tool_executing', 'tool_completed']);
    expect(context.budgetError?.limit).toBe('bytes');
    expect(() => context.think('after')).toThrow(/RUN_MAX_BYTES/);
  });

  it('truncates a long thought, from think() and from report()', async () => {
    const { context, events } = contextWith({ maxThoughtChars: 50 });
    await context.think('t'.repeat(1000));
    await context.report({ type: 'agent_thinking', payload: { thought: 'r'.repeat(1000) } });
    const thoughts = events.map((e) => (e.payload as { thought: string }).thought);
    for (const thought of thoughts) {
      expect(thought.length).toBeLessThan(150);
      expect(thought).toContain('950 more characters');
    }
  });

  it('marks the promises it returns handled: a think() not awaited after an abort does not reject unhandled', async () => {
    const controller = new AbortController();
    const context = createAgentContext({
      runId: 'r',
      userId: 'u',
      threadId: 't',
      input: { content: '' },
      signal: controller.signal,
      tools: new Map(),
      emit: () => Promise.resolve(),
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      controller.abort('cancelled');
      void context.think('late');
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
      await expect(context.think('awaited')).rejects.toBe('cancelled');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
