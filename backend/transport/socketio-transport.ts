/**
 * Socket.IO at /socket.io: handshake auth, then every `message` into the pipeline. Every
 * Engine.IO session takes a place in the connection gate when it opens (refused with 403
 * `TOO_MANY_CONNECTIONS` past a cap) and is closed if its Socket.IO connect is not admitted
 * within the handshake timeout. An open connection is disconnected when its token expires
 * (an AUTH_EXPIRED error first), when its inbound backlog passes its cap (RATE_LIMITED first),
 * and when what it is owed passes its cap (a reader that stopped reading). Envelopes go out
 * as the Socket.IO event packets `socket.emit(type, envelope)` would make, each encoded once,
 * a connection's envelopes of one turn of the event loop in one write (tick-outbox.ts); to a
 * connection that asked for batched delivery (`auth.batch`), as one `batch` event packet.
 */
import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import {
  BATCH_EVENT,
  CLIENT_MESSAGE_EVENT,
  ErrorCode,
  socketIoBatchOption,
  type ClientToServerEvents,
  type ConnectErrorData,
  type ServerEnvelope,
  type ServerEventType,
  type ServerToClientEvents,
  type SocketData,
} from '../../protocol/index.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';
import { errorEnvelope } from '../routing/error-envelope.ts';
import { envelopeJson } from '../store/envelope-json.ts';
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
import { TickOutbox, type Corkable } from './tick-outbox.ts';

export type SocketIoDeps = TransportDeps;

/** The typed server and its sockets: events of protocol/socket-events.ts, data set at admission. */
export type FlowscopeIoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type FlowscopeServerSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * The event name of each server envelope type, as JSON. Keyed by the envelope union and checked
 * against the event map, so a new envelope type does not compile until it has its event.
 */
const EVENT_NAMES: { [T in ServerEventType]: `"${T & keyof ServerToClientEvents}"` } = {
  agent_started: '"agent_started"',
  agent_thinking: '"agent_thinking"',
  tool_executing: '"tool_executing"',
  tool_completed: '"tool_completed"',
  agent_completed: '"agent_completed"',
  message_ack: '"message_ack"',
  error: '"error"',
  pong: '"pong"',
};

/**
 * The Socket.IO packet of an envelope, as socket.io-parser encodes `socket.emit(type, envelope)`
 * on the main namespace: an EVENT packet (`2`) whose data is `[type, envelope]`. The envelope's
 * JSON text is the one the store wrote (envelope-json.ts), so a run event is not serialised
 * again, and the packet is made once per envelope whatever number of connections get it.
 * Envelopes hold no binary data, so it is never a BINARY_EVENT (batched-writes.test.ts holds
 * it to socket.io-parser's own encoding).
 */
const packets = new WeakMap<object, string>();

export function socketIoPacket(envelope: ServerEnvelope): string {
  let packet = packets.get(envelope);
  if (packet === undefined) {
    // A type this build does not know (a bus message from a newer process, say) still makes a
    // valid packet, named as `emit` would name it, rather than `2[undefined,…]`, which
    // socket.io-client refuses by dropping the connection ("parse error").
    const name = (EVENT_NAMES as Partial<Record<string, string>>)[envelope.type] ?? JSON.stringify(String(envelope.type));
    packet = `2[${name},${envelopeJson(envelope)}]`;
    packets.set(envelope, packet);
  }
  return packet;
}

/**
 * The one packet of a batch (`socket.emit('batch', envelopes)`, batched-delivery.ts): the
 * envelopes' JSON texts, as the store wrote them, in an array.
 */
export function socketIoBatchPacket(envelopeTexts: readonly string[]): string {
  return `2["${BATCH_EVENT}",[${envelopeTexts.join(',')}]]`;
}

/** What Engine.IO exposes of a session that this transport reads. */
interface EngineSession {
  request: http.IncomingMessage;
  readyState: string;
  writeBuffer: Array<{ data?: unknown }>;
  /**
   * `writable`: a write may go out now (the websocket's last write completed, or a poll is
   * waiting). `socket` (websocket only): the `ws` WebSocket, its `_socket` the TCP socket.
   */
  transport: { name: string; writable: boolean; socket?: { bufferedAmount?: number; terminate?(): void; _socket?: Corkable } };
  /** Queues a message packet (its text) and flushes the write buffer if the transport is writable. */
  write(data: string): void;
  /** Sends the whole write buffer in one `transport.send` if the transport is writable. */
  flush(): void;
  on(event: 'flush', listener: () => void): void;
  once(event: 'close', listener: () => void): void;
  /** `discard`: drop what is still buffered and close at once. */
  close(discard?: boolean): void;
}

