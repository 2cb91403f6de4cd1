/**
 * The `scripted` agent (dev mode / QA): plays `ctx.input.script` step by step, exactly:
 * - `{ think }` → agent_thinking;
 * - `{ tool, args, result, delay_ms, fail, error }` → a simulated tool call (both events,
 *   the delay honoured and abortable, `result` or, with `fail`, `error`);
 * - `{ respond }` → the final response (the last one wins; '' when there is none);
 * - `{ fail_run }` → the run fails with that message (later steps are not played).
 * A missing or empty script fails the run with a message saying what to send.
 */
import type { ScriptStep } from '../../protocol/index.ts';
import type { Agent, AgentContext, AgentResult } from './agent-types.ts';

export const SCRIPTED_AGENT_NAME = 'scripted';

export class ScriptFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptFailedError';
  }
}

export const MISSING_SCRIPT_MESSAGE =
  'The scripted agent needs payload.script: a non-empty list of steps such as {"think": "..."}, ' +
  '{"tool": "name", "args": {}, "result": {}}, {"respond": "..."} or {"fail_run": "..."}.';

async function playStep(ctx: AgentContext, step: ScriptStep, index: number): Promise<string | undefined> {
  if ('think' in step) {
    await ctx.think(step.think);
    return undefined;
  }
  if ('tool' in step) {
    await ctx.simulateTool(step.tool, step.args ?? {}, {
      result: step.result,
      fail: step.fail,
      error: step.error,
      delayMs: step.delay_ms,
    });
    return undefined;
  }
  if ('respond' in step) return step.respond;
  if ('fail_run' in step) throw new ScriptFailedError(step.fail_run);
  throw new ScriptFailedError(`script step ${index + 1} is not a think, tool, respond or fail_run step`);
}

export function createScriptedAgent(): Agent {
  return {
    name: SCRIPTED_AGENT_NAME,
    description: 'Dev mode: plays payload.script exactly (think, tool, respond, fail_run steps), failures and delays included.',
    historyTurns: 0,
    async run(ctx: AgentContext): Promise<AgentResult> {
      const script = ctx.input.script;
      if (!Array.isArray(script) || script.length === 0) throw new ScriptFailedError(MISSING_SCRIPT_MESSAGE);
      let response = '';
      for (const [index, step] of script.entries()) {
        ctx.signal.throwIfAborted();
        const said = await playStep(ctx, step, index);
        if (said !== undefined) response = said;
      }
      return { response };
    },
  };
}
