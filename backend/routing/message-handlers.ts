/** The handlers of the four client message types. */
import { ErrorCode } from '../../protocol/index.ts';
import type { CancelRunEnvelope, PingEnvelope, PongEnvelope, ResumeEnvelope, ServerEnvelope, UserMessageEnvelope } from '../../protocol/index.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';
import type { ConnectionRegistry } from '../delivery/connection-registry.ts';
import type { EventPublisher } from '../delivery/event-publisher.ts';
import type { ExecutionEngineFactory } from '../execution/execution-engine-factory.ts';
import { endRunWithoutAgent } from '../execution/run-executor.ts';
import type { Store } from '../store/store-types.ts';
import { ProtocolError } from './error-envelope.ts';
import type { MessageHandler } from './message-handler.ts';
import type { MessageHandlerService } from './message-handler-service.ts';

/** user_message: hands the message to the MessageHandlerService. */
export class AgentHandler implements MessageHandler<UserMessageEnvelope> {
  readonly type = 'user_message' as const;
  constructor(private readonly service: MessageHandlerService) {}
  handle(envelope: UserMessageEnvelope, connection: { userId: string }) {
    return this.service.accept(connection.userId, envelope);
  }
}

export class PingHandler implements MessageHandler<PingEnvelope> {
  readonly type = 'ping' as const;
  async handle(envelope: PingEnvelope): Promise<PongEnvelope> {
    return {
      type: 'pong',
      timestamp: new Date().toISOString(),
      ...(envelope.message_id ? { message_id: envelope.message_id } : {}),
      payload: {},
    };
  }
}

/** cancel_run: a queued run ends `cancelled` at once; a running one is aborted wherever it runs. */
export class CancelHandler implements MessageHandler<CancelRunEnvelope> {
  readonly type = 'cancel_run' as const;
  constructor(private readonly deps: { store: Store; engines: ExecutionEngineFactory; publisher: EventPublisher }) {}

  async handle(envelope: CancelRunEnvelope, connection: { userId: string }): Promise<void> {
    const { store, engines, publisher } = this.deps;
    const run = await store.getRun(envelope.payload.run_id);
    if (!run || run.userId !== connection.userId) {
      throw new ProtocolError(ErrorCode.NOT_FOUND, `Run "${envelope.payload.run_id}" was not found.`);
    }
    if (run.status === 'queued') {
      const done = await endRunWithoutAgent({ store, publisher }, run, {
        status: 'cancelled',
        error: 'The run was cancelled before it started.',
        durationMs: 0,
        expectedStatuses: ['queued'],
      });
      if (done) return;
    }
    if (!engines.cancelLocal(run.userId, run.id)) publisher.requestCancel(run.userId, run.id);
  }
}

/**
 * resume: the run's persisted events with seq > after_seq, to this connection only, merged
 * with the live events that arrive meanwhile: each seq once per connection, in seq order
 * (delivery/run-event-sequencer.ts).
 */
export class ResumeHandler implements MessageHandler<ResumeEnvelope> {
  readonly type = 'resume' as const;
  constructor(
    private readonly store: Store,
    private readonly registry: ConnectionRegistry,
  ) {}

  async handle(envelope: ResumeEnvelope, connection: ClientConnection): Promise<void> {
    const run = await this.store.getRun(envelope.payload.run_id);
    if (!run || run.userId !== connection.userId) {
      throw new ProtocolError(ErrorCode.NOT_FOUND, `Run "${envelope.payload.run_id}" was not found.`);
    }
    await this.registry
      .sequencer(connection)
      .resume(run.id, async () => (await this.store.listEvents(run.id, envelope.payload.after_seq)).map((event) => event.envelope as ServerEnvelope));
  }
}
