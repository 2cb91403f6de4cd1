/**
 * Socket.IO at /socket.io: handshake auth, then every `message` into the pipeline. Every
 * Engine.IO session takes a place in the connection gate when it opens (refused with 403
 * `TOO_MANY_CONNECTIONS` past a cap) and is closed if its Socket.IO connect is not admitted
 * within the handshake timeout. An open connection is disconnected when its token expires
 * (an AUTH_EXPIRED error first), when its inbound backlog passes its cap (RATE_LIMITED first),
 * and when what it is owed passes its cap (a reader that stopped reading).
 */
import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import {
  CLIENT_MESSAGE_EVENT,
  ErrorCode,
  type ClientToServerEvents,
  type ConnectErrorData,
  type ServerEnvelope,
  type ServerEnvelopeByType,
  type ServerEventType,
  type ServerToClientEvents,
  type SocketData,
} from '../../protocol/index.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';
import { errorEnvelope } from '../routing/error-envelope.ts';
import {
  admitConnection,
  AUTH_EXPIRED_MESSAGE,
  backlogFullEnvelope,
  logConnection,
  logDroppedConnection,
  logRefusedConnection,
  scheduleAt,
  type Admission,
  type TransportDeps,
} from './connection-admission.ts';
import type { GateTicket } from './connection-gate.ts';

export type SocketIoDeps = TransportDeps;

/** The typed server and its sockets: events of protocol/socket-events.ts, data set at admission. */
export type FlowscopeIoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type FlowscopeServerSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * One emitter per server envelope type. The map is keyed by the envelope union, so a new
 * envelope type does not compile until it has its emitter, and each emitter is checked
 * against the event map (socket.io cannot check an event name only known at run time).
 */
const EMITTERS: { [T in ServerEventType]: (socket: FlowscopeServerSocket, envelope: ServerEnvelopeByType[T]) => boolean } = {
  agent_started: (socket, envelope) => socket.emit('agent_started', envelope),
  agent_thinking: (socket, envelope) => socket.emit('agent_thinking', envelope),
  tool_executing: (socket, envelope) => socket.emit('tool_executing', envelope),
  tool_completed: (socket, envelope) => socket.emit('tool_completed', envelope),
  agent_completed: (socket, envelope) => socket.emit('agent_completed', envelope),
  message_ack: (socket, envelope) => socket.emit('message_ack', envelope),
  error: (socket, envelope) => socket.emit('error', envelope),
  pong: (socket, envelope) => socket.emit('pong', envelope),
};

/** Emits an envelope under its own type. */
function emitEnvelope<T extends ServerEventType>(socket: FlowscopeServerSocket, envelope: ServerEnvelopeByType[T] & { type: T }): boolean {
  const emitter: (socket: FlowscopeServerSocket, envelope: ServerEnvelopeByType[T]) => boolean = EMITTERS[envelope.type];
  return emitter(socket, envelope);
}

/** What Engine.IO exposes of a session that this transport reads. */
interface EngineSession {
  request: http.IncomingMessage;
  writeBuffer: Array<{ data?: unknown }>;
  transport: { name: string; socket?: { bufferedAmount?: number; terminate?(): void } };
  once(event: 'close', listener: () => void): void;
  /** `discard`: drop what is still buffered and close at once. */
  close(discard?: boolean): void;
}

/** Bytes queued for a session: Engine.IO's write buffer plus the WebSocket's own buffer. */
function owedBytes(session: EngineSession): number {
  let bytes = session.transport.socket?.bufferedAmount ?? 0;
  for (const packet of session.writeBuffer) {
    const data = packet.data;
    bytes += typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.byteLength : 16;
  }
  return bytes;
}

