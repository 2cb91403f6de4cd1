/**
 * Plain WebSocket at /ws: one JSON text frame per envelope. A refused connection gets one
 * `error` frame, then close 4401 (auth) or 4403 (forbidden / too many connections).
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ErrorCode, wsCloseCodeFor, type ServerEnvelope } from '../../protocol/index.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';
import { errorEnvelope } from '../routing/error-envelope.ts';
import { admitConnection, type TransportDeps } from './connection-admission.ts';

/** Frames above this are refused by the transport itself (close 1009). */
export const WS_MAX_FRAME_BYTES = 64 * 1024;

export type WsDeps = TransportDeps;

function tokenFrom(req: http.IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7);
  const url = new URL(req.url ?? '/', 'http://localhost');
  return url.searchParams.get('token') ?? undefined;
}

export function attachWebSocket(server: http.Server, deps: WsDeps): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_FRAME_BYTES, perMessageDeflate: false });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname.startsWith('/socket.io')) return; // Socket.IO's own upgrade handler
    if (pathname !== '/ws') {
      socket.destroy();
      return;
    }
    if (!deps.originAllowed(req.headers.origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    void admitConnection(deps, tokenFrom(req)).then((admission) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (!admission.ok) {
          ws.send(JSON.stringify(errorEnvelope(admission.code, admission.message, null)));
          ws.close(wsCloseCodeFor(admission.code), admission.code);
          return;
        }
        const connection: ClientConnection = {
          id: admission.connectionId,
          userId: admission.userId,
          transport: 'ws',
          send(envelope: ServerEnvelope) {
            if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(envelope));
          },
        };
        deps.registry.add(connection);
        ws.on('message', (data, isBinary) => {
          if (isBinary) {
            connection.send(errorEnvelope(ErrorCode.INVALID_JSON, 'Binary frames are not supported; send JSON text frames.', null));
            return;
          }
          const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
          void deps.pipeline.receive(connection, text);
        });
        ws.on('error', () => undefined);
        ws.on('close', () => {
          deps.registry.remove(connection);
          deps.onClose(connection);
        });
      });
    });
  });
  return wss;
}
