/**
 * One connection of one user to a Flowscope backend (or any backend speaking the
 * protocol), over Socket.IO or plain WebSocket, with the same surface for both. Used by
 * the console, the scenario runner, the benchmark and the integration tests. Runs in the
 * browser and in Node (pass `WebSocketImpl` from the `ws` package in Node 20).
 */
import { io, type Socket } from 'socket.io-client';
import {
  BATCH_OPTION,
  CLIENT_MESSAGE_EVENT,
  envelopesOfSocketIoEvent,
  envelopesOfWsFrame,
  type ClientToServerEvents,
  type ConnectErrorData,
  type ServerToClientEvents,
} from '../protocol/index.ts';

export type TransportKind = 'socketio' | 'ws';
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'refused';

/** An envelope as received: parsed JSON, not yet validated (a debugger shows what came). */
export interface ReceivedEnvelope {
  type: string;
  [key: string]: unknown;
}

export interface ConnectionRefusal {
  code: string;
  message: string;
  /** WebSocket close code, for `/ws`. */
  closeCode?: number;
}

export class ConnectionRefusedError extends Error {
  readonly code: string;
  readonly closeCode: number | undefined;
  constructor(refusal: ConnectionRefusal) {
    super(refusal.message);
    this.name = 'ConnectionRefusedError';
    this.code = refusal.code;
    this.closeCode = refusal.closeCode;
  }
}

/** The subset of the WebSocket API used here (browser WebSocket and `ws` both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface ConnectionOptions {
  /** Backend base URL, e.g. http://127.0.0.1:8000 */
  url: string;
  token: string;
  transport?: TransportKind;
  /** Reconnect after a lost connection (not after a refusal). Default false. */
  reconnect?: boolean;
  /** Required in Node for `ws` transport (Node 20 has no global WebSocket). */
  WebSocketImpl?: WebSocketConstructor;
  /** Socket.IO engine transports; default websocket only. */
  socketIoTransports?: Array<'websocket' | 'polling'>;
  /**
   * Ask for batched delivery (docs/protocol.md, "Batched delivery"): the server sends what it
   * has for the connection at one moment in one frame, so thousands of events a second are
   * tens of frames. Listeners still get one envelope at a time, in order; a server that does
   * not know the option sends one frame per envelope, which is read the same. Default false.
   */
  batch?: boolean;
}

/**
 * Told each envelope received. `raw` is the frame's text (/ws) or the payload's JSON
 * (Socket.IO, or an envelope of a batch); it is made only for a listener that declares the
 * parameter (a payload is not serialised again for listeners that never read it), others get ''.
 */
export type EnvelopeListener = (envelope: ReceivedEnvelope, raw: string) => void;
export type StateListener = (state: ConnectionState, refusal?: ConnectionRefusal) => void;

export interface FlowscopeConnection {
  readonly transport: TransportKind;
  readonly state: ConnectionState;
  /** Resolves once open; rejects with ConnectionRefusedError when the server refuses. */
  readonly ready: Promise<void>;
  /** Sends a message: a string goes as-is (raw text), anything else as JSON. */
  send(message: unknown): void;
  onEnvelope(listener: EnvelopeListener): () => void;
  onState(listener: StateListener): () => void;
  /** Drops the underlying transport without a clean close (fault injection). */
  drop(): void;
  close(): void;
}

const READY_PING_ID = '__flowscope_ready__';

