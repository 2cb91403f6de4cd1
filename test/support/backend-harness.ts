/** Starts a real backend on an ephemeral port for system tests, and clients (client/) for it. */
import WebSocket from 'ws';
import { connect, type FlowscopeConnection, type ReceivedEnvelope, type TransportKind, type WebSocketConstructor } from '../../client/index.ts';
import type { BackendOptions } from '../../backend/server/flowscope-server.ts';
import { startTestBackend, type TestBackend } from './test-backend.ts';

export interface Harness extends TestBackend {
  client(userId: string, transport?: TransportKind): Promise<TestClient>;
}

export interface TestClient {
  connection: FlowscopeConnection;
  received: ReceivedEnvelope[];
  send(message: unknown): void;
  /** Resolves with the first received envelope (from now on or already received) matching. */
  waitFor(match: (e: ReceivedEnvelope) => boolean, timeoutMs?: number): Promise<ReceivedEnvelope>;
  /** All events of a run once its agent_completed arrived. */
  runEvents(runId: string, timeoutMs?: number): Promise<ReceivedEnvelope[]>;
  close(): void;
}

export function wrapConnection(connection: FlowscopeConnection): TestClient {
  const received: ReceivedEnvelope[] = [];
  const waiters = new Set<() => void>();
  connection.onEnvelope((e) => {
    received.push(e);
    for (const w of [...waiters]) w();
  });
  const waitFor = (match: (e: ReceivedEnvelope) => boolean, timeoutMs = 10_000) =>
    new Promise<ReceivedEnvelope>((resolve, reject) => {
      const check = () => {
        const found = received.find(match);
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms; received: ${JSON.stringify(received.map((r) => [r.type, r.seq, r.run_id])).slice(0, 1500)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    connection,
    received,
    send: (m) => connection.send(m),
    waitFor,
    async runEvents(runId, timeoutMs) {
      await waitFor((e) => e.type === 'agent_completed' && e.run_id === runId, timeoutMs);
      return received.filter((e) => e.run_id === runId && e.type !== 'message_ack');
    },
    close: () => connection.close(),
  };
}

export async function startHarness(config: BackendOptions = {}): Promise<Harness> {
  const { backend, dataDir } = await startTestBackend(config);
  const clients: TestClient[] = [];
  return {
    backend,
    dataDir,
    async client(userId, transport = 'socketio') {
      const token = await backend.mintToken(userId);
      const connection = connect({ url: backend.url, token, transport, WebSocketImpl: WebSocket as unknown as WebSocketConstructor });
      await connection.ready;
      const client = wrapConnection(connection);
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.close();
      await backend.close();
    },
  };
}
