/**
 * Typed Socket.IO event maps shared by server and clients (as socket.io's
 * `lib/typed-events.ts` intends). Both maps are derived from the envelope unions, so a new
 * server envelope type is a new event here without another list to keep in step: each server
 * envelope is emitted under its `type`, and the client sends every message as `message`.
 */
import type { BATCH_EVENT } from './batched-delivery.ts';
import type { ClientEnvelope, ServerEnvelope } from './envelope-types.ts';

/** The event name a client sends every message under (protocol.md §3). */
export const CLIENT_MESSAGE_EVENT = 'message';

/** Each server envelope type and its envelope. */
export type ServerEnvelopeByType = { [E in ServerEnvelope as E['type']]: E };

/**
 * One event per server envelope type, its listener receiving that envelope; and, for a
 * connection that asked for batched delivery (batched-delivery.ts), `batch` with them all.
 */
export type ServerToClientEvents = {
  [T in keyof ServerEnvelopeByType]: (envelope: ServerEnvelopeByType[T]) => void;
} & { [BATCH_EVENT]: (envelopes: ServerEnvelope[]) => void };

/**
 * What a client puts in a `message` event: an envelope, its JSON text, or (to test refusals)
 * any other object. The server treats what arrives as untrusted and parses it (protocol.md
 * §3), so its listener takes `unknown`.
 */
export type ClientMessage = ClientEnvelope | string | object;

export interface ClientToServerEvents {
  [CLIENT_MESSAGE_EVENT]: (message: ClientMessage) => void;
}

/** Data attached to each server-side socket after authentication. */
export interface SocketData {
  userId: string;
  connectionId: string;
  /** When the connection's token expires (ms since the epoch, clock tolerance included). */
  expiresAtMs?: number;
  /** The connection asked for batched delivery (batched-delivery.ts). */
  batch?: boolean;
}

/** The `data` of a refused Socket.IO handshake's `connect_error`. */
export interface ConnectErrorData {
  code: string;
  message: string;
}
