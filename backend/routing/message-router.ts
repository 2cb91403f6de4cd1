/** Dispatches a validated envelope to the handler of its type. */
import type { ClientEnvelope, ServerEnvelope } from '../../protocol/index.ts';
import { ErrorCode } from '../../protocol/index.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';
import { ProtocolError } from './error-envelope.ts';
import type { MessageHandler } from './message-handler.ts';

export class MessageRouter {
  readonly #handlers = new Map<string, MessageHandler>();
  /** `onHandled(connection)`: after each routed message (replied or failed). */
  constructor(private readonly hooks: { onHandled?(connection: ClientConnection): void } = {}) {}

  register<E extends ClientEnvelope>(handler: MessageHandler<E>): this {
    if (this.#handlers.has(handler.type)) throw new Error(`A handler for ${handler.type} is already registered.`);
    this.#handlers.set(handler.type, handler as unknown as MessageHandler);
    return this;
  }

  async route(envelope: ClientEnvelope, connection: ClientConnection): Promise<ServerEnvelope | void> {
    const handler = this.#handlers.get(envelope.type);
    if (!handler) throw new ProtocolError(ErrorCode.UNKNOWN_TYPE, `No handler for message type "${envelope.type}".`);
    try {
      return await handler.handle(envelope, connection);
    } finally {
      this.hooks.onHandled?.(connection);
    }
  }
}
