/**
 * Per-user fan-out on the bus, read from each process's GET /metrics: three real backend
 * processes on one PostgreSQL schema and one Redis prefix. Users connected to A and B run
 * messages (one user on both, so events cross between A and B); C, with no connections,
 * receives no bus message at all for them.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, createRestClient, type WebSocketConstructor } from '../../client/index.ts';
import { wrapConnection, type TestClient } from '../support/backend-harness.ts';
import { startServeProcess } from '../support/serve-process.ts';
import { dropTestSchema, postgresAvailable, redisAvailable, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueTestName } from '../support/test-services.ts';

const pgUp = await postgresAvailable();
const redisUp = await redisAvailable();
const schema = uniqueTestName('fanout');
const env = {
  JWT_SECRET: 'fan-out-secret-fan-out-secret-fan-out-00',
  DATABASE_URL: TEST_DATABASE_URL,
  DATABASE_SCHEMA: schema,
  REDIS_URL: TEST_REDIS_URL,
  CACHE_PREFIX: `${schema}:`,
};
const children: ChildProcess[] = [];
const clients: TestClient[] = [];

afterAll(async () => {
  for (const c of clients) c.close();
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = running.map((c) => new Promise((r) => c.once('exit', r)));
  for (const child of running) child.kill('SIGTERM');
  await Promise.all(exited);
  if (pgUp.available) await dropTestSchema(TEST_DATABASE_URL, schema);
});

async function client(url: string, userId: string, transport: 'socketio' | 'ws'): Promise<TestClient> {
  const { token } = await createRestClient(url).mintToken(userId);
  const c = wrapConnection(connect({ url, token, transport, WebSocketImpl: WebSocket as unknown as WebSocketConstructor }));
  await c.connection.ready;
  clients.push(c);
  return c;
}

/** Sum of a metric's samples (all label sets) in Prometheus text. */
async function metric(url: string, name: string): Promise<number> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function runAll(c: TestClient, tag: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const id = `${tag}-${i}`;
    c.send({ type: 'user_message', message_id: id, payload: { content: `what is ${i} + 1?` } });
    const ack = await c.waitFor((e) => e.type === 'message_ack' && e.message_id === id);
    const events = await c.runEvents((ack.payload as { run_id: string }).run_id, 15_000);
    expect(events.at(-1)).toMatchObject({ type: 'agent_completed', payload: { status: 'succeeded' } });
  }
}

describe.skipIf(!pgUp.available || !redisUp.available)('per-user fan-out on the bus (three processes)', () => {
  it('a process with no connections receives no bus messages for the users of the others', async () => {
    const [a, b, c] = await Promise.all([startServeProcess([], env), startServeProcess([], env), startServeProcess([], env)]);
    children.push(a.child, b.child, c.child);

    const onA = await client(a.url, 'fan-alice', 'ws');
    const onB = await client(b.url, 'fan-bob', 'socketio');
    const roamA = await client(a.url, 'fan-roam', 'ws');
    const roamB = await client(b.url, 'fan-roam', 'socketio');
    await Promise.all([runAll(onA, 'alice', 3), runAll(onB, 'bob', 3), runAll(roamB, 'roam', 3)]);
    // The roaming user's runs were accepted on B; A gets their events over the bus (the last
    // one may still be on its way when B's connection has it).
    const deadline = Date.now() + 10_000;
    while (roamA.received.filter((e) => e.type === 'agent_completed').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(roamA.received.filter((e) => e.type === 'agent_completed')).toHaveLength(3);

    expect(await metric(a.url, 'flowscope_bus_messages_received_total')).toBeGreaterThan(0);
    expect(await metric(b.url, 'flowscope_bus_messages_published_total')).toBeGreaterThan(0);
    expect(await metric(c.url, 'flowscope_bus_messages_received_total')).toBe(0);
    expect(await metric(c.url, 'flowscope_bus_subscriptions')).toBe(0);
    expect(await metric(a.url, 'flowscope_connections')).toBe(2);
    expect(await metric(b.url, 'flowscope_runs_finished_total')).toBeGreaterThanOrEqual(6);
  }, 90_000);
});
