/** What a handler of one client message type gets and does. */
import type { ClientEnvelope, ServerEnvelope } from '../../protocol/index.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';

export interface MessageHandler<E extends ClientEnvelope = ClientEnvelope> {
  readonly type: E['type'];
  handle(envelope: E, connection: ClientConnection): Promise<ServerEnvelope | void>;
}
