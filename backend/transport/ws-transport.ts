/**
 * Plain WebSocket at /ws: one JSON text frame per envelope. A refused connection gets one
 * `error` frame, then close 4401 (auth) or 4403 (forbidden / too many connections). Over
 * the per-address or total caps the upgrade itself is refused (HTTP 429 / 503). An open
 * connection is closed 4401 when its token expires, 4429 when its inbound backlog passes
 * its cap, 4408 when it stops reading and what it is owed passes its cap. Each envelope's
 * frame text is made once (whatever number of connections get it), a connection's frames of
 * one turn of the event loop leave in one write (tick-outbox.ts); to a connection opened with
 * `?batch=1`, as one frame (a JSON array of them).
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ErrorCode, WsCloseCode, wsBatchOption, wsCloseCodeFor, type ServerEnvelope } from '../../protocol/index.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';
import { requestUrl } from '../http/http-helpers.ts';
import { BinaryFrame } from '../reception/inbound-pipeline.ts';
import { errorEnvelope } from '../routing/error-envelope.ts';
import { wsFrameEncoder, type WsFrameEncoder } from '../agents/ag-ui/ag-ui-ws-frames.ts';
import { envelopeJson } from '../store/envelope-json.ts';
import {
  admitConnection,
  AUTH_EXPIRED_MESSAGE,
  backlogFullEnvelope,
  logConnection,
  logDroppedConnection,
  logRefusedConnection,
  scheduleAt,
  type TransportDeps,
} from './connection-admission.ts';
import { corked, TickOutbox, type Corkable } from './tick-outbox.ts';

/** Frames above this are refused by the transport itself (close 1009). */
export const WS_MAX_FRAME_BYTES = 64 * 1024;

export type WsDeps = TransportDeps;

/**
 * The server side of a /ws connection: its outbox is flushed before a close frame, whoever
 * closes it (this transport, or the server's shutdown with `close(1001)`), so what the
 * connection was sent in this turn goes out first.
 */
class OutboxWebSocket extends WebSocket {
  outbox: TickOutbox | undefined;

  override close(code?: number, data?: string | Buffer): void {
    this.outbox?.flush();
    super.close(code, data);
  }
}

/** The TCP socket under a `ws` WebSocket (`_socket`, set once it is open). */
function tcpSocket(ws: WebSocket): Corkable | undefined {
  return (ws as unknown as { _socket?: Corkable })._socket;
}

/** The default encoder (`?events` absent or `flowscope`): the envelope's JSON. */
const FLOWSCOPE_FRAMES = (wsFrameEncoder('flowscope') as { ok: true; encode: WsFrameEncoder }).encode;
const memos = new WeakMap<WsFrameEncoder, WsFrameEncoder>();

/**
 * The encoder, each envelope's frame made once: the Flowscope frame is the envelope's JSON,
 * the text the store wrote (envelope-json.ts); another (AG-UI) remembers what it made.
 */
export function encodeOnce(encode: WsFrameEncoder): WsFrameEncoder {
  if (encode === FLOWSCOPE_FRAMES) return envelopeJson;
  let memo = memos.get(encode);
  if (!memo) {
    const texts = new WeakMap<ServerEnvelope, string>();
    memo = (envelope) => {
      let text = texts.get(envelope);
      if (text === undefined) {
        text = encode(envelope);
        texts.set(envelope, text);
      }
      return text;
    };
    memos.set(encode, memo);
  }
  return memo;
}

function tokenFrom(req: http.IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7);
  return requestUrl(req)?.searchParams.get('token') ?? undefined;
}