function toWsUrl(base: string, token: string, batch: boolean): string {
  const url = new URL(base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/$/, '')}/ws`;
  url.searchParams.set('token', token);
  if (batch) url.searchParams.set(BATCH_OPTION, '1');
  return url.toString();
}

export function connect(options: ConnectionOptions): FlowscopeConnection {
  const transport = options.transport ?? 'socketio';
  const envelopeListeners = new Set<EnvelopeListener>();
  const stateListeners = new Set<StateListener>();
  let state: ConnectionState = 'connecting';
  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined); // callers that never await ready must not see an unhandled rejection

  const setState = (next: ConnectionState, refusal?: ConnectionRefusal) => {
    state = next;
    for (const listener of stateListeners) listener(next, refusal);
  };
  const deliver = (envelope: ReceivedEnvelope, raw: string | (() => string)) => {
    let text = typeof raw === 'string' ? raw : undefined;
    for (const listener of envelopeListeners) {
      if (listener.length > 1) text ??= (raw as () => string)();
      listener(envelope, text ?? '');
    }
  };

  let sendImpl: (text: string | object) => void;
  let closeImpl: () => void;
  let dropImpl: () => void;

  if (transport === 'socketio') {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(options.url, {
      path: '/socket.io',
      auth: options.batch ? { token: options.token, batch: true } : { token: options.token },
      transports: options.socketIoTransports ?? ['websocket'],
      reconnection: options.reconnect ?? false,
      forceNew: true,
      timeout: 10_000,
    });
    socket.on('connect', () => {
      setState('open');
      resolveReady();
    });
    socket.on('connect_error', (err: Error & { data?: ConnectErrorData }) => {
      const refusal: ConnectionRefusal = err.data?.code ? { code: err.data.code, message: err.data.message } : { code: 'CONNECT_FAILED', message: err.message };
      if (err.data?.code || !socket.active) {
        setState('refused', refusal);
        rejectReady(new ConnectionRefusedError(refusal));
      } else {
        setState('reconnecting', refusal);
      }
    });
    socket.on('disconnect', (reason) => {
      // Without `reconnect` nothing reconnects: the socket stays "active" (its listeners are
      // still registered), so that alone must not read as reconnecting.
      setState((options.reconnect ?? false) && socket.active && reason !== 'io client disconnect' ? 'reconnecting' : 'closed');
    });
    socket.onAny((event: string, payload: unknown) => {
      for (const { envelope, raw } of envelopesOfSocketIoEvent(event, payload, options.batch ?? false)) deliver(envelope as ReceivedEnvelope, raw);
    });
    sendImpl = (message) => socket.emit(CLIENT_MESSAGE_EVENT, message);
    closeImpl = () => socket.disconnect();
    dropImpl = () => socket.io.engine?.close();
  } else {
    const Impl = options.WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Impl) throw new Error('No WebSocket implementation: pass WebSocketImpl (e.g. from the ws package).');
    let lastError: ConnectionRefusal | undefined;
    let closedByUser = false;
    let current: WebSocketLike;
    const open = () => {
      const ws = new Impl(toWsUrl(options.url, options.token, options.batch ?? false));
      current = ws;
      // A refused /ws connection is opened, then gets an error frame and a 4401/4403 close;
      // so readiness is confirmed by a ping round trip (protocol.md §3).
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: 'ping', message_id: READY_PING_ID }));
      };
      ws.onmessage = (ev) => {
        const frame = typeof ev.data === 'string' ? ev.data : String(ev.data);
        for (const { envelope, raw } of envelopesOfWsFrame(frame, options.batch ?? false)) {
          if (envelope.type === 'pong' && envelope.message_id === READY_PING_ID) {
            if (state !== 'open') {
              setState('open');
              resolveReady();
            }
            continue;
          }
          if (state === 'connecting' && envelope.type === 'error') {
            const p = (envelope.payload ?? {}) as { code?: string; message?: string };
            lastError = { code: p.code ?? 'REFUSED', message: p.message ?? 'refused' };
          }
          deliver(envelope, raw);
        }
      };
      ws.onerror = () => undefined;
      ws.onclose = (ev) => {
        if (state === 'connecting' || ev.code === 4401 || ev.code === 4403) {
          const refusal: ConnectionRefusal = lastError
            ? { ...lastError, closeCode: ev.code }
            : { code: 'CONNECT_FAILED', message: ev.reason || `closed with ${ev.code}`, closeCode: ev.code };
          setState('refused', refusal);
          rejectReady(new ConnectionRefusedError(refusal));
          return;
        }
        if (!closedByUser && options.reconnect) {
          setState('reconnecting');
          setTimeout(() => {
            if (!closedByUser) open();
          }, 500);
          return;
        }
        setState('closed');
      };
    };
    open();
    sendImpl = (message) => {
      if (current.readyState !== 1) throw new Error('WebSocket is not open');
      current.send(typeof message === 'string' ? message : JSON.stringify(message));
    };
    closeImpl = () => {
      closedByUser = true;
      current.close(1000, 'client closed');
    };
    dropImpl = () => {
      const ws = current as WebSocketLike & { terminate?: () => void };
      if (ws.terminate) ws.terminate();
      else ws.close(4000, 'dropped');
    };
  }

  return {
    transport,
    get state() {
      return state;
    },
    ready,
    send(message: unknown) {
      sendImpl(typeof message === 'string' ? message : (message as object));
    },
    onEnvelope(listener) {
      envelopeListeners.add(listener);
      return () => envelopeListeners.delete(listener);
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    drop() {
      dropImpl();
    },
    close() {
      closeImpl();
    },
  };
}
