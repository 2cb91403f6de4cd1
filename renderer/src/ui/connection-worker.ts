/// <reference lib="webworker" />
/**
 * The users' connections, off the main thread (see worker-connection.ts): each WebSocket or
 * Socket.IO connection lives here, so receiving thousands of frames a second (the browser's
 * per-frame work, Socket.IO's decoding) never delays the console's rendering. What the
 * connections receive goes to the page in batches (at most one message per frame), in
 * order, state changes included; a connection's envelopes in a batch go as one JSON text.
 */
import { connect, type FlowscopeConnection, type ReceivedEnvelope } from '../../../client/flowscope-connection.ts';
import { WORKER_BATCH_MAX, WORKER_BATCH_MS, type FromWorker, type ToWorker } from './worker-protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const connections = new Map<number, FlowscopeConnection>();
/** What goes to the page next: messages, and envelopes gathered per connection (in order). */
let batch: Array<FromWorker | { kind: 'gathering'; id: number; envelopes: ReceivedEnvelope[] }> = [];
let gathered = 0;
let timer: ReturnType<typeof setTimeout> | null = null;

function flush(): void {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (batch.length === 0) return;
  const out: FromWorker[] = batch.map((m) => (m.kind === 'gathering' ? { kind: 'envelopes', id: m.id, json: JSON.stringify(m.envelopes) } : m));
  batch = [];
  gathered = 0;
  scope.postMessage(out);
}

function schedule(now: boolean): void {
  if (now || gathered >= WORKER_BATCH_MAX) flush();
  else timer ??= setTimeout(flush, WORKER_BATCH_MS);
}

/** Queues a message for the page; state changes and send errors go at once (after what came before them). */
function post(message: FromWorker, now: boolean): void {
  batch.push(message);
  schedule(now);
}

/** Queues a received envelope (with the ones before it from the same connection, when nothing came between). */
function gather(id: number, envelope: ReceivedEnvelope): void {
  const last = batch[batch.length - 1];
  if (last?.kind === 'gathering' && last.id === id) last.envelopes.push(envelope);
  else batch.push({ kind: 'gathering', id, envelopes: [envelope] });
  gathered++;
  schedule(false);
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
      conn.onEnvelope((envelope) => gather(m.id, envelope));
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