function refuseUpgrade(socket: Duplex, status: 429 | 503 | 403, message: string): void {
  const reason = status === 429 ? 'Too Many Requests' : status === 503 ? 'Service Unavailable' : 'Forbidden';
  const body = status === 403 ? '' : JSON.stringify({ error: { code: ErrorCode.TOO_MANY_CONNECTIONS, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function attachWebSocket(server: http.Server, deps: WsDeps): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_FRAME_BYTES, perMessageDeflate: false, WebSocket: OutboxWebSocket });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = requestUrl(req)?.pathname ?? '';
    if (pathname.startsWith('/socket.io')) return; // Socket.IO's own upgrade handler
    if (pathname !== '/ws') {
      socket.destroy();
      return;
    }
    if (!deps.originAllowed(req.headers.origin)) {
      refuseUpgrade(socket, 403, 'Origin not allowed.');
      return;
    }
    const place = deps.gate.begin(req.socket.remoteAddress);
    if (!place.ok) {
      refuseUpgrade(socket, place.scope === 'address' ? 429 : 503, place.message);
      return;
    }
    const ticket = place.ticket;
    const address = req.socket.remoteAddress;
    socket.once('close', () => ticket.release());
    socket.on('error', () => undefined);
    // `?events=ag-ui`: run events as AG-UI event frames; `?batch=1`: batched delivery
    // (docs/protocol.md). An unknown value of either is refused before the token is looked at
    // (nothing to admit, count or undo).
    const query = requestUrl(req)?.searchParams;
    const frames = wsFrameEncoder(query?.get('events'));
    const batch = wsBatchOption(query?.get('batch'));
    if (!frames.ok || !batch.ok) {
      const problem = !frames.ok ? frames.message : !batch.ok ? batch.message : '';
      wss.handleUpgrade(req, socket, head, (ws) => {
        logRefusedConnection(deps, 'ws', address, ErrorCode.VALIDATION_FAILED);
        ws.send(JSON.stringify(errorEnvelope(ErrorCode.VALIDATION_FAILED, problem, null)));
        ws.close(1008, ErrorCode.VALIDATION_FAILED);
      });
      return;
    }
    const batched = batch.batch;
    void admitConnection(deps, tokenFrom(req)).then((admission) => {
      if (socket.destroyed) return;
      wss.handleUpgrade(req, socket, head, (client) => {
        const ws = client as OutboxWebSocket;
        if (!admission.ok) {
          logRefusedConnection(deps, 'ws', address, admission.code);
          ws.send(JSON.stringify(errorEnvelope(admission.code, admission.message, null)));
          ws.close(wsCloseCodeFor(admission.code), admission.code);
          return;
        }
        ticket.admitted();
        const encode = encodeOnce(frames.encode);
        let closing = false;
        const openedAt = Date.now();
        /** Why the server closed it, for the log line. */
        let closedBy: { code: number; reason: string } | undefined;
        /** Closes with a code and reason; a peer that does not answer the close is cut off. */
        const shut = (code: number, reason: string) => {
          if (closing) return;
          closing = true;
          closedBy = { code, reason };
          if (code !== WsCloseCode.AUTH) logDroppedConnection(deps, connection, address, reason, { close_code: code });
          deps.pipeline.drop(connection);
          ws.close(code, reason);
          setTimeout(() => ws.terminate(), 2000).unref();
        };
        const outbox = new TickOutbox({
          write(texts) {
            if (ws.readyState !== WebSocket.OPEN) return;
            if (batched) {
              ws.send(`[${texts.join(',')}]`);
              return;
            }
            corked(tcpSocket(ws), () => {
              for (const text of texts) ws.send(text);
            });
          },
          failed(error) {
            deps.log?.('warn', 'ws write failed', error, { user: admission.userId, connection: admission.connectionId });
            closing = true;
            ws.terminate();
          },
        });
        ws.outbox = outbox;
        const connection: ClientConnection = {
          id: admission.connectionId,
          userId: admission.userId,
          transport: 'ws',
          send(envelope: ServerEnvelope) {
            if (ws.readyState !== WebSocket.OPEN || closing) return;
            // A reader that stopped reading: drop the connection rather than buffer without end (the client can resume).
            if (ws.bufferedAmount + outbox.queuedLength > deps.limits.maxOutboundBufferBytes) {
              shut(WsCloseCode.SLOW_CONSUMER, 'SLOW_CONSUMER');
              return;
            }
            outbox.push(encode(envelope));
          },
        };
        deps.registry.add(connection);
        logConnection(deps, 'opened', connection, address);
        // The slow-reader rule in time: a peer that has not answered the last ping (queued behind
        // what it is owed) by the next one stopped reading, whatever the kernel still buffers.
        let awaitingPong = false;
        ws.on('pong', () => (awaitingPong = false));
        const heartbeat = setInterval(() => {
          if (closing) return;
          if (awaitingPong) {
            shut(WsCloseCode.SLOW_CONSUMER, 'SLOW_CONSUMER');
            return;
          }
          awaitingPong = true;
          ws.ping();
        }, deps.limits.pingIntervalMs ?? 25_000);
        heartbeat.unref();
        const expiry = scheduleAt(admission.expiresAtMs, () => {
          connection.send(errorEnvelope(ErrorCode.AUTH_EXPIRED, AUTH_EXPIRED_MESSAGE, null));
          shut(WsCloseCode.AUTH, ErrorCode.AUTH_EXPIRED);
        });
        ws.on('message', (data, isBinary) => {
          if (closing) return;
          const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
          // Binary frames take their turn in the pipeline (rate limit, order) and get INVALID_JSON there.
          const raw = isBinary ? new BinaryFrame(buffer.byteLength) : buffer.toString('utf8');
          if (deps.pipeline.receive(connection, raw, buffer.byteLength) === null) {
            connection.send(backlogFullEnvelope());
            shut(WsCloseCode.BACKLOG, ErrorCode.RATE_LIMITED);
          }
        });
        ws.on('error', () => undefined);
        ws.on('close', (code) => {
          outbox.discard();
          logConnection(deps, 'closed', connection, address, {
            close_code: closedBy?.code ?? code,
            by: closedBy ? 'server' : 'client',
            duration_ms: Date.now() - openedAt,
          });
          expiry.cancel();
          clearInterval(heartbeat);
          deps.registry.remove(connection);
          deps.onClose(connection);
        });
      });
    });
  });
  return wss;
}
