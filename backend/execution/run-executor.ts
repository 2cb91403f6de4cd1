/**
 * Executes one claimed run: emits agent_started, runs the agent through an AgentContext,
 * and ends with exactly one agent_completed. Every event is persisted before it is
 * published (protocol.md §5).
 */
import type { FinalRunStatus, RunEventDraft, RunEventEnvelope, RunStatus } from '../../protocol/index.ts';
import { createAgentContext } from '../agents/agent-context.ts';
import type { AgentRegistry } from '../agents/agent-registry.ts';
import type { Tool } from '../agents/agent-types.ts';
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

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class RunExecutor {
  constructor(private readonly deps: RunExecutorDeps) {}

  async execute(run: RunRecord, signal: AbortSignal): Promise<FinalRunStatus> {
    const { store, publisher } = this.deps;
    const startedAt = Date.now();
    let seq = 0;
    const emit = async (draft: RunEventDraft): Promise<void> => {
      seq += 1;
      const event = buildRunEvent(run, seq, draft);
      await store.appendEvent(event);
      publisher.publish(run.userId, event.envelope);
    };

    let status: FinalRunStatus = 'succeeded';
    let response: string | null = null;
    let error: string | null = null;
    try {
      await emit({ type: 'agent_started', payload: { agent: run.agent, input: run.input.content } });
      const agent = this.deps.agents.get(run.agent);
      if (!agent) throw new Error(`Unknown agent "${run.agent}".`);
      const context = createAgentContext({
        runId: run.id,
        userId: run.userId,
        threadId: run.threadId,
        input: { content: run.input.content, script: run.input.script },
        signal,
        tools: this.deps.tools,
        emit,
      });
      const result = await agent.run(context);
      if (signal.aborted) throw signal.reason ?? new Error('cancelled');
      response = result.response;
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
      payload: { status, response, error, duration_ms: Date.now() - startedAt },
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
