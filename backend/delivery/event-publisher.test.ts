/**
 * The bus side of the EventPublisher, two publishers (two processes) on one real Redis:
 * the run events of a user published in one tick go out as one bus message, in order; a
 * process drops its own messages without parsing them; the other delivers them to its
 * connections of that user; wake-ups and cancels still reach the other process.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEnvelope } from '../../protocol/index.ts';
import { TEST_REDIS_URL, redisAvailable, uniqueTestName } from '../../test/support/test-services.ts';
import { createCache } from '../cache/cache-factory.ts';
import type { Cache } from '../cache/cache-types.ts';
import type { ClientConnection } from './client-connection.ts';
import { ConnectionRegistry } from './connection-registry.ts';
import { EventPublisher, type BusKind } from './event-publisher.ts';

const redisUp = await redisAvailable();

interface Process {
  publisher: EventPublisher;
  registry: ConnectionRegistry;
  published: BusKind[];
  received: BusKind[];
  wakes: string[];
  cancels: string[];
}

const caches: Cache[] = [];
const publishers: EventPublisher[] = [];
afterEach(async () => {
  await Promise.all(publishers.splice(0).map((p) => p.stop()));
  await Promise.all(caches.splice(0).map((c) => c.close()));
});

let prefix = '';
beforeAll(() => {
  prefix = `${uniqueTestName('publisher')}:`;
});

async function startProcess(instanceId: string): Promise<Process> {
  const cache = await createCache({ redisUrl: TEST_REDIS_URL, keyPrefix: prefix });
  caches.push(cache);
  const registry = new ConnectionRegistry();
  const p: Process = { publisher: undefined as never, registry, published: [], received: [], wakes: [], cancels: [] };
  p.publisher = new EventPublisher(registry, cache, instanceId, true, {
    published: (kind) => p.published.push(kind),
    received: (kind) => p.received.push(kind),
  });
  publishers.push(p.publisher);
  await p.publisher.start({ onCancel: (_user, runId) => p.cancels.push(runId), onWake: (userId) => p.wakes.push(userId) });
  return p;
}

/** A connection that keeps what it is sent. */
function connection(userId: string, id: string): ClientConnection & { sent: ServerEnvelope[] } {
  const sent: ServerEnvelope[] = [];
  return { id, userId, transport: 'ws', sent, send: (envelope) => sent.push(envelope) };
}

function runEvent(userId: string, runId: string, seq: number): ServerEnvelope {
  return {
    type: 'agent_thinking',
    run_id: runId,
    thread_id: 'thr_1',
    message_id: 'msg_1',
    user_id: userId,
    seq,
    timestamp: new Date().toISOString(),
    payload: { thought: `step ${seq}`, step: seq },
  } as ServerEnvelope;
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!redisUp.available)('EventPublisher on the bus (two processes, Redis)', () => {
  it("sends a user's events of one tick as one bus message, in order, and skips its own", async () => {
    const [a, b] = await Promise.all([startProcess('proc-a'), startProcess('proc-b')]);
    const here = connection('alice', 'c-a');
    const there = connection('alice', 'c-b');
    a.registry.add(here);
    b.registry.add(there);
    await Promise.all([a.publisher.subscribeUser('alice'), b.publisher.subscribeUser('alice')]);

    const events = [1, 2, 3].map((seq) => runEvent('alice', 'run_1', seq));
    for (const e of events) a.publisher.publish('alice', e);
    // Delivered here at once, each one.
    expect(here.sent).toEqual(events);
    await until(() => there.sent.length === 3);
    expect(there.sent).toEqual(events);
    expect(a.published).toEqual(['events']);
    expect(b.received).toEqual(['events']);
    // A's own message came back on its channel and was dropped unparsed (not counted).
    await new Promise((r) => setTimeout(r, 100));
    expect(a.received).toEqual([]);

    // A single event of a tick goes as `event`.
    a.publisher.publish('alice', runEvent('alice', 'run_1', 4));
    await until(() => there.sent.length === 4);
    expect(a.published).toEqual(['events', 'event']);
  });

  it('carries wake-ups and cancels to the other process only', async () => {
    const [a, b] = await Promise.all([startProcess('proc-a'), startProcess('proc-b')]);
    await Promise.all([a.publisher.subscribeUser('bob'), b.publisher.subscribeUser('bob')]);
    a.publisher.wake('bob');
    a.publisher.requestCancel('bob', 'run_9');
    await until(() => b.wakes.length === 1 && b.cancels.length === 1);
    expect(b.wakes).toEqual(['bob']);
    expect(b.cancels).toEqual(['run_9']);
    await new Promise((r) => setTimeout(r, 100));
    expect(a.wakes).toEqual([]);
    expect(a.cancels).toEqual([]);
  });
});
