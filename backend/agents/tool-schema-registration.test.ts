/**
 * Tool schemas are compiled when the tools are registered, not on a run's first call (issue
 * 17, defect 11: compiling blocked the event loop for 15-30 ms there). Its own file: Ajv's
 * compile cache lives in the module, and no other test may have warmed it.
 */
import { Ajv } from 'ajv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AgentCatalog } from './agent-catalog.ts';
import { createRecordingAgentContext } from './recording-agent-context.ts';
import type { Tool } from './agent-types.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('tool schemas compiled at registration', () => {
  it("compiles every tool's schema when the catalog is built: the first calls compile nothing", async () => {
    const compile = vi.spyOn(Ajv.prototype, 'compile');
    const reads = { count: 0 };
    const parameters = { type: 'object' as const, properties: { n: { type: 'integer' } }, required: ['n'] };
    const counted: Tool = {
      name: 'counted',
      description: 'reads its schema through a getter',
      get parameters() {
        reads.count += 1;
        return parameters;
      },
      execute: (args) => Promise.resolve(args.n),
    };
    const catalog = await AgentCatalog.create({ tools: [counted] });
    const compiledAtRegistration = compile.mock.calls.length;
    expect(compiledAtRegistration).toBeGreaterThanOrEqual(4); // calculator, clock, search_docs, counted
    const { context, events } = createRecordingAgentContext({ tools: catalog.tools });
    const readsBeforeCalls = reads.count;
    const outcomes = [
      await context.callTool('calculator', { expression: '6*7' }),
      await context.callTool('clock', {}),
      await context.callTool('search_docs', { query: 'scenario' }),
      await context.callTool('counted', { n: 3 }),
      await context.callTool('counted', { n: 'three' }),
    ];
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true, false]);
    expect(outcomes[4]?.error).toBe('invalid arguments: args.n: must be integer');
    expect(events).toHaveLength(10);
    expect(compile.mock.calls.length).toBe(compiledAtRegistration);
    // The arguments are checked with the validator made at registration.
    expect(reads.count).toBe(readsBeforeCalls);
  });

  it('fails registration, naming the tool, when its schema does not compile', async () => {
    const bad: Tool = {
      name: 'broken',
      description: 'a schema Ajv refuses',
      parameters: { type: 'object', properties: { a: { type: 'nope' } } },
      execute: () => Promise.resolve(null),
    };
    await expect(AgentCatalog.create({ tools: [bad] })).rejects.toThrow(/^tool 'broken': parameters is not a valid JSON Schema \(/);
  });
});
