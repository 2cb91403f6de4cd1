/**
 * A user's connection whose socket lives in a Web Worker (connection-worker.ts), with the same
 * surface as `connect()` from client/flowscope-connection.ts. Why: each WebSocket frame costs
 * the page's main thread a task (the browser's delivery, Socket.IO's decoding) before any
 * console code runs; at 5,000 events a second that alone kept frames waiting over 100 ms. In
 * the worker those tasks run beside the page, which gets the envelopes in a few batched
 * messages per frame, in order, each connection's as one JSON text parsed here at once. The
 * frame's own text stays in the worker: an envelope listener's `raw` is the envelope's JSON
 * (computed only when a listener reads more than one argument). Where there is no Worker
 * (Node, tests) it is `connect()` itself.
 */
import {
  connect,
  ConnectionRefusedError,
  type ConnectionOptions,
  type ConnectionState,
  type EnvelopeListener,
  type FlowscopeConnection,
  type ReceivedEnvelope,
  type StateListener,
} from '../../../client/flowscope-connection.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

interface Endpoint {
  deliver(message: FromWorker): void;
}

let worker: Worker | null = null;
let nextId = 1;
const endpoints = new Map<number, Endpoint>();

function theWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./connection-worker.ts', import.meta.url), { type: 'module', name: 'flowscope-connections' });
  w.onmessage = (ev: MessageEvent<FromWorker[]>) => {
    for (const message of ev.data) endpoints.get(message.id)?.deliver(message);
  };
  worker = w;
  return w;
}

/** Whether connections can run in a worker here (a browser page). */
export function workerConnectionsAvailable(): boolean {
  return typeof Worker !== 'undefined' && typeof window !== 'undefined';
}

/** Opens a connection in the worker (or on this thread where there is no Worker). */
export function connectInWorker(options: ConnectionOptions): FlowscopeConnection {
  if (!workerConnectionsAvailable() || options.WebSocketImpl) return connect(options);
  const w = theWorker();
  const id = nextId++;
  const post = (message: ToWorker) => w.postMessage(message);
  const envelopeListeners = new Set<EnvelopeListener>();
  const stateListeners = new Set<StateListener>();
  let state: ConnectionState = 'connecting';
  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined);
  let lastSendError: string | null = null;

  endpoints.set(id, {
    deliver(message) {
      if (message.kind === 'envelopes') {
        const envelopes = JSON.parse(message.json) as ReceivedEnvelope[];
        for (const envelope of envelopes) for (const l of envelopeListeners) l(envelope, l.length > 1 ? JSON.stringify(envelope) : '');
      } else if (message.kind === 'state') {
        state = message.state;
        if (state === 'open') resolveReady();
        if (state === 'refused') rejectReady(new ConnectionRefusedError(message.refusal ?? { code: 'REFUSED', message: 'refused' }));
        for (const l of stateListeners) l(message.state, message.refusal);
        if (state === 'closed' || state === 'refused') endpoints.delete(id);
      } else {
        lastSendError = message.message;
      }
    },
  });
  const { WebSocketImpl: _unused, ...plain } = options;
  post({ op: 'connect', id, options: plain });

  return {
    transport: options.transport ?? 'socketio',
    get state() {
      return state;
    },
    ready,
    send(message: unknown) {
      // as on the main thread: a send on a connection that is not open fails at once
      if (state !== 'open') throw new Error(lastSendError ?? 'the connection is not open');
      post({ op: 'send', id, message });
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
      post({ op: 'drop', id });
    },
    close() {
      post({ op: 'close', id });
    },
  };
}
