/**
 * Runs an agent the way the engine does (run-executor.ts): through the real AgentContext,
 * with the thread's history and a tool set, then settles the context so pairs are whole.
 * Events are recorded in memory instead of being stored.
 */
import type { RunEventDraft } from '../../protocol/index.ts';
import { createAgentContext } from '../../backend/agents/agent-context.ts';
import type { Agent, AgentResult, HistoryMessage, Tool } from '../../backend/agents/agent-types.ts';
import { createDefaultTools } from '../../backend/agents/tools/tool-registry.ts';

/** The default tools, built once (the docs search index takes a while to build). */
let defaultTools: ReadonlyMap<string, Tool> | undefined;
export function sharedDefaultTools(): ReadonlyMap<string, Tool> {
  defaultTools ??= createDefaultTools();
  return defaultTools;
}

export interface HarnessOptions {
  content?: string;
  history?: HistoryMessage[];
  tools?: ReadonlyMap<string, Tool>;
  signal?: AbortSignal;
  runId?: string;
}

export interface HarnessRun {
  events: RunEventDraft[];
  /** The run's outcome, once it ended. */
  done: Promise<{ ok: true; result: AgentResult } | { ok: false; error: unknown }>;
  thoughts(): string[];
  types(): Array<RunEventDraft['type']>;
}

export function startRun(agent: Agent, options: HarnessOptions = {}): HarnessRun {
  const events: RunEventDraft[] = [];
  const signal = options.signal ?? new AbortController().signal;
  const context = createAgentContext({
    runId: options.runId ?? 'run-1',
    userId: 'user-1',
    threadId: 'thread-1',
    agent: agent.name,
    input: { content: options.content ?? 'Hello' },
    history: options.history ?? [],
    signal,
    tools: options.tools ?? sharedDefaultTools(),
    emit: (draft) => {
      events.push(draft);
      return Promise.resolve();
    },
  });
  const done = (async () => {
    let outcome: { ok: true; result: AgentResult } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, result: await agent.run(context) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    await context.settle(signal.aborted ? 'aborted' : 'the run ended before the call completed');
    return outcome;
  })();
  return {
    events,
    done,
    thoughts: () => events.flatMap((e) => (e.type === 'agent_thinking' ? [e.payload.thought] : [])),
    types: () => events.map((e) => e.type),
  };
}

/** Runs to the end and returns the result; throws (the agent's error) if the run failed. */
export async function runToEnd(agent: Agent, options: HarnessOptions = {}): Promise<{ result: AgentResult; run: HarnessRun }> {
  const run = startRun(agent, options);
  const outcome = await run.done;
  if (!outcome.ok) throw outcome.error;
  return { result: outcome.result, run };
}

/** Runs to the end and returns the error message; throws if the run succeeded. */
export async function failureOf(agent: Agent, options: HarnessOptions = {}): Promise<{ message: string; error: unknown; run: HarnessRun }> {
  const run = startRun(agent, options);
  const outcome = await run.done;
  if (outcome.ok) throw new Error(`expected the run to fail, it answered ${JSON.stringify(outcome.result.response)}`);
  const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  return { message, error: outcome.error, run };
}
