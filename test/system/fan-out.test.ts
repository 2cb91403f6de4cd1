/**
 * Per-user fan-out on the bus, read from each process's GET /metrics: three real backend
 * processes on one PostgreSQL schema and one Redis prefix. Users connected to A and B run
 * messages (one user on both, so events cross between A and B); C, with no connections,
 * receives no bus message at all for them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TestClient } from '../support/backend-harness.ts';
import { serveCluster } from '../support/serve-cluster.ts';
import { postgresAvailable, redisAvailable } from '../support/test-services.ts';

const pgUp = await postgresAvailable();
const redisUp = await redisAvailable();
const cluster = serveCluster('fanout');
afterAll(() => cluster.close());

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
    const [a, b, c] = await Promise.all([cluster.start(), cluster.start(), cluster.start()]);

    const onA = await cluster.client(a.url, 'fan-alice', 'ws');
    const onB = await cluster.client(b.url, 'fan-bob', 'socketio');
    const roamA = await cluster.client(a.url, 'fan-roam', 'ws');
    const roamB = await cluster.client(b.url, 'fan-roam', 'socketio');
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
    // Which process runs a message is whichever claims it first (the roaming user's runs,
    // accepted on B, may run on A, which holds a connection of the user too): the nine runs
    // finished once each, across the three.
    const finished = await Promise.all([a, b, c].map((p) => metric(p.url, 'flowscope_runs_finished_total')));
    expect(finished.reduce((x, y) => x + y, 0)).toBe(9);
  }, 90_000);
});
