/**
 * The default `assistant` agent: deterministic, no model. It thinks twice (restating the
 * request, then the plan naming its tools), calls the planned tools in order
 * (assistant-planner.ts: calculator / clock / search_docs, at least one), and answers
 * from their results (assistant-reply.ts).
 *
 * Failure policy: a failed tool call does not fail the run. The call is reported
 * `ok: false` in tool_completed and the answer says what went wrong ("I could not
 * evaluate 1 / 0: division by zero at 2."), because a bad expression or an unknown
 * timezone is the user's input, not a fault of the agent; the run ends `succeeded` with
 * that answer. The run fails only when the agent itself cannot go on (an emit fails),
 * and is cancelled when `ctx.signal` aborts: the agent checks it before each step.
 */
import type { Agent, AgentContext, AgentResult } from './agent-types.ts';
import { planAssistantCalls, type PlannedCall } from './assistant-planner.ts';
import { composeReply, type CompletedCall } from './assistant-reply.ts';

export const ASSISTANT_AGENT_NAME = 'assistant';

const QUOTE_MAX = 200;

function quote(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return `"${oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine}"`;
}

function describeCall(call: PlannedCall): string {
  switch (call.tool) {
    case 'calculator':
      return `calculator to evaluate ${call.args.expression}`;
    case 'clock':
      return `clock for the current time in ${call.args.timezone}`;
    case 'search_docs':
      return `search_docs for ${quote(call.args.query, 80)}`;
  }
}

export function describePlan(calls: readonly PlannedCall[]): string {
  return `Plan: ${calls.map(describeCall).join('; ')}; then answer from the results.`;
}

export function createAssistantAgent(): Agent {
  return {
    name: ASSISTANT_AGENT_NAME,
    description: 'Default agent: thinks, picks calculator, clock or search_docs from the content, answers from the results.',
    historyTurns: 0,
    async run(ctx: AgentContext): Promise<AgentResult> {
      ctx.signal.throwIfAborted();
      const content = ctx.input.content;
      const plan = planAssistantCalls(content);
      await ctx.think(`The user asks: ${quote(content, QUOTE_MAX)}`);
      await ctx.think(describePlan(plan));
      const completed: CompletedCall[] = [];
      for (const call of plan) {
        ctx.signal.throwIfAborted();
        completed.push({ call, outcome: await ctx.callTool(call.tool, { ...call.args }) });
      }
      ctx.signal.throwIfAborted();
      return { response: composeReply(completed) };
    },
  };
}
