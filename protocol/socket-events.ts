/**
 * Typed Socket.IO event maps shared by server and clients (as socket.io's
 * `lib/typed-events.ts` intends): each server event is emitted under its `type`.
 */
import type {
  AgentCompletedEnvelope,
  AgentStartedEnvelope,
  AgentThinkingEnvelope,
  ErrorEnvelope,
  MessageAckEnvelope,
  PongEnvelope,
  ToolCompletedEnvelope,
  ToolExecutingEnvelope,
} from './envelope-types.ts';

export interface ServerToClientEvents {
  agent_started: (envelope: AgentStartedEnvelope) => void;
  agent_thinking: (envelope: AgentThinkingEnvelope) => void;
  tool_executing: (envelope: ToolExecutingEnvelope) => void;
  tool_completed: (envelope: ToolCompletedEnvelope) => void;
  agent_completed: (envelope: AgentCompletedEnvelope) => void;
  message_ack: (envelope: MessageAckEnvelope) => void;
  error: (envelope: ErrorEnvelope) => void;
  pong: (envelope: PongEnvelope) => void;
}

export interface ClientToServerEvents {
  /** A JSON string or an object (protocol.md §3). */
  message: (message: unknown) => void;
}

/** Data attached to each server-side socket after authentication. */
export interface SocketData {
  userId: string;
  connectionId: string;
  /** When the connection's token expires (ms since the epoch, clock tolerance included). */
  expiresAtMs?: number;
}

/** The `data` of a refused Socket.IO handshake's `connect_error`. */
export interface ConnectErrorData {
  code: string;
  message: string;
}
