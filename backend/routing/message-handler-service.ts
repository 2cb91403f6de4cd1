/**
 * Accepts a user message: persists the message, creates its run and queues it (one
 * transaction in the store, handed to the user's execution engine, which claims the run in
 * that same write when the user is idle here), then acknowledges.
 */
import { ErrorCode, type MessageAckEnvelope, type UserMessageEnvelope } from '../../protocol/index.ts';
import type { AgentRegistry } from '../agents/agent-registry.ts';
import { scriptLimitProblems, type ScriptLimits } from '../agents/script-limits.ts';
import type { EventPublisher } from '../delivery/event-publisher.ts';
import type { ExecutionEngineFactory } from '../execution/execution-engine-factory.ts';
import type { AcceptMessageInput, AcceptMessageResult, RunRecord, Store } from '../store/store-types.ts';
import { ProtocolError } from './error-envelope.ts';
import { orderedId } from './ordered-id.ts';

/** A new id (ordered-id.ts: in the order made, the prefix and 32 hex digits). */
export const newId = (prefix: string): string => orderedId(prefix);

/** A run to queue for a user: its thread (existing or to be made), its message and its input. */
export interface RunRequest {
  threadId: string;
  /** The thread must already be one of the user's (a client-chosen id). */
  threadMustExist: boolean;
  content: string;
  agent: string;
  priority: RunRecord['priority'];
  clientMessageId: string | null;
  input: RunRecord['input'];
}

/** The store's accept of a run request: the message, its thread and its queued run, with fresh ids. */
export function acceptInput(userId: string, request: RunRequest, maxQueuedPerUser: number): AcceptMessageInput {
  const now = new Date().toISOString();
  const { threadId, content, agent, priority } = request;
  const messageId = newId('msg');
  return {
    thread: { id: threadId, title: content.slice(0, 60), ...(request.threadMustExist ? { mustExist: true } : {}) },
    message: { id: messageId, threadId, userId, clientMessageId: request.clientMessageId, content, agent, priority, createdAt: now },
    run: {
      id: newId('run'),
      userId,
      threadId,
      messageId,
      agent,
      priority,
      status: 'queued',
      input: request.input,
      response: null,
      error: null,
      createdAt: now,
      startedAt: null,
      endedAt: null,
      ownerId: null,
    },
    maxQueuedPerUser,
  };
}

export class MessageHandlerService {
  constructor(
    private readonly deps: {
      store: Store;
      agents: AgentRegistry;
      engines: ExecutionEngineFactory;
      publisher: EventPublisher;
      maxQueuedPerUser: number;
      scriptLimits?: ScriptLimits;
    },
  ) {}

  async accept(userId: string, envelope: UserMessageEnvelope): Promise<MessageAckEnvelope> {
    const agentName = envelope.payload.agent ?? this.deps.agents.defaultAgent;
    if (!this.deps.agents.has(agentName)) {
      throw new ProtocolError(ErrorCode.VALIDATION_FAILED, `Unknown agent "${agentName}". Known agents: ${this.deps.agents.names().join(', ')}.`, {
        issues: [{ path: 'payload.agent', message: `unknown agent; known: ${this.deps.agents.names().join(', ')}` }],
      });
    }
    if (agentName === 'scripted' && !envelope.payload.script?.length) {
      throw new ProtocolError(ErrorCode.VALIDATION_FAILED, 'The scripted agent needs payload.script (a non-empty list of steps).', {
        issues: [{ path: 'payload.script', message: 'required for agent "scripted"' }],
      });
    }
    if (agentName === 'scripted' && envelope.payload.script) {
      const problems = scriptLimitProblems(envelope.payload.script, this.deps.scriptLimits);
      if (problems.length > 0) {
        throw new ProtocolError(ErrorCode.VALIDATION_FAILED, `The script is over the limits: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}.`, {
          issues: problems,
        });
      }
    }
    const threadId = envelope.thread_id ?? newId('thr');
    const result = await this.submit(userId, {
      threadId,
      // A client-chosen thread id must name one of this user's threads (docs/protocol.md).
      threadMustExist: envelope.thread_id !== undefined,
      content: envelope.payload.content,
      agent: agentName,
      priority: envelope.priority ?? 'normal',
      clientMessageId: envelope.message_id ?? null,
      input: { content: envelope.payload.content, agent: agentName, ...(envelope.payload.script ? { script: envelope.payload.script } : {}) },
    });
    if (result.kind === 'thread_not_found') {
      throw new ProtocolError(ErrorCode.NOT_FOUND, `Thread "${threadId}" was not found.`);
    }
    if (result.kind === 'queue_full') {
      throw new ProtocolError(ErrorCode.QUEUE_FULL, `You already have ${result.queued} queued runs (limit ${this.deps.maxQueuedPerUser}).`);
    }
    const duplicate = result.kind === 'duplicate';
    const publicMessageId = result.message.clientMessageId ?? result.message.id;
    const ack: MessageAckEnvelope = {
      type: 'message_ack',
      run_id: result.run.id,
      thread_id: result.run.threadId,
      message_id: publicMessageId,
      user_id: userId,
      // A new run's ack is stamped with its acceptance (the run's created_at, taken before it
      // was stored): a run stored already claimed may start, and stamp its agent_started,
      // before this line runs, and an ack stamped later read as a negative queue wait.
      timestamp: duplicate ? new Date().toISOString() : result.run.createdAt,
      payload: {
        message_id: publicMessageId,
        run_id: result.run.id,
        thread_id: result.run.threadId,
        queue_position: result.kind === 'accepted' ? result.queuePosition : 0,
        duplicate,
      },
    };
    return ack;
  }

  /**
   * Stores a run request and queues its run through the user's engine: when the user is idle
   * here, the run is stored already claimed (one write). The process holding the user's lease,
   * if another, is woken over the bus (no wake-up publish when this process runs the work
   * itself). Every way in (a user_message, `POST /agui/:agent`) queues its runs here.
   */
  async submit(userId: string, request: RunRequest): Promise<AcceptMessageResult> {
    const accept = acceptInput(userId, request, this.deps.maxQueuedPerUser);
    const { result } = await this.deps.engines.submit(
      userId,
      async (claim) => {
        const accepted = await this.deps.store.acceptMessage(claim ? { ...accept, claim } : accept);
        return { result: accepted, queued: accepted.kind === 'accepted', claimed: accepted.kind === 'accepted' ? accepted.claimed : undefined };
      },
      () => this.deps.publisher.wake(userId),
    );
    return result;
  }
}