export function attachSocketIo(server: http.Server, deps: SocketIoDeps): FlowscopeIoServer {
  const tickets = new WeakMap<http.IncomingMessage, GateTicket>();
  const io: FlowscopeIoServer = new Server(server, {
    path: '/socket.io',
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    destroyUpgrade: false,
    // Our own handshake timer (below) closes the session first, discarding its buffer; Socket.IO's
    // gentler close would wait for a poll that never comes.
    connectTimeout: deps.limits.handshakeTimeoutMs * 2,
    // The slow-reader rule in time (PING_INTERVAL_MS): a peer that stopped reading misses its pong.
    pingInterval: deps.limits.pingIntervalMs ?? 25_000,
    pingTimeout: Math.min(20_000, deps.limits.pingIntervalMs ?? 25_000),
    cors: { origin: (origin, cb) => cb(null, deps.originAllowed(origin)), credentials: false },
    // Called for each new Engine.IO session (not for requests of an existing one).
    allowRequest: (req, cb) => {
      if (!deps.originAllowed(req.headers.origin)) {
        cb('Origin not allowed.', false);
        return;
      }
      const place = deps.gate.begin(req.socket.remoteAddress);
      if (!place.ok) {
        cb(`${ErrorCode.TOO_MANY_CONNECTIONS}: ${place.message}`, false);
        return;
      }
      tickets.set(req, place.ticket);
      // Released with the session; this only covers a handshake that failed after this point.
      setTimeout(() => {
        if (tickets.get(req) === place.ticket) {
          tickets.delete(req);
          place.ticket.release();
        }
      }, 5000).unref();
      cb(null, true);
    },
  });

  const sessionTickets = new WeakMap<object, GateTicket>();
  io.engine.on('connection', (session: EngineSession) => {
    const ticket = tickets.get(session.request);
    if (!ticket) return;
    tickets.delete(session.request);
    sessionTickets.set(session, ticket);
    const timer = setTimeout(() => {
      if (!ticket.isAdmitted) session.close(true);
    }, deps.limits.handshakeTimeoutMs);
    timer.unref();
    session.once('close', () => {
      clearTimeout(timer);
      ticket.release();
    });
  });

  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown };
    const header = socket.handshake.headers.authorization;
    const token = typeof auth.token === 'string' ? auth.token : header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    admitConnection(deps, token)
      .then((admission: Admission) => {
        if (!admission.ok) {
          logRefusedConnection(deps, 'socketio', socket.handshake.address, admission.code);
          const data: ConnectErrorData = { code: admission.code, message: admission.message };
          next(Object.assign(new Error(admission.code), { data }));
          return;
        }
        socket.data.userId = admission.userId;
        socket.data.connectionId = admission.connectionId;
        socket.data.expiresAtMs = admission.expiresAtMs;
        next();
      })
      .catch(next);
  });

  io.on('connection', (socket) => {
    const session = socket.conn as unknown as EngineSession;
    sessionTickets.get(session)?.admitted();
    let closing = false;
    const address = socket.handshake.address;
    const openedAt = Date.now();
    let closedBy: string | undefined;
    const shut = (discard = false, why?: string) => {
      if (closing) return;
      closing = true;
      closedBy = why ?? 'server';
      if (why) logDroppedConnection(deps, connection, address, why);
      deps.pipeline.drop(connection);
      socket.disconnect(true);
      if (discard) session.close(true);
    };
    const connection: ClientConnection = {
      id: socket.data.connectionId,
      userId: socket.data.userId,
      transport: 'socketio',
      send(envelope: ServerEnvelope) {
        if (closing) return;
        // A reader that stopped reading: drop the connection rather than buffer without end (the client can resume).
        if (owedBytes(session) > deps.limits.maxOutboundBufferBytes) {
          shut(true, 'SLOW_CONSUMER');
          return;
        }
        emitEnvelope(socket, envelope);
      },
    };
    deps.registry.add(connection);
    logConnection(deps, 'opened', connection, address);
    const expiry = scheduleAt(socket.data.expiresAtMs ?? Number.POSITIVE_INFINITY, () => {
      connection.send(errorEnvelope(ErrorCode.AUTH_EXPIRED, AUTH_EXPIRED_MESSAGE, null));
      shut();
    });
    socket.on(CLIENT_MESSAGE_EVENT, (raw: unknown) => {
      if (closing) return;
      const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : 0;
      if (deps.pipeline.receive(connection, raw, bytes) === null) {
        connection.send(backlogFullEnvelope());
        shut(false, ErrorCode.RATE_LIMITED);
      }
    });
    socket.on('disconnect', (reason) => {
      // A peer that stopped reading never completes the WebSocket close (ws would wait 30 s,
      // holding what it is owed): cut it off, as /ws does. A no-op once the socket is closed.
      setTimeout(() => session.transport.socket?.terminate?.(), 2000).unref();
      if (reason === 'ping timeout' && !closedBy) logDroppedConnection(deps, connection, address, 'SLOW_CONSUMER', { reason });
      logConnection(deps, 'closed', connection, address, {
        reason: closedBy && closedBy !== 'server' ? closedBy : reason,
        by: closedBy || reason.startsWith('server') ? 'server' : 'client',
        duration_ms: Date.now() - openedAt,
      });
      expiry.cancel();
      deps.registry.remove(connection);
      deps.onClose(connection);
    });
  });
  return io;
}
