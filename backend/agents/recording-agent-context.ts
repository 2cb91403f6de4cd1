/**
 * An AgentContext for tests and tools-only runs: the real context (agent-context.ts) with
 * an emit that records the drafts in memory instead of persisting them.
 */
import type { RunEventDraft, ScriptStep } from '../../protocol/index.ts';
import { createAgentContext } from './agent-context.ts';
import type { EngineAgentContext } from './agent-context.ts';
import type { Tool } from './agent-types.ts';
import type { RunBudget } from './run-budget.ts';
import { createDefaultTools } from './tools/tool-registry.ts';

export interface RecordingAgentContextOptions {
  content?: string;
  script?: ScriptStep[];
  runId?: string;
  userId?: string;
  threadId?: string;
  /** Defaults to the default tool set. */
  tools?: ReadonlyMap<string, Tool>;
  signal?: AbortSignal;
  toolTimeoutMs?: number;
  monotonicNow?: () => number;
  /** The run's budget (default DEFAULT_RUN_BUDGET, as the engine's). */
  budget?: RunBudget;
}

export interface RecordingAgentContext {
  context: EngineAgentContext;
  /** Every draft the context emitted, in order. */
  events: RunEventDraft[];
  /** The event types, in order (handy for order assertions). */
  types(): Array<RunEventDraft['type']>;
}

export function createRecordingAgentContext(options: RecordingAgentContextOptions = {}): RecordingAgentContext {
  const events: RunEventDraft[] = [];
  const context = createAgentContext({
    runId: options.runId ?? 'run-1',
    userId: options.userId ?? 'user-1',
    threadId: options.threadId ?? 'thread-1',
    input: { content: options.content ?? '', script: options.script },
    signal: options.signal ?? new AbortController().signal,
    tools: options.tools ?? createDefaultTools(),
    emit: (draft) => {
      events.push(draft);
      return Promise.resolve();
    },
    ...(options.toolTimeoutMs === undefined ? {} : { toolTimeoutMs: options.toolTimeoutMs }),
    ...(options.monotonicNow === undefined ? {} : { monotonicNow: options.monotonicNow }),
    ...(options.budget === undefined ? {} : { budget: options.budget }),
  });
  return { context, events, types: () => events.map((event) => event.type) };
}
