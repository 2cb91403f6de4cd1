/** Socket.IO at /socket.io: handshake auth, then every `message` into the pipeline. */
import type http from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerEnvelope, ServerToClientEvents, SocketData } from '../../protocol/index.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';
import { admitConnection, type Admission, type TransportDeps } from './connection-admission.ts';

export type SocketIoDeps = TransportDeps;

export function attachSocketIo(server: http.Server, deps: SocketIoDeps): Server {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, {
    path: '/socket.io',
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    destroyUpgrade: false,
    cors: { origin: (origin, cb) => cb(null, deps.originAllowed(origin)), credentials: false },
    allowRequest: (req, cb) => cb(null, deps.originAllowed(req.headers.origin)),
  });

  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown };
    const header = socket.handshake.headers.authorization;
    const token = typeof auth.token === 'string' ? auth.token : header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    admitConnection(deps, token)
      .then((admission: Admission) => {
        if (!admission.ok) {
          const err = new Error(admission.code) as Error & { data: { code: string; message: string } };
          err.data = { code: admission.code, message: admission.message };
          next(err);
          return;
        }
        socket.data.userId = admission.userId;
        socket.data.connectionId = admission.connectionId;
        next();
      })
      .catch(next);
  });

  io.on('connection', (socket) => {
    const connection: ClientConnection = {
      id: socket.data.connectionId,
      userId: socket.data.userId,
      transport: 'socketio',
      send(envelope: ServerEnvelope) {
        (socket.emit as (ev: string, arg: unknown) => boolean)(envelope.type, envelope);
      },
    };
    deps.registry.add(connection);
    socket.on('message', (raw: unknown) => {
      void deps.pipeline.receive(connection, raw);
    });
    socket.on('disconnect', () => {
      deps.registry.remove(connection);
      deps.onClose(connection);
    });
  });
  return io;
}
