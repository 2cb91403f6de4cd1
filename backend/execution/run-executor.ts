/**
 * Executes one claimed run: emits agent_started, runs the agent through an AgentContext,
 * and ends with exactly one agent_completed. Every event is persisted before it is
 * published (protocol.md §5).
 */
import type { FinalRunStatus, RunEventDraft, RunEventEnvelope, RunStatus } from '../../protocol/index.ts';
import { createAgentContext } from '../agents/agent-context.ts';
import type { AgentRegistry } from '../agents/agent-registry.ts';
import type { Tool, TokenUsage } from '../agents/agent-types.ts';
import { loadThreadHistory } from '../agents/thread-history.ts';
import type { EventPublisher } from '../delivery/event-publisher.ts';
import type { RunRecord, Store, StoredEvent } from '../store/store-types.ts';

export interface RunExecutorDeps {
  store: Store;
  publisher: EventPublisher;
  agents: AgentRegistry;
  tools: ReadonlyMap<string, Tool>;
  instanceId: string;
}

export function buildRunEvent(run: Pick<RunRecord, 'id' | 'threadId' | 'messageId' | 'userId'>, seq: number, draft: RunEventDraft): StoredEvent {
  const timestamp = new Date().toISOString();
  const envelope = {
    type: draft.type,
    run_id: run.id,
    thread_id: run.threadId,
    message_id: run.messageId,
    user_id: run.userId,
    seq,
    timestamp,
    payload: draft.payload,
  } as RunEventEnvelope;
  return { runId: run.id, seq, userId: run.userId, type: draft.type, envelope, createdAt: timestamp };
}

/**
 * Ends a run without (further) executing it: a queued run that is cancelled, or a run whose
 * process died. Stores its agent_completed with the next seq, atomically with the status,
 * and publishes it when the status change took effect.
 */
export async function endRunWithoutAgent(
  deps: { store: Store; publisher: EventPublisher },
  run: RunRecord,
  end: { status: FinalRunStatus; error: string; durationMs: number; expectedStatuses: RunStatus[]; expectedOwnerId?: string | null },
): Promise<boolean> {
  const final = buildRunEvent(run, (await deps.store.lastSeq(run.id)) + 1, {
    type: 'agent_completed',
    payload: { status: end.status, response: null, error: end.error, duration_ms: end.durationMs },
  });
  const done = await deps.store.finishRun(run.id, {
    status: end.status,
    response: null,
    error: end.error,
    endedAt: final.createdAt,
    finalEvent: final,
    expectedStatuses: end.expectedStatuses,
    ...(end.expectedOwnerId ? { expectedOwnerId: end.expectedOwnerId } : {}),
  });
  if (done) deps.publisher.publish(run.userId, final.envelope);
  return done;
}

/** A usage object as agent_completed carries it: two non-negative integers. */
function checkUsage(usage: unknown): TokenUsage {
  const u = usage as Partial<TokenUsage> | null;
  const count = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  if (typeof u !== 'object' || u === null || !count(u.input_tokens) || !count(u.output_tokens)) {
    throw new Error('usage must be { input_tokens, output_tokens } with non-negative integers');
  }
  return { input_tokens: u.input_tokens, output_tokens: u.output_tokens };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class RunExecutor {
  constructor(private readonly deps: RunExecutorDeps) {}

  async execute(run: RunRecord, signal: AbortSignal): Promise<FinalRunStatus> {
    const { store, publisher } = this.deps;
    const startedAt = Date.now();
    let seq = 0;
    // Called one event at a time (the agent context orders them); seq counts stored events
    // only, so a failed write leaves no gap before the final event.
    const emit = async (draft: RunEventDraft): Promise<void> => {
      const event = buildRunEvent(run, seq + 1, draft);
      await store.appendEvent(event);
      seq = event.seq;
      publisher.publish(run.userId, event.envelope);
    };

    let status: FinalRunStatus = 'succeeded';
    let response: string | null = null;
    let error: string | null = null;
    let usage: TokenUsage | undefined;
    try {
      await emit({ type: 'agent_started', payload: { agent: run.agent, input: run.input.content } });
      const agent = this.deps.agents.get(run.agent);
      if (!agent) throw new Error(`Unknown agent "${run.agent}".`);
      const historyTurns = this.deps.agents.historyTurns(run.agent);
      const context = createAgentContext({
        runId: run.id,
        userId: run.userId,
        threadId: run.threadId,
        agent: run.agent,
        input: { content: run.input.content, script: run.input.script },
        history: historyTurns > 0 ? await loadThreadHistory(store, run, historyTurns) : [],
        signal,
        tools: this.deps.tools,
        emit,
      });
      let outcome: { ok: true; value: Awaited<ReturnType<typeof agent.run>> } | { ok: false; err: unknown };
      try {
        outcome = { ok: true, value: await agent.run(context) };
      } catch (err) {
        outcome = { ok: false, err };
      }
      // Pairs stay whole and every event the agent emitted is stored before the final one.
      await context.settle(signal.aborted ? 'aborted' : 'the run ended before the call completed');
      if (!outcome.ok) throw outcome.err;
      if (signal.aborted) throw signal.reason ?? new Error('cancelled');
      const result = outcome.value;
      if (typeof result?.response !== 'string') throw new Error(`agent '${run.agent}' returned no response string`);
      response = result.response;
      usage = result.usage === undefined ? undefined : checkUsage(result.usage);
    } catch (err) {
      if (signal.aborted) {
        status = signal.reason === 'shutdown' ? 'interrupted' : 'cancelled';
        error = status === 'cancelled' ? 'The run was cancelled.' : 'The backend shut down during the run.';
      } else {
        status = 'failed';
        error = errorMessage(err);
      }
    }

    const final = buildRunEvent(run, seq + 1, {
      type: 'agent_completed',
      payload: { status, response, error, duration_ms: Date.now() - startedAt, ...(usage ? { usage } : {}) },
    });
    const finished = await store.finishRun(run.id, {
      status,
      response,
      error,
      endedAt: final.createdAt,
      finalEvent: final,
      expectedStatuses: ['running'],
      expectedOwnerId: this.deps.instanceId,
    });
    if (finished) publisher.publish(run.userId, final.envelope);
    return status;
  }
}
