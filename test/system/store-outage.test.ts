/**
 * Defect 1: a run in flight while PostgreSQL is unreachable (a TCP proxy of our own in front
 * of the shared server, cut and restored) ends once the store is back, with its
 * agent_completed delivered and no gap in seq; a run this process owns that no engine
 * executes is ended by the supervisor.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRestClient } from '../../client/index.ts';
import { startHarness, type Harness } from '../support/backend-harness.ts';
import { CuttableProxy } from '../support/tcp-proxy.ts';
import { dropTestSchema, postgresAvailable, TEST_DATABASE_URL, uniqueTestName } from '../support/test-services.ts';
import { createStore } from '../../backend/store/store-factory.ts';
import type { Store } from '../../backend/store/store-types.ts';

const pgUp = await postgresAvailable();
const schema = uniqueTestName('outage');
let harness: Harness | undefined;
let proxy: CuttableProxy | undefined;
let direct: Store | undefined;

afterAll(async () => {
  await harness?.close();
  await proxy?.cut();
  await direct?.close();
  if (pgUp.available) await dropTestSchema(TEST_DATABASE_URL, schema);
});

describe.skipIf(!pgUp.available)('a store outage during a run', () => {
  it('ends the run once the store is back: agent_completed delivered, seq without gap', async () => {
    proxy = CuttableProxy.forUrl(TEST_DATABASE_URL, 5432);
    await proxy.open();
    harness = await startHarness({ databaseUrl: proxy.rewrite(TEST_DATABASE_URL), databaseSchema: schema, leaseMs: 1500 });
    const c = await harness.client('outage-user', 'ws');
    const script = [{ think: 'before' }, { tool: 'wait', args: {}, result: 1, delay_ms: 800 }, { think: 'after' }, { respond: 'done' }];
    c.send({ type: 'user_message', message_id: 'in-flight', payload: { content: 'slow', agent: 'scripted', script } });
    const ack = await c.waitFor((e) => e.type === 'message_ack' && e.message_id === 'in-flight');
    const runId = (ack.payload as { run_id: string }).run_id;
    await c.waitFor((e) => e.type === 'tool_executing' && e.run_id === runId);

    await proxy.cut(); // the tool's completion and the run's end cannot be stored
    await new Promise((r) => setTimeout(r, 2500));
    expect(c.received.some((e) => e.type === 'agent_completed' && e.run_id === runId)).toBe(false);
    await proxy.open();

    const events = await c.runEvents(runId, 15_000);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // Pipelined persistence: the events the agent produced during the outage are stored with
    // the run's end (one write, retried until the store is back), so nothing is lost and the
    // run ends as the agent ended it.
    expect(events.at(-1)).toMatchObject({ type: 'agent_completed', payload: { status: 'succeeded', error: null } });
    expect(events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_thinking', 'agent_completed']);
    expect(events.filter((e) => e.type === 'agent_completed')).toHaveLength(1);

    const rest = createRestClient(harness.backend.url);
    const token = await harness.backend.mintToken('outage-user');
    expect((await rest.getRun(token, runId)).status).toBe('succeeded');
    const stored = await rest.getRunEvents(token, runId);
    expect(stored.map((e) => e.seq)).toEqual(events.map((e) => e.seq));

    // service goes on
    c.send({ type: 'user_message', message_id: 'after', payload: { content: 'what is 2 + 2?' } });
    const next = await c.waitFor((e) => e.type === 'message_ack' && e.message_id === 'after', 10_000);
    const after = await c.runEvents((next.payload as { run_id: string }).run_id, 15_000);
    expect(after.at(-1)).toMatchObject({ payload: { status: 'succeeded' } });
  }, 40_000);

  it('the supervisor ends a run of this process that no engine executes', async () => {
    expect(harness).toBeDefined();
    const backend = harness!.backend;
    direct = await createStore({ databaseUrl: TEST_DATABASE_URL, schema, dataDir: harness!.dataDir });
    const c = await harness!.client('orphan-user', 'ws');
    const now = new Date().toISOString();
    const ids = { thread: uniqueTestName('thr'), message: uniqueTestName('msg'), run: uniqueTestName('run') };
    await direct.acceptMessage({
      thread: { id: ids.thread, title: 'orphan' },
      message: {
        id: ids.message,
        threadId: ids.thread,
        userId: 'orphan-user',
        clientMessageId: null,
        content: 'x',
        agent: 'scripted',
        priority: 'normal',
        createdAt: now,
      },
      run: {
        id: ids.run,
        userId: 'orphan-user',
        threadId: ids.thread,
        messageId: ids.message,
        agent: 'scripted',
        priority: 'normal',
        status: 'queued',
        input: { content: 'x', agent: 'scripted' },
        response: null,
        error: null,
        createdAt: now,
        startedAt: null,
        endedAt: null,
        ownerId: null,
      },
    });
    // Claimed in this backend's name, as if its executor had claimed it and then given up.
    const claimed = await direct.claimNextRun('orphan-user', backend.instanceId, now);
    expect(claimed?.id).toBe(ids.run);
    const completed = await c.waitFor((e) => e.type === 'agent_completed' && e.run_id === ids.run, 15_000);
    expect(completed).toMatchObject({ seq: 1, payload: { status: 'interrupted' } });
    expect((await direct.getRun(ids.run))?.status).toBe('interrupted');
  }, 30_000);
});