/** Bytes queued for a session: our outbox, Engine.IO's write buffer and the WebSocket's own buffer. */
function owedBytes(session: EngineSession, outbox: TickOutbox): number {
  let bytes = outbox.queuedLength + (session.transport.socket?.bufferedAmount ?? 0);
  for (const packet of session.writeBuffer) {
    const data = packet.data;
    bytes += typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.byteLength : 16;
  }
  return bytes;
}

/**
 * Writes a connection's packets of one turn. With the transport writable, Engine.IO sends the
 * first packet at once and keeps the rest until that write completes (a second write, and
 * for polling a second response); with `writable` held false while they are queued, one
 * `flush` sends them all in one `transport.send`. A transport not writable now (a write in
 * flight, no poll waiting) sends them together when it is.
 */
function writePackets(session: EngineSession, packets: readonly string[]): void {
  if (session.readyState !== 'open') return;
  const transport = session.transport;
  if (packets.length === 1 || !transport.writable) {
    for (const packet of packets) session.write(packet);
    return;
  }
  transport.writable = false;
  try {
    for (const packet of packets) session.write(packet);
  } finally {
    transport.writable = true;
  }
  session.flush();
}

/**
 * Every Engine.IO flush over the websocket transport leaves in one TCP write: `ws` writes each
 * packet as its own frame, so the TCP socket is corked while Engine.IO hands them over (the
 * "flush" event comes right before `transport.send`) and uncorked once that is done.
 */
function corkFlushes(session: EngineSession): void {
  session.on('flush', () => {
    const socket = session.transport.socket?._socket;
    if (!socket) return;
    socket.cork();
    process.nextTick(() => socket.uncork());
  });
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
    corkFlushes(session);
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
    const auth = socket.handshake.auth as { token?: unknown; batch?: unknown };
    const header = socket.handshake.headers.authorization;
    const token = typeof auth.token === 'string' ? auth.token : header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    // `auth.batch`: batched delivery (docs/protocol.md); a value other than true or false is
    // refused before the token is looked at (nothing to admit, count or undo).
    const batch = socketIoBatchOption(auth.batch);
    if (!batch.ok) {
      logRefusedConnection(deps, 'socketio', socket.handshake.address, ErrorCode.VALIDATION_FAILED);
      const data: ConnectErrorData = { code: ErrorCode.VALIDATION_FAILED, message: batch.message };
      next(Object.assign(new Error(ErrorCode.VALIDATION_FAILED), { data }));
      return;
    }
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
        socket.data.batch = batch.batch;
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
      // What this turn queued (a goodbye error, say) goes before the disconnect packet, unless it is all dropped.
      if (discard) outbox.discard();
      else outbox.flush();
      closedBy = why ?? 'server';
      if (why) logDroppedConnection(deps, connection, address, why);
      deps.pipeline.drop(connection);
      socket.disconnect(true);
      if (discard) session.close(true);
    };
    // Batched: the outbox holds envelope texts, each turn's go as one `batch` packet.
    const batched = socket.data.batch === true;
    const outbox = new TickOutbox({
      write: (frames) => writePackets(session, batched ? [socketIoBatchPacket(frames)] : frames),
      failed: (error) => {
        deps.log?.('warn', 'socket.io write failed', error, { user: connection.userId, connection: connection.id });
        shut(true, 'WRITE_FAILED');
      },
    });
    const connection: ClientConnection = {
      id: socket.data.connectionId,
      userId: socket.data.userId,
      transport: 'socketio',
      send(envelope: ServerEnvelope) {
        if (closing) return;
        // A reader that stopped reading: drop the connection rather than buffer without end (the client can resume).
        if (owedBytes(session, outbox) > deps.limits.maxOutboundBufferBytes) {
          shut(true, 'SLOW_CONSUMER');
          return;
        }
        outbox.push(batched ? envelopeJson(envelope) : socketIoPacket(envelope));
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
    // Closed by the server (io.close(), say) with packets still queued: they go before the close.
    socket.on('disconnecting', () => outbox.flush());
    socket.on('disconnect', (reason) => {
      outbox.discard();
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
