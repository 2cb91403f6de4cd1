/**
 * Several real `flowscope serve` processes sharing one PostgreSQL schema and one Redis key
 * prefix, as a scaled-out deployment runs, and clients (client/) connected to any of them.
 * The test file calls close() in its afterAll: clients closed, every process still running
 * stopped with SIGTERM and awaited, the schema dropped.
 */
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { connect, createRestClient, type TransportKind, type WebSocketConstructor } from '../../client/index.ts';
import { wrapConnection, type TestClient } from './backend-harness.ts';
import { killAndWait, startServeProcess } from './serve-process.ts';
import { dropTestSchema, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueTestName } from './test-services.ts';

export interface ServeCluster {
  /** The environment every process of the cluster gets. */
  readonly env: Readonly<Record<string, string>>;
  /** Starts one more process of the cluster. */
  start(): Promise<{ child: ChildProcess; url: string }>;
  /** A client of `userId` connected to the process at `url` (token minted there). */
  client(url: string, userId: string, transport: TransportKind): Promise<TestClient>;
  close(): Promise<void>;
}

/** `name` prefixes the schema and key prefix; `extraEnv` is added to every process's environment. */
export function serveCluster(name: string, extraEnv: Record<string, string> = {}): ServeCluster {
  const schema = uniqueTestName(name);
  const env = {
    JWT_SECRET: `${name}-secret-`.padEnd(40, '0'),
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL: TEST_REDIS_URL,
    CACHE_PREFIX: `${schema}:`,
    ...extraEnv,
  };
  const children: ChildProcess[] = [];
  const clients: TestClient[] = [];
  return {
    env,
    async start() {
      const started = await startServeProcess([], env);
      children.push(started.child);
      return started;
    },
    async client(url, userId, transport) {
      const { token } = await createRestClient(url).mintToken(userId);
      const c = wrapConnection(connect({ url, token, transport, WebSocketImpl: WebSocket as unknown as WebSocketConstructor }));
      clients.push(c);
      await c.connection.ready;
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await Promise.all(children.map((c) => killAndWait(c, 'SIGTERM')));
      // The processes created the schema; none started (the suite skipped), nothing to drop.
      if (children.length > 0) await dropTestSchema(TEST_DATABASE_URL, schema);
    },
  };
}
