/// <reference lib="webworker" />
/**
 * The users' connections, off the main thread (see worker-connection.ts): each WebSocket or
 * Socket.IO connection lives here, so receiving thousands of frames a second (the browser's
 * per-frame work, Socket.IO's decoding) never delays the console's rendering. What the
 * connections receive goes to the page in batches (at most one message per few ms), in
 * order, state changes included.
 */
import { connect, type FlowscopeConnection } from '../../../client/flowscope-connection.ts';
import { WORKER_BATCH_MAX, WORKER_BATCH_MS, type FromWorker, type ToWorker } from './worker-protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const connections = new Map<number, FlowscopeConnection>();
let batch: FromWorker[] = [];
let timer: ReturnType<typeof setTimeout> | null = null;

function flush(): void {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (batch.length === 0) return;
  const out = batch;
  batch = [];
  scope.postMessage(out);
}

/** Queues a message for the page; state changes and send errors go at once (after what came before them). */
function post(message: FromWorker, now: boolean): void {
  batch.push(message);
  if (now || batch.length >= WORKER_BATCH_MAX) flush();
  else timer ??= setTimeout(flush, WORKER_BATCH_MS);
}

scope.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  switch (m.op) {
    case 'connect': {
      const conn = connect(m.options);
      connections.set(m.id, conn);
      conn.ready.catch(() => undefined);
      conn.onState((state, refusal) => {
        post({ kind: 'state', id: m.id, state, refusal }, true);
        if (state === 'closed' || state === 'refused') connections.delete(m.id);
      });
      conn.onEnvelope((envelope, raw) => post({ kind: 'envelope', id: m.id, envelope, raw }, false));
      return;
    }
    case 'send':
      try {
        connections.get(m.id)?.send(m.message);
      } catch (err) {
        post({ kind: 'send-error', id: m.id, message: err instanceof Error ? err.message : String(err) }, true);
      }
      return;
    case 'close':
      connections.get(m.id)?.close();
      connections.delete(m.id);
      return;
    case 'drop':
      connections.get(m.id)?.drop();
      return;
  }
};
