/** A live client connection on this process, whatever its transport. */
import type { ServerEnvelope } from '../../protocol/index.ts';

export interface ClientConnection {
  readonly id: string;
  readonly userId: string;
  readonly transport: 'socketio' | 'ws';
  send(envelope: ServerEnvelope): void;
}
